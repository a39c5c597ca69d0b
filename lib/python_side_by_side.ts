/**
 * The CPU-bound experiment in Python: runs `scripts/python_primes.py` (the same
 * trial division as `countPrimes` in ./workloads.ts) sequentially, on
 * threads and in processes, through `Deno.Command`, and returns its results.
 *
 * @module
 */
import { assertPositiveInteger } from "./_validate.ts";

/** The ways the Python script runs the chunks. */
export type PythonMode = "sequential" | "threads" | "processes";

/** One mode's result from the Python script. */
export interface PythonResult {
  /** How the chunks were run. */
  mode: PythonMode;
  /** Total primes found: equal in every mode. */
  primes: number;
  /** Every measured run, in milliseconds. */
  samplesMs: number[];
  /** The median run, in milliseconds. */
  medianMs: number;
  /** The sequential median divided by this mode's median. */
  speedup: number;
}

/** What {@linkcode pythonPrimes} returns: results, or why there are none. */
export type PythonRun =
  | { available: true; version: string; results: PythonResult[] }
  | { available: false; reason: string };

/** Options of {@linkcode pythonPrimes}. */
export interface PythonPrimesOptions {
  /**
   * The Python executable, looked up on PATH.
   * @default {"python3"}
   */
  python?: string;
  /**
   * How many chunks the range is split into.
   * @default {2 * navigator.hardwareConcurrency}
   */
  chunks?: number;
  /**
   * Threads, and processes, in each pool.
   * @default {navigator.hardwareConcurrency}
   */
  parallelism?: number;
  /**
   * Measured runs per mode, after one warm-up run; the modes take turns.
   * @default {3}
   */
  repeats?: number;
}

/** The Python script, next to this module's repository. */
export const PYTHON_PRIMES_SCRIPT = new URL(
  "../scripts/python_primes.py",
  import.meta.url,
);

/**
 * Counts the primes below `limit` in Python, sequentially, with `threading`
 * and with `multiprocessing.Pool`, by running `scripts/python_primes.py`.
 *
 * @param limit Count primes in `[0, limit)`, a positive integer.
 * @param options The executable, chunks, parallelism and repeats.
 * @returns `{ available: false, reason }` when the executable cannot be
 *   found; otherwise the Python version and one result per mode.
 * @throws {RangeError} When `limit`, `chunks`, `parallelism` or `repeats` is not a positive integer.
 * @throws {Error} When the script fails or its modes disagree on the number of primes.
 *
 * @example
 * ```ts
 * import { pythonPrimes } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const run = await pythonPrimes(100, { python: "python3-does-not-exist" });
 * assert.equal(run.available, false);
 * ```
 */
export async function pythonPrimes(
  limit: number,
  options: PythonPrimesOptions = {},
): Promise<PythonRun> {
  const cores = navigator.hardwareConcurrency;
  const {
    python = "python3",
    chunks = 2 * cores,
    parallelism = cores,
    repeats = 3,
  } = options;
  const where = "Cannot run the Python experiment";
  assertPositiveInteger(where, "limit", limit);
  assertPositiveInteger(where, "chunks", chunks);
  assertPositiveInteger(where, "parallelism", parallelism);
  assertPositiveInteger(where, "repeats", repeats);
  let version: string;
  try {
    const probe = await new Deno.Command(python, {
      args: ["-c", "import sys; print(sys.version.split()[0])"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!probe.success) {
      return {
        available: false,
        reason: `'${python}' did not run: ${
          new TextDecoder().decode(probe.stderr).trim()
        }`,
      };
    }
    version = new TextDecoder().decode(probe.stdout).trim();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { available: false, reason: `'${python}' was not found on PATH` };
    }
    throw error;
  }
  const output = await new Deno.Command(python, {
    args: [
      decodeURIComponent(PYTHON_PRIMES_SCRIPT.pathname),
      ...[limit, chunks, parallelism, repeats].map(String),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `Python experiment failed with exit code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  const rows = new TextDecoder().decode(output.stdout).trim().split("\n")
    .map((line) => JSON.parse(line) as Omit<PythonResult, "speedup">);
  const first = rows[0];
  const results = rows.map((row): PythonResult => {
    if (row.primes !== first.primes) {
      throw new Error(
        `Python experiment disagrees: ${row.mode} found ${row.primes} primes, ${first.mode} found ${first.primes}`,
      );
    }
    return { ...row, speedup: first.medianMs / row.medianMs };
  });
  return { available: true, version, results };
}
