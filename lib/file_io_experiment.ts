/**
 * The file I/O experiment of notebook 05: `files` files written and read
 * back one after another, all at once with `Promise.all`, and split across
 * workers, in a temporary directory removed afterwards, with the bytes read
 * checked against the bytes written.
 *
 * @module
 */

import { progressSteps } from "./_progress.ts";
import { assertPositiveInteger } from "./_validate.ts";
import { median } from "./time_it.ts";
import { borrowWorkerPool } from "./warm_pool.ts";

/** The URL of `workers/file_io_worker.ts`, the task module the worker mode runs. */
export const FILE_IO_WORKER_MODULE: URL = new URL(
  "../workers/file_io_worker.ts",
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

/**
 * Writes `data` to each path in turn, awaiting each write before the next.
 *
 * @param paths The files to write (created or truncated).
 * @param data The bytes every file gets.
 * @returns The bytes written in all.
 *
 * @example
 * ```ts
 * import { readFilesInTurn, writeFilesInTurn } from "./file_io_experiment.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const paths = [`${dir}/a`, `${dir}/b`];
 * assert.equal(await writeFilesInTurn(paths, new Uint8Array(10)), 20);
 * assert.equal(await readFilesInTurn(paths), 20);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFilesInTurn(
  paths: readonly string[],
  data: Uint8Array,
): Promise<number> {
  for (const path of paths) await Deno.writeFile(path, data);
  return paths.length * data.length;
}

/**
 * Reads each path in turn, awaiting each read before the next.
 *
 * @param paths The files to read.
 * @returns The bytes read in all.
 *
 * @example
 * ```ts
 * import { readFilesInTurn } from "./file_io_experiment.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "hello");
 * assert.equal(await readFilesInTurn([`${dir}/a`]), 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readFilesInTurn(
  paths: readonly string[],
): Promise<number> {
  let bytes = 0;
  for (const path of paths) bytes += (await Deno.readFile(path)).length;
  return bytes;
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
 * import { fileIoExperiment } from "./file_io_experiment.ts";
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
  assertPositiveInteger(where, "files", files);
  assertPositiveInteger(where, "fileBytes", fileBytes);
  assertPositiveInteger(where, "workers", workers);
  assertPositiveInteger(where, "repeats", repeats);
  const data = new Uint8Array(fileBytes).fill(42);
  await using borrowed = borrowWorkerPool(FILE_IO_WORKER_MODULE, workers);
  const pool = borrowed.pool;
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
