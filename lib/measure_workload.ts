/**
 * "Measure my workload": one task of a task module run over a list of
 * inputs four ways (sequentially, as async tasks, on Workers, in child
 * processes), the results checked equal and the fastest way named.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import { progressSteps } from "./_progress.ts";
import { ProcessPool } from "./process_pool.ts";
import { timeIt } from "./time_it.ts";
import { WorkerPool } from "./worker_pool.ts";
import { assertPositiveInteger } from "./_validate.ts";

/** The learner's task module, `workers/my_workload.ts`. */
export const MY_WORKLOAD_MODULE: URL = new URL(
  "../workers/my_workload.ts",
  import.meta.url,
);

/** How the inputs were run. */
export type WorkloadMode =
  | "sequential"
  | "async tasks"
  | "workers"
  | "processes";

/** Options of {@linkcode measureWorkload}. */
export interface MeasureWorkloadOptions {
  /**
   * The task module: it must export `tasks` (a record of functions) and
   * pass the same record to `expose()`.
   * @default {MY_WORKLOAD_MODULE}
   */
  module?: URL;
  /**
   * Workers and child processes in each pool.
   * @default {navigator.hardwareConcurrency}
   */
  size?: number;
  /**
   * Measured runs per mode, after one warm-up run (which also starts the
   * pools, so start-up is not counted).
   * @default {3}
   */
  repeats?: number;
  /**
   * Called with `(0, total)` before the first run and `(done, total)` after
   * each run, warm-up runs included: `total` is `4 x (1 + repeats)`.
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** One mode's measurement. */
export interface WorkloadResult {
  /** How the inputs ran. */
  mode: WorkloadMode;
  /** Median time over the repeats, in milliseconds. */
  medianMs: number;
  /** Sequential median divided by this mode's. */
  speedup: number;
}

/** The outcome of {@linkcode measureWorkload}. */
export interface WorkloadReport {
  /** One row per mode, in the order run. */
  results: WorkloadResult[];
  /** The fastest mode. */
  winner: WorkloadMode;
  /** The results of the task, one per input (equal in every mode). */
  outputs: unknown[];
}

/**
 * Runs `task` of a task module over `inputs` in four ways and times each:
 * sequentially, as async tasks on the event loop, on a {@linkcode WorkerPool}
 * and on a {@linkcode ProcessPool}. Every mode must return the same outputs.
 *
 * @param task The task's name in the module's `tasks`.
 * @param inputs One input per task; JSON-friendly, since processes get JSON.
 * @param options The module, pool size, repeats and progress.
 * @returns The timings, the winner and the outputs.
 * @throws {RangeError} When the task is unknown or a count is not a positive
 *   integer.
 * @throws {Error} When a mode's outputs differ from the sequential ones.
 *
 * @example
 * ```ts
 * import { measureWorkload } from "./measure_workload.ts";
 * import assert from "node:assert/strict";
 * const report = await measureWorkload(
 *   "myWorkload",
 *   [{ steps: 1000, seed: 1 }, { steps: 1000, seed: 2 }],
 *   { size: 1, repeats: 1 },
 * );
 * assert.equal(report.results.length, 4);
 * assert.equal(report.outputs.length, 2);
 * ```
 */
export async function measureWorkload(
  task: string,
  inputs: readonly unknown[],
  options: MeasureWorkloadOptions = {},
): Promise<WorkloadReport> {
  const {
    module = MY_WORKLOAD_MODULE,
    size = navigator.hardwareConcurrency,
    repeats = 3,
    onProgress,
  } = options;
  assertPositiveInteger("Cannot measure workload", "size", size);
  assertPositiveInteger("Cannot measure workload", "repeats", repeats);
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new RangeError(
      "Cannot measure workload: 'inputs' must be a non-empty array",
    );
  }
  const loaded = await import(module.href) as {
    tasks?: Record<string, (input: unknown) => unknown>;
  };
  const fn = loaded.tasks?.[task];
  if (typeof fn !== "function") {
    throw new RangeError(
      `Cannot measure workload: task '${task}' is not in the module's 'tasks'`,
    );
  }
  await using workers = new WorkerPool(module, { size });
  await using processes = new ProcessPool(module, { size });
  const modes: [WorkloadMode, () => Promise<unknown[]>][] = [
    ["sequential", () => Promise.resolve(inputs.map((input) => fn(input)))],
    [
      "async tasks",
      () => Promise.all(inputs.map(async (input) => await fn(input))),
    ],
    ["workers", () => Promise.all(inputs.map((i) => workers.run(task, i)))],
    [
      "processes",
      () => Promise.all(inputs.map((i) => processes.run(task, i))),
    ],
  ];
  const step = progressSteps(modes.length * (1 + repeats), onProgress);
  const timings: { mode: WorkloadMode; medianMs: number }[] = [];
  let outputs: unknown[] = [];
  for (const [mode, runOnce] of modes) {
    const run = async () => {
      const result = await runOnce();
      step();
      return result;
    };
    const timing = await timeIt(run, { warmup: 1, repeats });
    if (mode === "sequential") outputs = timing.result;
    else if (!isDeepStrictEqual(timing.result, outputs)) {
      throw new Error(
        `Cannot measure workload: the ${mode} results differ from the sequential ones`,
      );
    }
    timings.push({ mode, medianMs: timing.medianMs });
  }
  const base = timings[0].medianMs;
  const results = timings.map((t) => ({ ...t, speedup: base / t.medianMs }));
  const winner = results.reduce((a, b) => (b.medianMs < a.medianMs ? b : a))
    .mode;
  return { results, winner, outputs };
}
