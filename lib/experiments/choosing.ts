/**
 * The experiments of notebook 09 (choosing): the seeds' decision flowchart
 * ("threads or processes?") walked step by step, with every answer
 * translated into Deno terms; and "measure my workload": one task of a task
 * module run over a list of inputs four ways (sequentially, as async tasks,
 * on Workers, in child processes), the results checked equal and the fastest
 * way named.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import { progressSteps } from "../display/_progress.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { timeIt } from "../measure/time_it.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
import { assertInteger } from "../util/validate.ts";

/** What you know about your workload; the flowchart's questions. */
export interface WorkloadTraits {
  /** Is the work CPU-intensive (computing, not waiting)? */
  cpuBound: boolean;
  /** Can it be broken into independent chunks? Asked when CPU-bound. */
  independentChunks?: boolean;
  /** Does it mostly wait for I/O (network, disk)? Asked when not CPU-bound. */
  ioBound?: boolean;
  /** Do the concurrent parts need to share data often? Asked when I/O-bound. */
  shareDataOften?: boolean;
  /** Are there many I/O operations (rather than a few)? Asked when not sharing. */
  manyIoOperations?: boolean;
}

/** One step of the walk: a question, its answer and what it implies. */
export interface Step {
  /** The flowchart's question. */
  question: string;
  /** The answer given. */
  answer: string;
  /** Why this answer leads where it does. */
  why: string;
}

/** The outcome of {@linkcode recommend}. */
export interface Recommendation {
  /** What to use in Deno. */
  choice: string;
  /** What the Python seeds recommend at the same leaf. */
  python: string;
  /** The path through the flowchart. */
  steps: Step[];
}

function need(traits: WorkloadTraits, name: keyof WorkloadTraits): boolean {
  const value = traits[name];
  if (typeof value !== "boolean") {
    throw new TypeError(
      `Cannot recommend: '${name}' must be true or false on this path, received ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * Walks the decision flowchart of the seeds with your answers and returns
 * the Deno recommendation, the Python one, and the reason at each step.
 * Python's multiprocessing maps to Workers or child processes; its
 * multithreading for I/O maps to async/await on the event loop, or to
 * Workers with a `SharedArrayBuffer` when data must be shared often.
 *
 * @param traits Your answers; only those on the path taken are needed.
 * @returns The recommendation with its steps.
 * @throws {TypeError} When an answer the path needs is not a boolean.
 *
 * @example
 * ```ts
 * import { recommend } from "./choosing.ts";
 * import assert from "node:assert/strict";
 * const r = recommend({ cpuBound: true, independentChunks: true });
 * assert.match(r.choice, /Workers/);
 * assert.equal(r.steps.length, 2);
 * ```
 */
export function recommend(traits: WorkloadTraits): Recommendation {
  const steps: Step[] = [];
  const yes = (value: boolean) => (value ? "yes" : "no");
  const cpu = need(traits, "cpuBound");
  steps.push({
    question: "Is your task CPU-intensive?",
    answer: yes(cpu),
    why: cpu
      ? "Only more cores help CPU work; the one event loop runs one thing at a time."
      : "Without heavy computing, the question is how much the work waits.",
  });
  if (cpu) {
    const chunks = need(traits, "independentChunks");
    steps.push({
      question: "Can you break it into independent chunks?",
      answer: yes(chunks),
      why: chunks
        ? "Independent chunks can run on separate cores with little talking."
        : "Chunks that depend on each other serialize; parallel units would mostly wait.",
    });
    return chunks
      ? {
        choice:
          "Workers (a WorkerPool), or child processes (a ProcessPool) when you need crash isolation or separate permissions",
        python: "multiprocessing",
        steps,
      }
      : {
        choice:
          "Sequential code, or a better algorithm; keep it off the main loop with one Worker if it must stay responsive",
        python: "sequential or specialized algorithms",
        steps,
      };
  }
  const io = need(traits, "ioBound");
  steps.push({
    question: "Is your task I/O-bound?",
    answer: yes(io),
    why: io
      ? "Waiting is what the event loop overlaps for free."
      : "Neither computing hard nor waiting: there is nothing to overlap.",
  });
  if (!io) {
    return {
      choice: "Sequential code",
      python: "sequential processing",
      steps,
    };
  }
  const share = need(traits, "shareDataOften");
  steps.push({
    question: "Do you need to share data frequently?",
    answer: yes(share),
    why: share
      ? "Async tasks already share one heap; Workers share only a SharedArrayBuffer, with Atomics."
      : "Without sharing, the count of operations decides.",
  });
  if (share) {
    return {
      choice:
        "async/await on the event loop (one heap, no locks needed between awaits); Workers with a SharedArrayBuffer only if CPU work joins in",
      python: "multithreading",
      steps,
    };
  }
  const many = need(traits, "manyIoOperations");
  steps.push({
    question: "How many I/O operations?",
    answer: many ? "many" : "few",
    why: many
      ? "Many waits overlap on the event loop; cap them with a concurrency limit."
      : "A few waits barely benefit from overlapping.",
  });
  return many
    ? {
      choice:
        "async/await with Promise.all and a concurrency limit, on the event loop",
      python: "multithreading",
      steps,
    }
    : {
      choice: "async/await, or plain sequential awaits",
      python: "async/await or sequential",
      steps,
    };
}

/** The learner's task module, `workers/my_workload.ts`. */
export const MY_WORKLOAD_MODULE: URL = new URL(
  "../../workers/my_workload.ts",
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
 * import { measureWorkload } from "./choosing.ts";
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
  assertInteger("Cannot measure workload", "size", size);
  assertInteger("Cannot measure workload", "repeats", repeats);
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
