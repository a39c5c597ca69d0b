/**
 * What a pool costs per task, measured side by side in one run: the raw
 * `postMessage` floor, {@linkcode WorkerPool} (`run()` and `map()`) and the
 * well-known npm pools (piscina, tinypool, workerpool, poolifier-web-worker)
 * running under Deno, on tiny tasks, one task at a time, and ~1 ms tasks;
 * and the bench report's charts of each ({@linkcode poolThroughputFigure},
 * {@linkcode poolLatencyFigure}, {@linkcode millisecondTasksFigure}).
 *
 * @module
 */

import {
  type Contender,
  type ContenderName,
  ContenderUnavailable,
  type OwnContender,
  PEERS,
  startContender,
} from "./_pool_contenders.ts";
import { barChart, type Figure } from "../display/plot.ts";
import { assertInteger } from "../util/validate.ts";
import { median } from "../measure/time_it.ts";
import { stringifyRecords } from "../workloads/workloads.ts";

/** Who is measured in {@linkcode poolThroughput}. */
export type PoolContender = ContenderName;

/** One contender's throughput on many tiny tasks. */
export interface PoolThroughputRow {
  /** Who ran the tasks. */
  contender: PoolContender;
  /** Tasks per sample. */
  tasks: number;
  /** Workers the contender ran them on. */
  workers: number;
  /** Milliseconds each sample took, in the order measured. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /** `tasks` per second at the median. */
  tasksPerSecond: number;
}

/** A contender that could not be measured here, and why. */
export interface SkippedContender {
  /** Who. */
  contender: PoolContender;
  /** Why, e.g. that its first tasks never settled. */
  reason: string;
}

/** What {@linkcode poolThroughput} returns. */
export interface PoolThroughputRun {
  /** One row per contender measured, the raw floor first. */
  rows: PoolThroughputRow[];
  /** The contenders that could not run under Deno, with the reason. */
  skipped: SkippedContender[];
}

/** One contender's round trip for one tiny task. */
export interface PoolLatencyRow {
  /** Who ran the task: the raw floor is a ping-pong with one worker. */
  contender: "raw postMessage" | "WorkerPool.run" | "piscina.run";
  /** Microseconds per task, one value per sample. */
  samplesUs: number[];
  /** The median of `samplesUs`. */
  medianUs: number;
}

/** Options of {@linkcode poolThroughput}. */
export interface PoolOverheadOptions {
  /** `noop` tasks per sample, a positive integer. */
  tasks: number;
  /** Workers of every contender, a positive integer. */
  workers: number;
  /** Samples per contender, a positive integer. */
  repeats: number;
  /**
   * How long a contender's first tasks may take before it counts as unable
   * to run here, in milliseconds.
   * @default {10000}
   */
  startTimeoutMs?: number;
}

/** Options of {@linkcode poolLatency}. */
export interface PoolLatencyOptions {
  /** Tasks awaited one after another per sample, a positive integer. */
  rounds: number;
  /** Samples per contender, a positive integer. */
  repeats: number;
}

const THROUGHPUT_CONTENDERS: readonly PoolContender[] = [
  "raw postMessage",
  "WorkerPool.run",
  "WorkerPool.map",
  ...PEERS,
];

const LATENCY_CONTENDERS: readonly PoolLatencyRow["contender"][] = [
  "raw postMessage",
  "WorkerPool.run",
  "piscina.run",
];

/**
 * Many tiny `noop` tasks, all in flight at once; contenders take turns each
 * repeat (in a rotating order), so that a slow moment of the machine hits
 * them all alike. Every contender is started and warmed up before timing
 * and closed afterwards; one that fails or whose first tasks do not settle
 * in time (a pool that hangs under Deno) is skipped with the reason.
 *
 * @param options See {@linkcode PoolOverheadOptions}.
 * @returns The rows, the raw floor first, and the skipped contenders.
 * @throws {RangeError} When an option is not a positive integer.
 * @throws {Error} When a contender returns wrong results.
 *
 * @example
 * ```ts
 * import { poolThroughput } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const { rows, skipped } = await poolThroughput({ tasks: 20, workers: 1, repeats: 1 });
 * assert.equal(rows.length + skipped.length, 8);
 * assert.ok(rows.every((row) => row.tasksPerSecond > 0));
 * ```
 */
export async function poolThroughput(
  options: PoolOverheadOptions,
): Promise<PoolThroughputRun> {
  const { tasks, workers, repeats, startTimeoutMs = 10_000 } = options ?? {};
  const where = "Cannot measure pool throughput";
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "workers", workers);
  assertInteger(where, "repeats", repeats);
  const inputs = new Array(tasks).fill(undefined);
  const { names, samples, skipped } = await takeTurns(
    THROUGHPUT_CONTENDERS,
    (name) => startContender(name, workers, "noop", undefined, startTimeoutMs),
    repeats,
    async (name, contender) => {
      const began = performance.now();
      const results = await contender.runMany(inputs);
      const ms = performance.now() - began;
      if (
        results.length !== tasks ||
        !results.every((result) => result === undefined)
      ) {
        throw new Error(
          `${where}: ${name} returned ${results.length} results for ${tasks} noop tasks, not all undefined`,
        );
      }
      return ms;
    },
  );
  const rows = names.map((contender, i) => {
    const medianMs = median(samples[i]);
    return {
      contender,
      tasks,
      workers,
      samplesMs: samples[i],
      medianMs,
      tasksPerSecond: tasks / (medianMs / 1000),
    };
  });
  return { rows, skipped };
}

/**
 * One `noop` at a time, each awaited before the next, on one worker;
 * `rounds` per sample. The raw floor is a `postMessage` ping-pong.
 *
 * @param options See {@linkcode PoolLatencyOptions}.
 * @returns One row per contender, the raw floor first.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { poolLatency } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const rows = await poolLatency({ rounds: 5, repeats: 1 });
 * assert.deepEqual(rows.map((row) => row.contender), [
 *   "raw postMessage",
 *   "WorkerPool.run",
 *   "piscina.run",
 * ]);
 * ```
 */
export async function poolLatency(
  options: PoolLatencyOptions,
): Promise<PoolLatencyRow[]> {
  const { rounds, repeats } = options ?? {};
  const where = "Cannot measure pool latency";
  assertInteger(where, "rounds", rounds);
  assertInteger(where, "repeats", repeats);
  // A worker's round trip depends on where the OS put its thread (the same
  // core as the main thread or another: tens of microseconds apart on a VM),
  // and that holds for a contender's whole life. So every repeat starts
  // fresh contenders, and the median is over placements, not over one.
  const samples: number[][] = LATENCY_CONTENDERS.map(() => []);
  for (let repeat = 0; repeat < repeats; repeat++) {
    const order = LATENCY_CONTENDERS.map((_, turn) =>
      (repeat + turn) % LATENCY_CONTENDERS.length
    );
    const { samples: taken } = await takeTurns(
      order.map((i) => LATENCY_CONTENDERS[i]),
      (name) => startContender(name, 1),
      1,
      latencySample,
      false,
    );
    order.forEach((i, turn) => samples[i].push(taken[turn][0]));
  }
  return LATENCY_CONTENDERS.map((contender, i) => ({
    contender,
    samplesUs: samples[i],
    medianUs: median(samples[i]),
  }));

  async function latencySample(
    name: PoolLatencyRow["contender"],
    contender: Contender,
  ): Promise<number> {
    const began = performance.now();
    for (let i = 0; i < rounds; i++) {
      const result = await contender.runOne(undefined);
      if (result !== undefined) {
        throw new Error(
          `Cannot measure pool latency: ${name} returned ${result} for a noop task`,
        );
      }
    }
    return (performance.now() - began) * 1000 / rounds;
  }
}

/** One way of running the ~1 ms tasks of {@linkcode poolOnMillisecondTasks}. */
export interface MillisecondTasksRow {
  /** `one thread` runs them in this thread, one after another. */
  contender: "one thread" | OwnContender;
  /** Tasks per sample. */
  tasks: number;
  /** Milliseconds each sample took, in the order measured. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /** Tasks per second at the median. */
  tasksPerSecond: number;
  /** `tasksPerSecond` over one thread's. */
  speedup: number;
}

/** Options of {@linkcode poolOnMillisecondTasks}. */
export interface MillisecondTasksOptions {
  /** Tasks per sample, a positive integer. */
  tasks: number;
  /** Records each task serialises (6 000 take about 1 ms), a positive integer. */
  records: number;
  /** Workers of every contender, a positive integer. */
  workers: number;
  /** Samples per contender, a positive integer. */
  repeats: number;
}

const MILLISECOND_CONTENDERS: readonly OwnContender[] = [
  "raw postMessage",
  "WorkerPool.run",
  "WorkerPool.map",
];

/**
 * Tasks of about a millisecond (`stringifyRecords`), all in flight at once,
 * through the raw floor, `WorkerPool.run` and `WorkerPool.map`, beside the
 * same tasks one after another in this thread; contenders take turns each
 * repeat. Where per-message costs vanish beside the work, what is left is
 * how well a pool keeps its workers busy.
 *
 * @param options See {@linkcode MillisecondTasksOptions}.
 * @returns One row per way, one thread first, each with its speedup.
 * @throws {RangeError} When an option is not a positive integer.
 * @throws {Error} When a contender returns wrong results.
 *
 * @example
 * ```ts
 * import { poolOnMillisecondTasks } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const rows = await poolOnMillisecondTasks({ tasks: 20, records: 10, workers: 1, repeats: 1 });
 * assert.deepEqual(rows.map((row) => row.contender), [
 *   "one thread",
 *   "raw postMessage",
 *   "WorkerPool.run",
 *   "WorkerPool.map",
 * ]);
 * assert.equal(rows[0].speedup, 1);
 * ```
 */
export async function poolOnMillisecondTasks(
  options: MillisecondTasksOptions,
): Promise<MillisecondTasksRow[]> {
  const { tasks, records, workers, repeats } = options ?? {};
  const where = "Cannot measure pools on ~1 ms tasks";
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "records", records);
  assertInteger(where, "workers", workers);
  assertInteger(where, "repeats", repeats);
  const inputs = new Array(tasks).fill(records);
  const expected = stringifyRecords(records);
  const check = (name: string, results: unknown[]) => {
    if (results.length !== tasks || results.some((n) => n !== expected)) {
      throw new Error(`${where}: ${name} returned wrong results`);
    }
  };
  const oneThread: Contender = {
    runMany: (inputs) =>
      Promise.resolve(inputs.map((count) => stringifyRecords(count as number))),
    runOne: (input) => Promise.resolve(stringifyRecords(input as number)),
    close: () => Promise.resolve(),
  };
  const { names, samples } = await takeTurns(
    ["one thread", ...MILLISECOND_CONTENDERS] as const,
    (name) =>
      name === "one thread"
        ? Promise.resolve(oneThread)
        : startContender(name, workers, "stringifyRecords", records),
    repeats,
    async (name, contender) => {
      const began = performance.now();
      const results = await contender.runMany(inputs);
      const ms = performance.now() - began;
      check(name, results);
      return ms;
    },
    false,
  );
  const baseMs = median(samples[0]);
  return names.map((contender, i) => {
    const medianMs = median(samples[i]);
    return {
      contender,
      tasks,
      samplesMs: samples[i],
      medianMs,
      tasksPerSecond: tasks / (medianMs / 1000),
      speedup: baseMs / medianMs,
    };
  });
}

/**
 * Starts every contender, then for each repeat lets each take one sample,
 * starting one further along each time; closes them all however it ends.
 * With `skip`, a contender that cannot start is left out and reported;
 * without, its failure is thrown. Returns the samples by contender.
 */
async function takeTurns<Name extends string>(
  names: readonly Name[],
  start: (name: Name) => Promise<Contender>,
  repeats: number,
  sample: (name: Name, contender: Contender) => Promise<number>,
  skip = true,
): Promise<
  { names: Name[]; samples: number[][]; skipped: SkippedContender[] }
> {
  const started: Name[] = [];
  const contenders: Contender[] = [];
  const skipped: SkippedContender[] = [];
  try {
    for (const name of names) {
      try {
        contenders.push(await start(name));
        started.push(name);
      } catch (error) {
        if (!skip || !(error instanceof ContenderUnavailable)) throw error;
        skipped.push({
          contender: error.contender,
          reason: error.message.replace(/^.*? cannot run here: /, ""),
        });
      }
    }
    const samples: number[][] = started.map(() => []);
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (let turn = 0; turn < started.length; turn++) {
        const i = (repeat + turn) % started.length;
        samples[i].push(await sample(started[i], contenders[i]));
      }
    }
    return { names: started, samples, skipped };
  } finally {
    await Promise.all(contenders.map((contender) => contender.close()));
  }
}

/**
 * The chart of {@linkcode poolThroughput}: each contender's tasks per second.
 *
 * @param rows The `rows` of what {@linkcode poolThroughput} returned.
 * @param options The tasks and workers it ran with, for the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { poolThroughputFigure } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const figure = poolThroughputFigure([{
 *   contender: "raw postMessage", tasks: 500, workers: 2, samplesMs: [5],
 *   medianMs: 5, tasksPerSecond: 100_000,
 * }], { tasks: 500, workers: 2 });
 * assert.deepEqual(figure.layout.title, {
 *   text: "Throughput: 500 tiny tasks on 2 workers",
 * });
 * ```
 */
export function poolThroughputFigure(
  rows: readonly PoolThroughputRow[],
  options: Pick<PoolOverheadOptions, "tasks" | "workers">,
): Figure {
  return barChart([{
    name: "tasks per second",
    x: rows.map((row) => row.contender),
    y: rows.map((row) => row.tasksPerSecond),
  }], {
    title: `Throughput: ${
      options.tasks.toLocaleString("en")
    } tiny tasks on ${options.workers} workers`,
    xTitle: "contender",
    yTitle: "throughput (tasks/s)",
    caption:
      "Raw postMessage sends one message per task with no pool around it; a pool's gap to it is what its design costs, or saves.",
  });
}

/**
 * The chart of {@linkcode poolLatency}: each contender's median round trip
 * for one tiny task at a time.
 *
 * @param rows What {@linkcode poolLatency} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { poolLatencyFigure } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const figure = poolLatencyFigure([
 *   { contender: "raw postMessage", samplesUs: [100], medianUs: 100 },
 *   { contender: "WorkerPool.run", samplesUs: [110], medianUs: 110 },
 * ]);
 * assert.deepEqual(figure.data[0].y, [100, 110]);
 * ```
 */
export function poolLatencyFigure(rows: readonly PoolLatencyRow[]): Figure {
  return barChart([{
    name: "median round trip",
    x: rows.map((row) => row.contender),
    y: rows.map((row) => row.medianUs),
  }], {
    title: "Latency: one tiny task at a time",
    xTitle: "contender",
    yTitle: "median round trip (µs)",
    caption: "One task in flight: the pool's bookkeeping per task, unhidden.",
  });
}

/**
 * The chart of {@linkcode poolOnMillisecondTasks}: each way's speedup over
 * one thread.
 *
 * @param rows What {@linkcode poolOnMillisecondTasks} returned.
 * @param options The tasks and workers it ran with, for the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { millisecondTasksFigure } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const row = { tasks: 100, samplesMs: [100], medianMs: 100, tasksPerSecond: 1_000 };
 * const figure = millisecondTasksFigure([
 *   { ...row, contender: "one thread", speedup: 1 },
 *   { ...row, contender: "WorkerPool.map", speedup: 1.9 },
 * ], { tasks: 100, workers: 2 });
 * assert.deepEqual(figure.data[0].x, ["one thread", "WorkerPool.map"]);
 * ```
 */
export function millisecondTasksFigure(
  rows: readonly MillisecondTasksRow[],
  options: Pick<MillisecondTasksOptions, "tasks" | "workers">,
): Figure {
  return barChart([{
    name: "speedup over one thread",
    x: rows.map((row) => row.contender),
    y: rows.map((row) => row.speedup),
  }], {
    title: `${
      options.tasks.toLocaleString("en")
    } tasks of ~1 ms (JSON.stringify) on ${options.workers} workers`,
    xTitle: "contender",
    yTitle: "speedup over one thread (×)",
    caption:
      "The work dwarfs each message: what is left is how well each keeps its workers busy.",
  });
}
