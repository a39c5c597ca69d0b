/**
 * The experiments of notebook 05 (I/O-bound work): requests to a slow
 * loopback server made one at a time, all at once, through a concurrency
 * limit, from workers and from child processes; throughput against
 * concurrency beside Little's law; and file I/O: `files` files written and
 * read back one after another, all at once with `Promise.all`, and split
 * across workers, in a temporary directory removed afterwards, with the bytes
 * read checked against the bytes written.
 *
 * @module
 */

import { progressSteps } from "../display/_progress.ts";
import { barChart, type Figure, lineChart } from "../display/plot.ts";
import { assertInteger } from "../util/validate.ts";
import { mapLimited } from "../util/map_limited.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { median, timeIt } from "../measure/time_it.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
import { readFilesInTurn, writeFilesInTurn } from "../workloads/file_io.ts";

/**
 * The URL of `workers/fetch_worker.ts`, the task module the worker and
 * process modes run.
 */
export const FETCH_WORKER_MODULE: URL = new URL(
  "../../workers/fetch_worker.ts",
  import.meta.url,
);

/** The knobs of notebook 05, checked by {@linkcode checkIoParameters}. */
export interface IoParameters {
  /** Delay of each server response, in milliseconds, non-negative. */
  latencyMs: number;
  /** Requests per run, a positive integer. */
  requests: number;
  /** Most requests in flight in the limited mode, a positive integer. */
  concurrencyLimit: number;
  /** Workers in the worker mode, a positive integer. */
  workers: number;
  /** Child processes in the process mode, a positive integer. */
  processes: number;
  /** Concurrency levels of the throughput sweep, positive integers. */
  concurrencies: number[];
  /** Sleeping tasks, a positive integer. */
  sleepTasks: number;
  /** How long each task sleeps, in milliseconds, non-negative. */
  sleepMs: number;
  /** Files written and read in the file I/O experiment, a positive integer. */
  files: number;
  /** Size of each of those files, in KiB, a positive integer. */
  fileKiB: number;
}

/**
 * Checks the parameters of the I/O-bound notebook before anything runs.
 *
 * @param parameters The notebook's knobs.
 * @throws {RangeError} Naming the first knob with a bad value.
 *
 * @example
 * ```ts
 * import { checkIoParameters } from "./io_bound.ts";
 * import assert from "node:assert/strict";
 * const good = {
 *   latencyMs: 50,
 *   requests: 20,
 *   concurrencyLimit: 4,
 *   workers: 2,
 *   processes: 2,
 *   concurrencies: [1, 2],
 *   sleepTasks: 5,
 *   sleepMs: 100,
 *   files: 200,
 *   fileKiB: 64,
 * };
 * checkIoParameters(good);
 * assert.throws(() => checkIoParameters({ ...good, requests: 0 }), RangeError);
 * ```
 */
export function checkIoParameters(parameters: IoParameters): void {
  const where = "Cannot run the I/O-bound notebook";
  for (
    const name of [
      "requests",
      "concurrencyLimit",
      "workers",
      "processes",
      "sleepTasks",
      "files",
      "fileKiB",
    ] as const
  ) assertInteger(where, name, parameters[name]);
  for (const name of ["latencyMs", "sleepMs"] as const) {
    const value = parameters[name];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `${where}: '${name}' must be a non-negative number of milliseconds, received ${value}`,
      );
    }
  }
  const { concurrencies } = parameters;
  if (!Array.isArray(concurrencies) || concurrencies.length === 0) {
    throw new RangeError(
      `${where}: 'concurrencies' must be a non-empty array of positive integers, received ${
        JSON.stringify(concurrencies)
      }`,
    );
  }
  concurrencies.forEach((value, index) =>
    assertInteger(where, `concurrencies[${index}]`, value)
  );
}

async function get(url: string): Promise<string> {
  return await (await fetch(url)).text();
}

/** The ways {@linkcode ioModesExperiment} makes its requests. */
export type IoMode =
  | "sequential"
  | "Promise.all"
  | "limited"
  | "workers"
  | "processes";

/** Every {@linkcode IoMode}, in the order {@linkcode ioModesExperiment} runs them. */
export const IO_MODES: readonly IoMode[] = [
  "sequential",
  "Promise.all",
  "limited",
  "workers",
  "processes",
];

/** Options of {@linkcode ioModesExperiment}. */
export interface IoModesOptions {
  /**
   * Requests per run.
   * @default {20}
   */
  requests?: number;
  /**
   * Most requests in flight in the `limited` mode.
   * @default {4}
   */
  concurrencyLimit?: number;
  /**
   * Workers in the `workers` mode; each makes its share of the requests at once.
   * @default {2}
   */
  workers?: number;
  /**
   * Child processes in the `processes` mode; each makes its share of the
   * requests at once, with network permission for the server's address only.
   * @default {2}
   */
  processes?: number;
  /**
   * Measured runs per mode, after one first run that also starts the
   * workers or processes.
   * @default {1}
   */
  repeats?: number;
  /**
   * Called with `(0, total)` before the first run and `(done, total)` after
   * each run, first runs included: `total` is `5 x (1 + repeats)`.
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** One mode's result in {@linkcode ioModesExperiment}. */
export interface IoModeResult {
  /** How the requests were made. */
  mode: IoMode;
  /** Responses received: `requests` in every mode. */
  responses: number;
  /**
   * The first run, in milliseconds: for workers and processes it includes
   * starting them.
   */
  firstRunMs: number;
  /** The runs after the first, in milliseconds, in the order run. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /** The sequential median over this median. */
  speedup: number;
}

/**
 * Makes `requests` requests to `url` in each mode and times them: one after
 * another; all at once with `Promise.all`; at most `concurrencyLimit` at
 * once; split across a pool of workers; and split across a pool of child
 * processes run with `--allow-net` for the server's host and port only. The
 * first run of each mode is timed on its own (it starts the pool's workers
 * or processes); the median is taken over the runs after it.
 *
 * @param url The server to ask, e.g. a {@linkcode startLatencyServer}'s URL.
 * @param options Requests, limit, workers, processes, repeats and progress.
 * @returns One result per mode, in the order of {@linkcode IO_MODES}.
 * @throws {RangeError} When a count is not a positive integer.
 * @throws {TypeError} When `url` is not an absolute URL.
 *
 * @example
 * ```ts
 * import { ioModesExperiment } from "./io_bound.ts";
 * import { startLatencyServer } from "../workloads/latency_server.ts";
 * import assert from "node:assert/strict";
 * await using server = startLatencyServer({ latencyMs: 20 });
 * const results = await ioModesExperiment(server.url, {
 *   requests: 4,
 *   workers: 1,
 *   processes: 1,
 * });
 * assert.deepEqual(results.map((r) => r.responses), [4, 4, 4, 4, 4]);
 * ```
 */
export async function ioModesExperiment(
  url: string,
  options: IoModesOptions = {},
): Promise<IoModeResult[]> {
  const {
    requests = 20,
    concurrencyLimit = 4,
    workers = 2,
    processes = 2,
    repeats = 1,
    onProgress,
  } = options;
  const where = "Cannot run the I/O modes experiment";
  assertInteger(where, "requests", requests);
  assertInteger(where, "concurrencyLimit", concurrencyLimit);
  assertInteger(where, "workers", workers);
  assertInteger(where, "processes", processes);
  assertInteger(where, "repeats", repeats);
  const { host } = new URL(url);
  await using workerPool = new WorkerPool(FETCH_WORKER_MODULE, {
    size: workers,
    idleTimeoutMs: Infinity,
  });
  await using processPool = new ProcessPool(FETCH_WORKER_MODULE, {
    size: processes,
    idleTimeoutMs: Infinity,
    permissions: [`--allow-net=${host}`],
  });
  const fetchShares = async (
    pool: WorkerPool | ProcessPool,
    parts: number,
  ) =>
    (await Promise.all(
      splitEvenly(requests, parts).map((count) =>
        pool.run<number>("fetchMany", { url, count })
      ),
    )).reduce((total, count) => total + count, 0);
  const runners: Record<IoMode, () => Promise<number>> = {
    "sequential": async () => {
      for (let i = 0; i < requests; i++) await get(url);
      return requests;
    },
    "Promise.all": async () =>
      (await Promise.all(Array.from({ length: requests }, () => get(url))))
        .length,
    "limited": async () =>
      (await mapLimited(
        Array.from({ length: requests }, () => () => get(url)),
        concurrencyLimit,
      )).length,
    "workers": () => fetchShares(workerPool, workers),
    "processes": () => fetchShares(processPool, processes),
  };
  const step = progressSteps(IO_MODES.length * (1 + repeats), onProgress);
  const results: IoModeResult[] = [];
  for (const mode of IO_MODES) {
    const run = async () => {
      const responses = await runners[mode]();
      step();
      return responses;
    };
    const started = performance.now();
    await run();
    const firstRunMs = performance.now() - started;
    const timing = await timeIt(run, { warmup: 0, repeats });
    results.push({
      mode,
      responses: timing.result,
      firstRunMs,
      samplesMs: timing.samplesMs,
      medianMs: timing.medianMs,
      speedup: results.length === 0 ? 1 : results[0].medianMs / timing.medianMs,
    });
  }
  return results;
}

/** `total` split into at most `parts` positive counts that differ by at most one. */
function splitEvenly(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  ).filter((count) => count > 0);
}

/**
 * The chart of {@linkcode ioModesExperiment}: each mode's speedup over
 * sequential requests, one bar per mode, with the "no speedup" line.
 *
 * @param results What {@linkcode ioModesExperiment} returned.
 * @param setting How many requests a run made and the server's latency, for
 *   the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { ioModesFigure } from "./io_bound.ts";
 * import assert from "node:assert/strict";
 * const result = { responses: 8, firstRunMs: 200, samplesMs: [160] };
 * const figure = ioModesFigure([
 *   { ...result, mode: "sequential", medianMs: 160, speedup: 1 },
 *   { ...result, mode: "Promise.all", medianMs: 20, speedup: 8 },
 * ], { requests: 8, latencyMs: 20 });
 * assert.deepEqual(figure.data[0].y, [1, 8]);
 * assert.deepEqual(figure.layout.title, {
 *   text: "Speedup over sequential, 8 requests of 20 ms",
 * });
 * ```
 */
export function ioModesFigure(
  results: readonly IoModeResult[],
  setting: { requests: number; latencyMs: number },
): Figure {
  return barChart([{
    name: "speedup",
    x: results.map((result) => result.mode),
    y: results.map((result) => result.speedup),
  }], {
    title:
      `Speedup over sequential, ${setting.requests} requests of ${setting.latencyMs} ms`,
    xTitle: "how the requests were made",
    yTitle: "speedup (x)",
    referenceLine: { y: 1, label: "no speedup" },
    caption:
      "Compare the workers and processes bars with Promise.all: with one round of requests, all three are bounded by one latency plus overhead, so extra threads or processes cannot multiply the gain.",
  });
}

/** One concurrency level's result in {@linkcode throughputSweep}. */
export interface ThroughputPoint {
  /** Most requests in flight. */
  concurrency: number;
  /** Requests made at this level. */
  requests: number;
  /** Wall-clock time for all requests, in milliseconds. */
  elapsedMs: number;
  /** Measured responses per second. */
  throughput: number;
  /** Little's law: `concurrency / latency`, in responses per second. */
  littlesLaw: number;
}

/**
 * Measures throughput against concurrency: for each level, `requests`
 * requests with at most that many in flight. Little's law says a system with
 * `L` requests in flight, each taking `W` seconds, serves `L / W` per second.
 *
 * @param url The server to ask.
 * @param latencyMs The server's delay per response, in milliseconds, for Little's law.
 * @param concurrencies The levels to measure, positive integers.
 * @param options `requests`, the fewest requests per level (default 40; each
 *   level makes at least four rounds, `4 x concurrency`), and a progress callback.
 * @returns One point per level, in order.
 * @throws {RangeError} When a level or `requests` is not a positive integer, or `latencyMs` not positive.
 *
 * @example
 * ```ts
 * import { throughputSweep } from "./io_bound.ts";
 * import { startLatencyServer } from "../workloads/latency_server.ts";
 * import assert from "node:assert/strict";
 * await using server = startLatencyServer({ latencyMs: 20 });
 * const [one, four] = await throughputSweep(server.url, 20, [1, 4], { requests: 8 });
 * assert.equal(four.littlesLaw, 200);
 * assert.ok(four.throughput > one.throughput);
 * ```
 */
export async function throughputSweep(
  url: string,
  latencyMs: number,
  concurrencies: number[],
  options: { requests?: number; onPoint?: (point: ThroughputPoint) => void } =
    {},
): Promise<ThroughputPoint[]> {
  const { requests = 40, onPoint } = options;
  const where = "Cannot run the throughput sweep";
  assertInteger(where, "requests", requests);
  if (!Number.isFinite(latencyMs) || latencyMs <= 0) {
    throw new RangeError(
      `${where}: 'latencyMs' must be a positive number of milliseconds, received ${latencyMs}`,
    );
  }
  concurrencies.forEach((value, index) =>
    assertInteger(where, `concurrencies[${index}]`, value)
  );
  await get(url); // Opens the connection before timing.
  const points: ThroughputPoint[] = [];
  for (const concurrency of concurrencies) {
    const count = Math.max(requests, 4 * concurrency);
    const started = performance.now();
    await mapLimited(
      Array.from({ length: count }, () => () => get(url)),
      concurrency,
    );
    const elapsedMs = performance.now() - started;
    const point = {
      concurrency,
      requests: count,
      elapsedMs,
      throughput: count / (elapsedMs / 1000),
      littlesLaw: concurrency / (latencyMs / 1000),
    };
    points.push(point);
    onPoint?.(point);
  }
  return points;
}

/**
 * The chart of {@linkcode throughputSweep}: measured throughput against
 * requests in flight, beside Little's law.
 *
 * @param points What {@linkcode throughputSweep} returned.
 * @param latencyMs The server's delay per response, for the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { throughputFigure } from "./io_bound.ts";
 * import assert from "node:assert/strict";
 * const figure = throughputFigure([
 *   { concurrency: 1, requests: 8, elapsedMs: 170, throughput: 47, littlesLaw: 50 },
 *   { concurrency: 4, requests: 16, elapsedMs: 85, throughput: 188, littlesLaw: 200 },
 * ], 20);
 * assert.deepEqual(figure.data.map((trace) => trace.name), [
 *   "measured",
 *   "Little's law: concurrency / latency",
 * ]);
 * ```
 */
export function throughputFigure(
  points: readonly ThroughputPoint[],
  latencyMs: number,
): Figure {
  const concurrencies = points.map((point) => point.concurrency);
  return lineChart([
    {
      name: "measured",
      x: concurrencies,
      y: points.map((point) => point.throughput),
    },
    {
      name: "Little's law: concurrency / latency",
      x: concurrencies,
      y: points.map((point) => point.littlesLaw),
    },
  ], {
    title: `Throughput against concurrency, ${latencyMs} ms per response`,
    xTitle: "requests in flight (count)",
    yTitle: "throughput (requests/s)",
    caption:
      "Where the measured line leaves Little's law, something other than waiting (the client, the server, the machine) has become the limit.",
  });
}

/** The URL of `workers/file_io_worker.ts`, the task module the worker mode runs. */
export const FILE_IO_WORKER_MODULE: URL = new URL(
  "../../workers/file_io_worker.ts",
  import.meta.url,
);

/** The ways {@linkcode fileIoExperiment} writes and reads its files. */
export type FileIoMode = "sequential" | "Promise.all" | "workers";

/** Every {@linkcode FileIoMode}, in the order {@linkcode fileIoExperiment} runs them. */
export const FILE_IO_MODES: readonly FileIoMode[] = [
  "sequential",
  "Promise.all",
  "workers",
];

/** Options of {@linkcode fileIoExperiment}. */
export interface FileIoOptions {
  /**
   * Files written and then read in each run.
   * @default {200}
   */
  files?: number;
  /**
   * Size of each file, in bytes.
   * @default {65536}
   */
  fileBytes?: number;
  /**
   * Workers in the `workers` mode; each handles its share of the files one
   * after another.
   * @default {2}
   */
  workers?: number;
  /**
   * Measured runs per mode, after one warm-up run (which also starts the
   * workers).
   * @default {5}
   */
  repeats?: number;
  /**
   * Called with `(0, total)` before the first run and `(done, total)` after
   * each run, warm-up runs included: `total` is `3 x (1 + repeats)`.
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** One mode's result in {@linkcode fileIoExperiment}. */
export interface FileIoResult {
  /** How the files were written and read. */
  mode: FileIoMode;
  /** Files written and read per run. */
  files: number;
  /** Bytes written per run. */
  bytesWritten: number;
  /** Bytes read back per run: equal to `bytesWritten`, or the experiment throws. */
  bytesRead: number;
  /** The median time to write every file, in milliseconds. */
  writeMs: number;
  /** The median time to read every file back, in milliseconds. */
  readMs: number;
}

/** The write and the read of one run of one mode. */
interface FileIoRunner {
  write(paths: string[]): Promise<number>;
  read(paths: string[]): Promise<number>;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** `items` dealt into at most `parts` non-empty shares of near-equal size. */
function deal<T>(items: readonly T[], parts: number): T[][] {
  const shares: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => shares[i % parts].push(item));
  return shares.filter((share) => share.length > 0);
}

/**
 * Writes `files` files of `fileBytes` bytes into a fresh folder, then reads
 * them back, in each mode: one file after another; all files at once with
 * `Promise.all`; and dealt across a pool of workers, each taking its share
 * one file after another. Each mode has one warm-up run, then `repeats`
 * measured runs; the write and the read are timed apart. Everything is
 * written under one temporary directory, removed at the end even on failure.
 *
 * @param options Files, file size, workers, repeats and progress.
 * @returns One result per mode, in the order of {@linkcode FILE_IO_MODES}.
 * @throws {RangeError} When a count or the size is not a positive integer.
 * @throws {Error} When a mode reads back a different number of bytes than
 *   it wrote.
 *
 * @example
 * ```ts
 * import { fileIoExperiment } from "./io_bound.ts";
 * import assert from "node:assert/strict";
 * const results = await fileIoExperiment({
 *   files: 4,
 *   fileBytes: 1024,
 *   workers: 1,
 *   repeats: 1,
 * });
 * assert.deepEqual(results.map((r) => r.bytesRead), [4096, 4096, 4096]);
 * ```
 */
export async function fileIoExperiment(
  options: FileIoOptions = {},
): Promise<FileIoResult[]> {
  const {
    files = 200,
    fileBytes = 65_536,
    workers = 2,
    repeats = 5,
    onProgress,
  } = options;
  const where = "Cannot run the file I/O experiment";
  assertInteger(where, "files", files);
  assertInteger(where, "fileBytes", fileBytes);
  assertInteger(where, "workers", workers);
  assertInteger(where, "repeats", repeats);
  const data = new Uint8Array(fileBytes).fill(42);
  await using pool = new WorkerPool(FILE_IO_WORKER_MODULE, {
    size: workers,
    idleTimeoutMs: Infinity,
  });
  const runners: Record<FileIoMode, FileIoRunner> = {
    "sequential": {
      write: (paths) => writeFilesInTurn(paths, data),
      read: (paths) => readFilesInTurn(paths),
    },
    "Promise.all": {
      write: async (paths) =>
        sum(
          await Promise.all(paths.map(async (path) => {
            await Deno.writeFile(path, data);
            return data.length;
          })),
        ),
      read: async (paths) =>
        sum(
          await Promise.all(
            paths.map(async (path) => (await Deno.readFile(path)).length),
          ),
        ),
    },
    "workers": {
      write: async (paths) =>
        sum(
          await Promise.all(
            deal(paths, workers).map((share) =>
              pool.run<number>("writeFiles", { paths: share, fileBytes })
            ),
          ),
        ),
      read: async (paths) =>
        sum(
          await Promise.all(
            deal(paths, workers).map((share) =>
              pool.run<number>("readFiles", share)
            ),
          ),
        ),
    },
  };
  const step = progressSteps(FILE_IO_MODES.length * (1 + repeats), onProgress);
  const root = await Deno.makeTempDir({ prefix: "course_file_io_" });
  try {
    const results: FileIoResult[] = [];
    for (const mode of FILE_IO_MODES) {
      const writeTimes: number[] = [];
      const readTimes: number[] = [];
      let bytesWritten = 0;
      let bytesRead = 0;
      for (let run = 0; run <= repeats; run++) {
        const dir = `${root}/${mode}_${run}`;
        await Deno.mkdir(dir);
        const paths = Array.from(
          { length: files },
          (_, i) => `${dir}/file_${i}.bin`,
        );
        let started = performance.now();
        bytesWritten = await runners[mode].write(paths);
        const writeMs = performance.now() - started;
        started = performance.now();
        bytesRead = await runners[mode].read(paths);
        const readMs = performance.now() - started;
        if (bytesRead !== bytesWritten) {
          throw new Error(
            `${where}: the ${mode} mode read ${bytesRead} bytes back but wrote ${bytesWritten}`,
          );
        }
        if (run > 0) {
          writeTimes.push(writeMs);
          readTimes.push(readMs);
        }
        await Deno.remove(dir, { recursive: true });
        step();
      }
      results.push({
        mode,
        files,
        bytesWritten,
        bytesRead,
        writeMs: median(writeTimes),
        readMs: median(readTimes),
      });
    }
    return results;
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}
