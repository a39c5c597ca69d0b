/**
 * The experiments of notebook 04 (CPU-bound work), also run by notebook 00,
 * notebook 10 and `deno task bench`, so they all measure the same thing.
 *
 * - {@linkcode COUNT_PRIMES_WORKER} and {@linkcode PRIMES_TASKS}: the worker
 *   the notebook starts one per chunk, and the task module its pools (and
 *   every experiment here) run.
 * - {@linkcode cpuBoundExperiment}: one prime-counting workload run
 *   sequentially, as async tasks on the one event loop, on a
 *   {@linkcode WorkerPool} and on a {@linkcode ProcessPool}.
 * - {@linkcode scalingExperiment} and {@linkcode chunkSizeSweep}: how the
 *   count scales with the number of workers, and how the chunk size changes
 *   its time. Both start one {@linkcode WorkerPool} of the largest size
 *   needed, warm it, and limit how many chunks are in flight at once, so the
 *   workers' start-up is paid once and never timed.
 * - {@linkcode readAmdahl}: Amdahl's law fitted to the scaling points, with
 *   what the spread of the runs allows, so a fit on few cores is read as
 *   what it is.
 * - {@linkcode cpuModesFigure} and {@linkcode scalingFigure}: the charts of
 *   the modes and of the scaling, the same in notebook 04 and the bench
 *   report.
 *
 * @module
 */

import { barChart, type Figure, lineChart } from "../display/plot.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { median, timeIt } from "../measure/time_it.ts";
import { type AmdahlFit, fitAmdahl } from "../measure/amdahl.ts";
import { countPrimes, splitRange } from "../workloads/workloads.ts";
import { assertInteger } from "../util/validate.ts";
import { mapLimited } from "../util/map_limited.ts";
import { WorkerPool } from "../pools/worker_pool.ts";

/**
 * The URL of `workers/count_primes_worker.ts`: a plain worker (no pool) that
 * answers a `{ start, end }` message with the count of primes in that range.
 *
 * @example
 * ```ts
 * import { COUNT_PRIMES_WORKER } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const worker = new Worker(COUNT_PRIMES_WORKER, { type: "module" });
 * const count = await new Promise((resolve) => {
 *   worker.onmessage = (event) => resolve(event.data);
 *   worker.postMessage({ start: 0, end: 100 });
 * });
 * worker.terminate();
 * assert.equal(count, 25);
 * ```
 */
export const COUNT_PRIMES_WORKER: URL = new URL(
  "../../workers/count_primes_worker.ts",
  import.meta.url,
);

/**
 * The URL of `workers/primes_tasks.ts`, the task module that exposes
 * `countPrimes({ start, end })` to a {@linkcode WorkerPool} or a
 * {@linkcode ProcessPool}. Every experiment of this module runs it.
 *
 * @example
 * ```ts
 * import { PRIMES_TASKS } from "./cpu_bound.ts";
 * import { WorkerPool } from "../pools/worker_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new WorkerPool(PRIMES_TASKS, { size: 1 });
 * assert.deepEqual(await pool.map("countPrimes", [{ start: 0, end: 100 }]), [25]);
 * ```
 */
export const PRIMES_TASKS: URL = new URL(
  "../../workers/primes_tasks.ts",
  import.meta.url,
);

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
 * import { cpuBoundExperiment } from "./cpu_bound.ts";
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
  assertInteger(where, "limit", limit);
  assertInteger(where, "chunks", chunks);
  assertInteger(where, "parallelism", parallelism);
  const ranges = splitRange(0, limit, Math.ceil(limit / chunks));
  const inputs = ranges.map(([start, end]) => ({ start, end }));
  const sum = (counts: number[]) =>
    counts.reduce((total, count) => total + count, 0);
  // Warm across reruns in a notebook kernel: start-up is not what is timed.
  await using workers = new WorkerPool(PRIMES_TASKS, {
    size: parallelism,
    idleTimeoutMs: Infinity,
  });
  await using processes = new ProcessPool(PRIMES_TASKS, {
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

/**
 * The chart of {@linkcode cpuBoundExperiment}: each mode's speedup over the
 * first (sequential) mode, one bar per mode, with the "no speedup" line.
 *
 * @param results What {@linkcode cpuBoundExperiment} returned.
 * @param setting The prime limit, for the title, and the machine's cores,
 *   for the caption.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { cpuModesFigure } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const result = { primes: 25, samplesMs: [4], medianMs: 4 };
 * const figure = cpuModesFigure([
 *   { ...result, mode: "sequential", speedup: 1 },
 *   { ...result, mode: "workers", speedup: 1.9 },
 * ], { limit: 100, cores: 2 });
 * assert.deepEqual(figure.data[0].x, ["sequential", "workers"]);
 * assert.equal(figure.data[1].name, "no speedup");
 * ```
 */
export function cpuModesFigure(
  results: readonly CpuBoundResult[],
  setting: { limit: number; cores: number },
): Figure {
  return barChart([{
    name: "speedup",
    x: results.map((result) => result.mode),
    y: results.map((result) => result.speedup),
  }], {
    title: `Counting primes below ${
      setting.limit.toLocaleString("en")
    }: speedup over sequential`,
    xTitle: "how the chunks ran",
    yTitle: "speedup over sequential (x)",
    referenceLine: { y: 1, label: "no speedup" },
    caption:
      `Bars above the dashed line gained from parallelism; this machine has ${setting.cores} cores, the ceiling for workers and processes.`,
  });
}

/** The knobs of notebook 04, checked by {@linkcode checkCpuBoundParameters}. */
export interface CpuBoundParameters {
  /** Count primes below this, a positive integer. */
  primesUpTo: number;
  /** Measured runs per point, a positive integer. */
  repeats: number;
  /** How many chunks the range is split into, a positive integer. */
  chunks: number;
  /** Largest worker count of the scaling curve, a positive integer. */
  maxWorkers: number;
  /** Chunk sizes of the sweep, positive integers. */
  chunkSizes: number[];
}

/**
 * Checks the parameters of the CPU-bound notebook before anything runs.
 *
 * @param parameters The notebook's knobs.
 * @throws {RangeError} Naming the first knob that is not a positive integer (or list of them).
 *
 * @example
 * ```ts
 * import { checkCpuBoundParameters } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const good = { primesUpTo: 1000, repeats: 3, chunks: 8, maxWorkers: 4, chunkSizes: [10, 100] };
 * checkCpuBoundParameters(good);
 * assert.throws(() => checkCpuBoundParameters({ ...good, maxWorkers: 0 }), RangeError);
 * ```
 */
export function checkCpuBoundParameters(parameters: CpuBoundParameters): void {
  const where = "Cannot run the CPU-bound notebook";
  for (
    const name of ["primesUpTo", "repeats", "chunks", "maxWorkers"] as const
  ) {
    assertInteger(where, name, parameters[name]);
  }
  const { chunkSizes } = parameters;
  if (!Array.isArray(chunkSizes) || chunkSizes.length === 0) {
    throw new RangeError(
      `${where}: 'chunkSizes' must be a non-empty array of positive integers, received ${
        JSON.stringify(chunkSizes)
      }`,
    );
  }
  chunkSizes.forEach((size, index) =>
    assertInteger(where, `chunkSizes[${index}]`, size)
  );
}

function countOnPool(
  pool: WorkerPool,
  ranges: [number, number][],
  inFlight: number,
): Promise<number> {
  return mapLimited(
    ranges.map(([start, end]) => () =>
      pool.run<number>("countPrimes", { start, end })
    ),
    inFlight,
  ).then((counts) => counts.reduce((total, count) => total + count, 0));
}

/** Options of {@linkcode scalingExperiment}. */
export interface ScalingOptions {
  /**
   * The worker counts to measure.
   * @default {1 .. 2 * navigator.hardwareConcurrency}
   */
  workerCounts?: number[];
  /**
   * How many chunks the range is split into; a multiple of every worker
   * count balances the load best.
   * @default {24}
   */
  chunks?: number;
  /**
   * Measured runs per worker count, after one warm-up run.
   * @default {3}
   */
  repeats?: number;
  /**
   * Called after each worker count is measured, e.g. to tick a progress bar.
   * @default {undefined}
   */
  onPoint?: (point: ScalingPoint) => void;
}

/** One worker count's measurement in {@linkcode scalingExperiment}. */
export interface ScalingPoint {
  /** Chunks allowed in flight at once: the workers in use. */
  workers: number;
  /** Primes found: the same at every point. */
  primes: number;
  /** Every measured run, in milliseconds. */
  samplesMs: number[];
  /** Median, fastest and slowest run, in milliseconds. */
  medianMs: number;
  /** The fastest run, in milliseconds. */
  minMs: number;
  /** The slowest run, in milliseconds. */
  maxMs: number;
  /** The one-worker median over this median. */
  speedup: number;
  /** The one-worker median over the slowest run. */
  minSpeedup: number;
  /** The one-worker median over the fastest run. */
  maxSpeedup: number;
}

/**
 * Times the prime count below `limit` on 1, 2, … workers: one pool of the
 * largest count, with only `workers` chunks in flight at a time. Speedups are
 * against the first worker count's median (one worker by default).
 *
 * @param limit Count primes in `[0, limit)`, a positive integer.
 * @param options Worker counts, chunks, repeats and a progress callback.
 * @returns One point per worker count, in order.
 * @throws {RangeError} When `limit`, `chunks`, `repeats` or a worker count is not a positive integer.
 * @throws {Error} When two worker counts disagree on the number of primes.
 *
 * @example
 * ```ts
 * import { scalingExperiment } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const points = await scalingExperiment(10_000, { workerCounts: [1, 2], repeats: 1, chunks: 4 });
 * assert.deepEqual(points.map((point) => point.primes), [1229, 1229]);
 * assert.equal(points[0].speedup, 1);
 * ```
 */
export async function scalingExperiment(
  limit: number,
  options: ScalingOptions = {},
): Promise<ScalingPoint[]> {
  const cores = navigator.hardwareConcurrency;
  const {
    workerCounts = Array.from({ length: 2 * cores }, (_, i) => i + 1),
    chunks = 24,
    repeats = 3,
    onPoint,
  } = options;
  const where = "Cannot run the scaling experiment";
  assertInteger(where, "limit", limit);
  assertInteger(where, "chunks", chunks);
  assertInteger(where, "repeats", repeats);
  if (!Array.isArray(workerCounts) || workerCounts.length === 0) {
    throw new RangeError(
      `${where}: 'workerCounts' must be a non-empty array, received ${
        JSON.stringify(workerCounts)
      }`,
    );
  }
  workerCounts.forEach((count, index) =>
    assertInteger(where, `workerCounts[${index}]`, count)
  );
  const ranges = splitRange(0, limit, Math.ceil(limit / chunks));
  const size = Math.max(...workerCounts);
  await using pool = new WorkerPool(PRIMES_TASKS, {
    size: size,
    idleTimeoutMs: Infinity,
  });
  // Start and warm every worker before anything is timed.
  await countOnPool(pool, ranges, size);
  const points: ScalingPoint[] = [];
  for (const workers of workerCounts) {
    const timing = await timeIt(() => countOnPool(pool, ranges, workers), {
      repeats,
    });
    if (points.length > 0 && timing.result !== points[0].primes) {
      throw new Error(
        `Scaling experiment disagrees: ${workers} workers found ${timing.result} primes, ${
          points[0].workers
        } found ${points[0].primes}`,
      );
    }
    const baseMs = points.length === 0 ? timing.medianMs : points[0].medianMs;
    const point: ScalingPoint = {
      workers,
      primes: timing.result,
      samplesMs: timing.samplesMs,
      medianMs: timing.medianMs,
      minMs: timing.minMs,
      maxMs: timing.maxMs,
      speedup: baseMs / timing.medianMs,
      minSpeedup: baseMs / timing.maxMs,
      maxSpeedup: baseMs / timing.minMs,
    };
    points.push(point);
    onPoint?.(point);
  }
  return points;
}

/**
 * The chart of {@linkcode scalingExperiment}: the median speedup against the
 * number of workers, with the best and worst runs around it and the ideal,
 * one worker per core.
 *
 * @param points What {@linkcode scalingExperiment} returned.
 * @param cores The machine's cores: where the ideal line stops rising.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { scalingFigure } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const point = (workers: number, speedup: number) => ({
 *   workers, primes: 25, samplesMs: [4 / speedup], medianMs: 4 / speedup,
 *   minMs: 4 / speedup, maxMs: 4 / speedup, speedup,
 *   minSpeedup: speedup, maxSpeedup: speedup,
 * });
 * const figure = scalingFigure([point(1, 1), point(2, 1.9), point(3, 1.8)], 2);
 * assert.deepEqual(figure.data[3].y, [1, 2, 2]);
 * ```
 */
export function scalingFigure(
  points: readonly ScalingPoint[],
  cores: number,
): Figure {
  const workers = points.map((point) => point.workers);
  return lineChart([
    {
      name: "median speedup",
      x: workers,
      y: points.map((point) => point.speedup),
    },
    {
      name: "best run",
      x: workers,
      y: points.map((point) => point.maxSpeedup),
    },
    {
      name: "worst run",
      x: workers,
      y: points.map((point) => point.minSpeedup),
    },
    {
      name: "ideal: min(workers, cores)",
      x: workers,
      y: workers.map((count) => Math.min(count, cores)),
    },
  ], {
    title: `Speedup against workers, counting primes on ${cores} cores`,
    xTitle: "workers (count)",
    yTitle: "speedup over one worker (x)",
    referenceLine: { y: 1, label: "no speedup" },
    caption:
      `Compare the median line with the ideal one: the ideal stops rising at ${cores} workers, the number of cores; past it, workers share cores and cannot gain.`,
  });
}

/** Options of {@linkcode chunkSizeSweep}. */
export interface ChunkSweepOptions {
  /**
   * Workers in the pool, all kept busy.
   * @default {navigator.hardwareConcurrency}
   */
  workers?: number;
  /**
   * Measured runs per chunk size, after one warm-up run.
   * @default {3}
   */
  repeats?: number;
  /**
   * Called after each chunk size is measured, e.g. to tick a progress bar.
   * @default {undefined}
   */
  onPoint?: (point: ChunkSweepPoint) => void;
}

/** One chunk size's measurement in {@linkcode chunkSizeSweep}. */
export interface ChunkSweepPoint {
  /** Numbers per chunk. */
  chunkSize: number;
  /** How many chunks (messages to a worker and back) that made. */
  chunks: number;
  /** Primes found: the same for every chunk size. */
  primes: number;
  /** The median run, in milliseconds. */
  medianMs: number;
  /** The fastest run, in milliseconds. */
  minMs: number;
  /** The slowest run, in milliseconds. */
  maxMs: number;
}

/**
 * Times the prime count below `limit` on a pool of workers, splitting the
 * range into chunks of each size in turn: tiny chunks pay a message per
 * handful of numbers, huge chunks leave workers idle at the end.
 *
 * @param limit Count primes in `[0, limit)`, a positive integer.
 * @param chunkSizes The chunk sizes to try, positive integers.
 * @param options Workers, repeats and a progress callback.
 * @returns One point per chunk size, in order.
 * @throws {RangeError} When `limit`, `workers`, `repeats` or a chunk size is not a positive integer.
 * @throws {Error} When two chunk sizes disagree on the number of primes.
 *
 * @example
 * ```ts
 * import { chunkSizeSweep } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const points = await chunkSizeSweep(10_000, [100, 10_000], { workers: 2, repeats: 1 });
 * assert.deepEqual(points.map((point) => point.chunks), [100, 1]);
 * assert.deepEqual(points.map((point) => point.primes), [1229, 1229]);
 * ```
 */
export async function chunkSizeSweep(
  limit: number,
  chunkSizes: number[],
  options: ChunkSweepOptions = {},
): Promise<ChunkSweepPoint[]> {
  const { workers = navigator.hardwareConcurrency, repeats = 3, onPoint } =
    options;
  const where = "Cannot run the chunk-size sweep";
  assertInteger(where, "limit", limit);
  assertInteger(where, "workers", workers);
  assertInteger(where, "repeats", repeats);
  if (!Array.isArray(chunkSizes) || chunkSizes.length === 0) {
    throw new RangeError(
      `${where}: 'chunkSizes' must be a non-empty array, received ${
        JSON.stringify(chunkSizes)
      }`,
    );
  }
  chunkSizes.forEach((size, index) =>
    assertInteger(where, `chunkSizes[${index}]`, size)
  );
  await using pool = new WorkerPool(PRIMES_TASKS, {
    size: workers,
    idleTimeoutMs: Infinity,
  });
  await countOnPool(
    pool,
    splitRange(0, limit, Math.ceil(limit / workers)),
    workers,
  );
  const points: ChunkSweepPoint[] = [];
  for (const chunkSize of chunkSizes) {
    const ranges = splitRange(0, limit, chunkSize);
    const timing = await timeIt(() => countOnPool(pool, ranges, workers), {
      repeats,
    });
    if (points.length > 0 && timing.result !== points[0].primes) {
      throw new Error(
        `Chunk-size sweep disagrees: chunk size ${chunkSize} found ${timing.result} primes, ${
          points[0].chunkSize
        } found ${points[0].primes}`,
      );
    }
    const point: ChunkSweepPoint = {
      chunkSize,
      chunks: ranges.length,
      primes: timing.result,
      medianMs: timing.medianMs,
      minMs: timing.minMs,
      maxMs: timing.maxMs,
    };
    points.push(point);
    onPoint?.(point);
  }
  return points;
}

/** What {@linkcode readAmdahl} makes of the points of a scaling experiment. */
export interface AmdahlReading {
  /**
   * The core counts measured: `min(workers, cores)` of every point with no
   * more workers than cores, the only `n` the fit sees. Points with more
   * workers than cores add runs at `n = cores`, nothing new.
   */
  coreCounts: number[];
  /** Amdahl's law fitted to the median speedups at those core counts. */
  fit: AmdahlFit;
  /** Fitted to each point's slowest run instead: the lowest `p` the runs allow. */
  slowestFit: AmdahlFit;
  /** Fitted to each point's fastest run instead: the highest `p` the runs allow. */
  fastestFit: AmdahlFit;
}

/**
 * Fits Amdahl's law to the points of {@linkcode scalingExperiment} that
 * measure a new core count (`workers <= cores`), three times: to the
 * medians, to the slowest runs and to the fastest runs. The spread of the
 * three says how firmly the data pin the parallel fraction `p` down.
 *
 * Read it with the number of core counts in mind: the law has one unknown,
 * and at one core every speedup is 1, so with two core counts `p` is simply
 * whatever passes through the speedup at two. The fit error is then zero by
 * construction, and says nothing about whether the law describes the job;
 * `1 / (1 - p)`, the speedup on unlimited cores, is an extrapolation far
 * beyond the data.
 *
 * @param points The scaling points, the first at one worker.
 * @param cores The machine's cores, a positive integer.
 * @returns The core counts the fit saw and the three fits.
 * @throws {RangeError} When `cores` is not a positive integer, `points` is
 *   empty, or the first point is not at one worker (speedups are against it).
 *
 * @example
 * ```ts
 * import { readAmdahl } from "./cpu_bound.ts";
 * import assert from "node:assert/strict";
 * const point = (workers: number, speedup: number) => ({
 *   workers, primes: 0, samplesMs: [], medianMs: 0, minMs: 0, maxMs: 0,
 *   speedup, minSpeedup: speedup - 0.05, maxSpeedup: speedup + 0.05,
 * });
 * const reading = readAmdahl([point(1, 1), point(2, 1.9), point(3, 1.8)], 2);
 * assert.deepEqual(reading.coreCounts, [1, 2]);
 * assert.ok(reading.fit.rmse < 1e-6); // two core counts: always a perfect fit
 * assert.ok(reading.slowestFit.parallelFraction < reading.fastestFit.parallelFraction);
 * ```
 */
export function readAmdahl(
  points: readonly ScalingPoint[],
  cores: number,
): AmdahlReading {
  const where = "Cannot read Amdahl's law";
  assertInteger(where, "cores", cores);
  if (!Array.isArray(points) || points.length === 0) {
    throw new RangeError(
      `${where}: 'points' must be a non-empty array of scaling points, received ${
        Array.isArray(points) ? "0 points" : typeof points
      }`,
    );
  }
  if (points[0].workers !== 1) {
    throw new RangeError(
      `${where}: the first point must be at 1 worker, since speedups are against it, received ${
        points[0].workers
      }`,
    );
  }
  const measured = points.filter((point) => point.workers <= cores);
  const fitTo = (speedup: (point: ScalingPoint) => number) =>
    fitAmdahl(
      measured.map((point) => ({
        processors: point.workers,
        speedup: speedup(point),
      })),
    );
  return {
    coreCounts: [...new Set(measured.map((point) => point.workers))].sort((
      a,
      b,
    ) => a - b),
    fit: fitTo((point) => point.speedup),
    slowestFit: fitTo((point) => point.minSpeedup),
    fastestFit: fitTo((point) => point.maxSpeedup),
  };
}
