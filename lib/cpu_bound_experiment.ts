/**
 * The course's CPU-bound experiment: one prime-counting workload run
 * sequentially, as async tasks on the one event loop, on a {@linkcode WorkerPool}
 * and on a {@linkcode ProcessPool}. The notebooks and `deno task bench` both
 * call it, so they measure the same thing.
 *
 * @module
 */
import { ProcessPool } from "./process_pool.ts";
import { TASKS_MODULE } from "./tasks_module.ts";
import { median, timeIt } from "./time_it.ts";
import { countPrimes, splitRange } from "./workloads.ts";
import { borrowWorkerPool } from "./warm_pool.ts";
import { assertPositiveInteger } from "./_validate.ts";

/** The ways the workload can be run. */
export type CpuBoundMode =
  | "sequential"
  | "async tasks"
  | "workers"
  | "processes";

/** Options of {@linkcode cpuBoundExperiment}. */
export interface CpuBoundExperimentOptions {
  /**
   * How many chunks the range is split into. Later chunks hold larger numbers
   * and cost more, so a few equal ranges leave one core waiting on the last,
   * dearest chunk; eight per core let the pool even the load out.
   * @default {8 * navigator.hardwareConcurrency}
   */
  chunks?: number;
  /**
   * Workers or child processes in each pool.
   * @default {navigator.hardwareConcurrency}
   */
  parallelism?: number;
  /**
   * Measured runs per mode, after one warm-up run; the modes take turns.
   * @default {3}
   */
  repeats?: number;
  /**
   * The modes to run; speedups are against the first.
   * @default {["sequential", "async tasks", "workers", "processes"]}
   */
  modes?: CpuBoundMode[];
}

/** One mode's result in the CPU-bound experiment. */
export interface CpuBoundResult {
  /** How the chunks were run. */
  mode: CpuBoundMode;
  /** Total primes found: equal in every mode. */
  primes: number;
  /** Every measured run, in milliseconds. */
  samplesMs: number[];
  /** The median run, in milliseconds. */
  medianMs: number;
  /** The first mode's median divided by this mode's median. */
  speedup: number;
}

/**
 * Counts the primes below `limit` in chunks, in each mode, and reports the
 * time and speedup of each against the first mode. Pools are started and
 * warmed before timing and closed before returning.
 *
 * @param limit Count primes in `[0, limit)`, a positive integer.
 * @param options Chunks, parallelism, repeats and modes.
 * @returns One result per mode, in the order of `modes`.
 * @throws {RangeError} When `limit`, `chunks` or `parallelism` is not a positive integer.
 * @throws {Error} When two modes disagree on the number of primes.
 *
 * @example
 * ```ts
 * import { cpuBoundExperiment } from "./cpu_bound_experiment.ts";
 * import assert from "node:assert/strict";
 * const results = await cpuBoundExperiment(1_000, { repeats: 1, parallelism: 2 });
 * assert.deepEqual(results.map((result) => result.primes), [168, 168, 168, 168]);
 * ```
 */
export async function cpuBoundExperiment(
  limit: number,
  options: CpuBoundExperimentOptions = {},
): Promise<CpuBoundResult[]> {
  const cores = navigator.hardwareConcurrency;
  const {
    chunks = 8 * cores,
    parallelism = cores,
    repeats = 3,
    modes = ["sequential", "async tasks", "workers", "processes"],
  } = options;
  const where = "Cannot run the CPU-bound experiment";
  assertPositiveInteger(where, "limit", limit);
  assertPositiveInteger(where, "chunks", chunks);
  assertPositiveInteger(where, "parallelism", parallelism);
  const ranges = splitRange(0, limit, Math.ceil(limit / chunks));
  const inputs = ranges.map(([start, end]) => ({ start, end }));
  const sum = (counts: number[]) =>
    counts.reduce((total, count) => total + count, 0);
  // Warm across reruns in a notebook kernel, where a worker starts slowly.
  await using borrowed = borrowWorkerPool(TASKS_MODULE, parallelism);
  const workers = borrowed.pool;
  await using processes = new ProcessPool(TASKS_MODULE, {
    size: parallelism,
    idleTimeoutMs: Infinity,
  });
  const runners: Record<CpuBoundMode, () => Promise<number>> = {
    "sequential": () =>
      Promise.resolve(
        sum(ranges.map(([start, end]) => countPrimes(start, end))),
      ),
    "async tasks": async () =>
      sum(
        await Promise.all(ranges.map(async ([start, end]) => {
          // Each chunk becomes its own task on the event loop: they interleave but never overlap.
          await Promise.resolve();
          return countPrimes(start, end);
        })),
      ),
    "workers": async () =>
      sum(
        await Promise.all(
          inputs.map((input) => workers.run<number>("countPrimes", input)),
        ),
      ),
    "processes": async () =>
      sum(
        await Promise.all(
          inputs.map((input) => processes.run<number>("countPrimes", input)),
        ),
      ),
  };
  // Modes take turns, one run each per round, so drift in the machine's
  // speed (other load, CPU frequency) falls on every mode alike.
  const samples = new Map<CpuBoundMode, number[]>(
    modes.map((mode) => [mode, []]),
  );
  const primes = new Map<CpuBoundMode, number>();
  for (const mode of modes) primes.set(mode, await runners[mode]());
  for (let round = 0; round < repeats; round++) {
    for (const mode of modes) {
      const timing = await timeIt(runners[mode], { warmup: 0, repeats: 1 });
      samples.get(mode)!.push(timing.samplesMs[0]);
      primes.set(mode, timing.result);
    }
  }
  const results: CpuBoundResult[] = [];
  for (const mode of modes) {
    const found = primes.get(mode)!;
    if (results.length > 0 && found !== results[0].primes) {
      throw new Error(
        `CPU-bound experiment disagrees: ${mode} found ${found} primes, ${
          results[0].mode
        } found ${results[0].primes}`,
      );
    }
    const medianMs = median(samples.get(mode)!);
    results.push({
      mode,
      primes: found,
      samplesMs: samples.get(mode)!,
      medianMs,
      speedup: results.length === 0 ? 1 : results[0].medianMs / medianMs,
    });
  }
  return results;
}
