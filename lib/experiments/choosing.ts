/**
 * The experiments of notebook 09 (choosing): Deno's decision flowchart
 * (`notebooks/figures/deno_decision_flowchart.mmd`: the seeds' "threads or
 * processes?" chart with the event loop, Workers and child processes as its
 * leaves) walked step by step, each step explained, with the seeds' Python
 * answer beside Deno's; and "measure my workload": one task of a task
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
  /**
   * Must a crash stay apart from your program, or is the work another
   * program? Asked when CPU-bound in independent chunks.
   */
  needIsolation?: boolean;
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

/** The leaves of Deno's decision flowchart. */
export type Leaf = "event loop" | "workers" | "child processes" | "sequential";

/** The outcome of {@linkcode recommend}. */
export interface Recommendation {
  /** The leaf of Deno's flowchart the answers lead to. */
  leaf: Leaf;
  /** What to use in Deno, in a sentence. */
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
 * Walks Deno's decision flowchart with your answers and returns the leaf
 * (the event loop, Workers, child processes or sequential code), what to
 * use there, the Python seeds' answer at the same place, and the reason at
 * each step. The chart is the seeds' one with one more question: CPU work in
 * independent chunks goes to Workers, or to child processes when a crash
 * must stay apart or the work is another program. Python's multithreading
 * for I/O becomes the event loop.
 *
 * @param traits Your answers; only those on the path taken are needed.
 * @returns The recommendation with its steps.
 * @throws {TypeError} When an answer the path needs is not a boolean.
 *
 * @example
 * ```ts
 * import { recommend } from "./choosing.ts";
 * import assert from "node:assert/strict";
 * const r = recommend({
 *   cpuBound: true,
 *   independentChunks: true,
 *   needIsolation: false,
 * });
 * assert.equal(r.leaf, "workers");
 * assert.equal(r.steps.length, 3);
 * ```
 */
export function recommend(traits: WorkloadTraits): Recommendation {
  const steps: Step[] = [];
  const ask = (
    name: keyof WorkloadTraits,
    question: string,
    why: { yes: string; no: string },
    answers = { yes: "yes", no: "no" },
  ): boolean => {
    const value = need(traits, name);
    steps.push({
      question,
      answer: value ? answers.yes : answers.no,
      why: value ? why.yes : why.no,
    });
    return value;
  };
  const reach = (
    leaf: Leaf,
    choice: string,
    python: string,
  ): Recommendation => ({
    leaf,
    choice,
    python,
    steps,
  });
  if (
    ask("cpuBound", "Is your task CPU-intensive?", {
      yes:
        "Only more cores help CPU work; the one event loop runs one thing at a time.",
      no: "Without heavy computing, the question is how much the work waits.",
    })
  ) {
    if (
      !ask("independentChunks", "Can you break it into independent chunks?", {
        yes:
          "Independent chunks can run on separate cores with little talking.",
        no:
          "Chunks that depend on each other serialize; parallel units would mostly wait.",
      })
    ) {
      return reach(
        "sequential",
        "Sequential code, or a better algorithm; keep it off the main loop with one Worker if it must stay responsive",
        "sequential or specialized algorithms",
      );
    }
    return ask(
        "needIsolation",
        "Must a crash stay apart, or is the work another program?",
        {
          yes:
            "A child process has its own memory and exit code: its crash cannot take your program down.",
          no:
            "Workers start faster, use less memory and can share a SharedArrayBuffer; an uncaught error kills only the worker.",
        },
      )
      ? reach(
        "child processes",
        "Child processes: a ProcessPool for your own tasks, Deno.Command for another program",
        "multiprocessing",
      )
      : reach(
        "workers",
        "Workers: a WorkerPool of your task module",
        "multiprocessing",
      );
  }
  if (
    !ask("ioBound", "Is your task I/O-bound?", {
      yes: "Waiting is what the event loop overlaps for free.",
      no: "Neither computing hard nor waiting: there is nothing to overlap.",
    })
  ) {
    return reach("sequential", "Sequential code", "sequential processing");
  }
  if (
    ask("shareDataOften", "Do you need to share data frequently?", {
      yes:
        "Async tasks already share one heap; Workers share only a SharedArrayBuffer, with Atomics.",
      no: "Without sharing, the count of operations decides.",
    })
  ) {
    return reach(
      "event loop",
      "async/await on the event loop (one heap, no locks needed between awaits); Workers with a SharedArrayBuffer only if CPU work joins in",
      "multithreading",
    );
  }
  return ask(
      "manyIoOperations",
      "How many I/O operations?",
      {
        yes:
          "Many waits overlap on the event loop; cap them with a concurrency limit.",
        no: "A few waits barely benefit from overlapping.",
      },
      { yes: "many", no: "few" },
    )
    ? reach(
      "event loop",
      "async/await with Promise.all and a concurrency limit, on the event loop",
      "multithreading",
    )
    : reach(
      "event loop",
      "async/await, or plain sequential awaits",
      "async/await or sequential",
    );
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
