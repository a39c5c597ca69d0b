/**
 * What a pool costs per tiny task, measured side by side in one run: the
 * raw `postMessage` floor, {@linkcode WorkerPool} (`run()` and `map()`) and
 * piscina, the well-known Node.js pool, running under Deno through
 * `node:worker_threads`.
 *
 * @module
 */

import {
  type Contender,
  type ContenderName,
  startContender,
} from "./_pool_contenders.ts";
import { assertInteger } from "../util/validate.ts";
import { median } from "../measure/time_it.ts";

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
  "piscina.run",
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
 * and closed afterwards.
 *
 * @param options See {@linkcode PoolOverheadOptions}.
 * @returns One row per contender, the raw floor first.
 * @throws {RangeError} When an option is not a positive integer.
 * @throws {Error} When a contender returns wrong results.
 *
 * @example
 * ```ts
 * import { poolThroughput } from "./pool_throughput.ts";
 * import assert from "node:assert/strict";
 * const rows = await poolThroughput({ tasks: 20, workers: 1, repeats: 1 });
 * assert.equal(rows.length, 4);
 * assert.ok(rows.every((row) => row.tasksPerSecond > 0));
 * ```
 */
export async function poolThroughput(
  options: PoolOverheadOptions,
): Promise<PoolThroughputRow[]> {
  const { tasks, workers, repeats } = options ?? {};
  const where = "Cannot measure pool throughput";
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "workers", workers);
  assertInteger(where, "repeats", repeats);
  const samples = await takeTurns(
    THROUGHPUT_CONTENDERS,
    workers,
    repeats,
    async (name, contender) => {
      const began = performance.now();
      const results = await contender.runMany(tasks);
      const ms = performance.now() - began;
      if (
        results.length !== tasks ||
        !results.every((result) => result === undefined)
      ) {
        throw new Error(
          `Cannot measure pool throughput: ${name} returned ${results.length} results for ${tasks} noop tasks, not all undefined`,
        );
      }
      return ms;
    },
  );
  return THROUGHPUT_CONTENDERS.map((contender, i) => {
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
    const taken = await takeTurns(
      order.map((i) => LATENCY_CONTENDERS[i]),
      1,
      1,
      latencySample,
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
      const result = await contender.runOne();
      if (result !== undefined) {
        throw new Error(
          `Cannot measure pool latency: ${name} returned ${result} for a noop task`,
        );
      }
    }
    return (performance.now() - began) * 1000 / rounds;
  }
}

/**
 * Starts every contender, then for each repeat lets each take one sample,
 * starting one further along each time; closes them all however it ends.
 * Returns the samples by contender.
 */
async function takeTurns<Name extends ContenderName>(
  names: readonly Name[],
  workers: number,
  repeats: number,
  sample: (
    name: Name,
    contender: Contender,
  ) => Promise<number>,
): Promise<number[][]> {
  const contenders: Contender[] = [];
  try {
    for (const name of names) {
      contenders.push(await startContender(name, workers));
    }
    const samples: number[][] = names.map(() => []);
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (let turn = 0; turn < names.length; turn++) {
        const i = (repeat + turn) % names.length;
        samples[i].push(await sample(names[i], contenders[i]));
      }
    }
    return samples;
  } finally {
    await Promise.all(contenders.map((contender) => contender.close()));
  }
}
