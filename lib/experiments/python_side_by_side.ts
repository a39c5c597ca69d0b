/**
 * The experiments of notebook 10 (Python side by side): the CPU-bound
 * experiment in Python, by running `scripts/python_primes.py` (the same trial
 * division as `countPrimes` in ../workloads/workloads.ts) sequentially, on
 * threads and in processes, through `Deno.Command`; the text of both sides'
 * trial division, for the notebook to show; and `ProcessPool.map` beside
 * `multiprocessing.Pool.map` for the bench; the charts of both
 * ({@linkcode pythonPrimesFigure}, {@linkcode processMapFigure}).
 *
 * @module
 */
import { barChart, type Figure } from "../display/plot.ts";
import { readLines, splitLines } from "../util/lines.ts";
import { commandFailure, runCommand } from "../util/run_command.ts";
import { assertInteger } from "../util/validate.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { TASKS_MODULE } from "../workloads/tasks_module.ts";
import { median } from "../measure/time_it.ts";
import type { CpuBoundMode, CpuBoundResult } from "./cpu_bound.ts";

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
  "../../scripts/python_primes.py",
  import.meta.url,
);

const WORKLOADS_MODULE = new URL("../workloads/workloads.ts", import.meta.url);

/**
 * The TypeScript the Python script mirrors: `countPrimes` and the `isPrime`
 * it calls, as they stand in `lib/workloads/workloads.ts` (without the
 * JSDoc), so a notebook can show them beside the Python.
 *
 * @returns The source text of the two functions.
 * @throws {Error} When the file no longer holds them.
 *
 * @example
 * ```ts
 * import { trialDivisionSource } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const source = await trialDivisionSource();
 * assert.match(source, /^export function countPrimes/);
 * assert.match(source, /function isPrime/);
 * ```
 */
export async function trialDivisionSource(): Promise<string> {
  const text = await Deno.readTextFile(WORKLOADS_MODULE);
  const start = text.indexOf("export function countPrimes(");
  const isPrime = text.indexOf("\nfunction isPrime(");
  const end = text.indexOf("\n}\n", isPrime);
  if (start < 0 || isPrime < start || end < 0) {
    throw new Error(
      `Cannot show the trial division: countPrimes and isPrime were not found in ${WORKLOADS_MODULE.pathname}`,
    );
  }
  return text.slice(start, end + 3);
}

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
  assertInteger(where, "limit", limit);
  assertInteger(where, "chunks", chunks);
  assertInteger(where, "parallelism", parallelism);
  assertInteger(where, "repeats", repeats);
  const probe = await probePython(python);
  if (!probe.available) return probe;
  const rows = await runPythonScript(python, PYTHON_PRIMES_SCRIPT, [
    limit,
    chunks,
    parallelism,
    repeats,
  ]) as Omit<PythonResult, "speedup">[];
  const first = rows[0];
  const results = rows.map((row): PythonResult => {
    if (row.primes !== first.primes) {
      throw new Error(
        `Python experiment disagrees: ${row.mode} found ${row.primes} primes, ${first.mode} found ${first.primes}`,
      );
    }
    return { ...row, speedup: first.medianMs / row.medianMs };
  });
  return { available: true, version: probe.version, results };
}

/**
 * Where each mode of either language stands in {@linkcode pythonPrimesFigure}:
 * Python threads beside Deno's async tasks (both interleave, never compute at
 * once), processes beside processes, Deno's workers on their own.
 */
const SIDE_BY_SIDE_GROUP: Record<CpuBoundMode | PythonMode, string> = {
  "sequential": "sequential",
  "threads": "Python threads / Deno async tasks",
  "async tasks": "Python threads / Deno async tasks",
  "workers": "Deno workers (threads, no GIL)",
  "processes": "processes",
};

/**
 * The side-by-side chart of {@linkcode pythonPrimes} and Deno's
 * `cpuBoundExperiment` on the same primes: each mode's speedup over its own
 * language's sequential run, Deno's bars beside Python's (Python's left out,
 * and the caption says so, when Python could not run).
 *
 * @param python What {@linkcode pythonPrimes} returned.
 * @param deno What `cpuBoundExperiment` returned for the same limit and chunks.
 * @param limit The prime limit, for the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { pythonPrimesFigure } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const result = { primes: 25, samplesMs: [4], medianMs: 4 };
 * const deno = [
 *   { ...result, mode: "sequential" as const, speedup: 1 },
 *   { ...result, mode: "workers" as const, speedup: 1.9 },
 * ];
 * const python = {
 *   available: true as const,
 *   version: "3.11.2",
 *   results: [{ ...result, mode: "threads" as const, speedup: 0.9 }],
 * };
 * const figure = pythonPrimesFigure(python, deno, 100);
 * assert.deepEqual(figure.data.map((trace) => trace.name), [
 *   "Deno",
 *   "Python 3.11.2",
 *   "no speedup",
 * ]);
 * assert.deepEqual(figure.data[1].x, ["Python threads / Deno async tasks"]);
 * ```
 */
export function pythonPrimesFigure(
  python: PythonRun,
  deno: readonly CpuBoundResult[],
  limit: number,
): Figure {
  const series = [{
    name: "Deno",
    x: deno.map((result) => SIDE_BY_SIDE_GROUP[result.mode]),
    y: deno.map((result) => result.speedup),
  }];
  if (python.available) {
    series.push({
      name: `Python ${python.version}`,
      x: python.results.map((result) => SIDE_BY_SIDE_GROUP[result.mode]),
      y: python.results.map((result) => result.speedup),
    });
  }
  return barChart(series, {
    title: `Counting primes below ${
      limit.toLocaleString("en")
    }: speedup over each language's sequential run`,
    xTitle: "how the chunks ran",
    yTitle: "speedup over own sequential (x)",
    referenceLine: { y: 1, label: "no speedup" },
    caption: python.available
      ? `Notice the Python threads bar near or below the dashed line: the GIL at work. Expect Deno workers and both languages' processes above it, at most ${navigator.hardwareConcurrency} (the cores), once the work outweighs start-up and messages.`
      : "Python was not available, so only Deno's bars are shown: expect async tasks on the dashed line, and workers and processes above it once the work outweighs start-up and messages.",
  });
}

/** {@linkcode probePython}'s answer: the version, or why Python cannot run. */
export type PythonProbe =
  | { available: true; version: string }
  | { available: false; reason: string };

/**
 * Asks `python` for its version, to tell whether the Python experiments can
 * run here.
 *
 * @param python The executable, looked up on PATH.
 * @returns The version, or the reason it cannot run.
 *
 * @example
 * ```ts
 * import { probePython } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const probe = await probePython("python3-does-not-exist");
 * assert.deepEqual(probe, {
 *   available: false,
 *   reason: "'python3-does-not-exist' was not found on PATH",
 * });
 * ```
 */
export async function probePython(python: string): Promise<PythonProbe> {
  try {
    const probe = await runCommand(python, [
      "-c",
      "import sys; print(sys.version.split()[0])",
    ], { allowFailure: true });
    if (!probe.success) {
      return {
        available: false,
        reason: commandFailure(`'${python}'`, probe.code, probe.stderr).message,
      };
    }
    return { available: true, version: probe.stdout.trim() };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { available: false, reason: `'${python}' was not found on PATH` };
    }
    throw error;
  }
}

/** Runs one of the project's Python scripts; returns its JSON lines. */
async function runPythonScript(
  python: string,
  script: URL,
  args: number[],
): Promise<unknown[]> {
  const { stdout } = await runCommand(python, [
    decodeURIComponent(script.pathname),
    ...args.map(String),
  ], { what: `Python script ${script.pathname.split("/").pop()}` });
  return splitLines(stdout.trim()).map((line) => JSON.parse(line));
}

/** The Python script timing `multiprocessing.Pool.map`. */
export const PYTHON_POOL_MAP_SCRIPT = new URL(
  "../../scripts/python_pool_map.py",
  import.meta.url,
);

/** Options of {@linkcode processMapSideBySide}. */
export interface ProcessMapOptions {
  /** Tiny tasks per map, a positive integer. */
  tasks: number;
  /** Inputs per message (Python's `chunksize`), a positive integer. */
  chunkSize: number;
  /** Processes in each pool, a positive integer. */
  processes: number;
  /** Timed maps per side, after the warm-up maps, a positive integer. */
  repeats: number;
  /**
   * Untimed maps per side before timing, a positive integer: Deno's JIT
   * compiles the pool's encoding and decoding loops only after they have
   * run a while, in the parent and in each child, and every Python process
   * is started and has run once.
   * @default {50}
   */
  warmUps?: number;
  /**
   * The Python executable, looked up on PATH.
   * @default {"python3"}
   */
  python?: string;
}

/** One side of {@linkcode processMapSideBySide}. */
export interface ProcessMapRow {
  /** Whose map ran the tasks. */
  contender: "ProcessPool.map" | "multiprocessing.Pool.map";
  /** Every timed map, in milliseconds. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /** `tasks` per second at the median. */
  tasksPerSecond: number;
}

/** What {@linkcode processMapSideBySide} returns. */
export interface ProcessMapRun {
  /** Deno's row first, then Python's when Python could run. */
  rows: ProcessMapRow[];
  /** Python's version, or why its row is missing. */
  python: PythonProbe;
}

/**
 * Many tiny `echo` tasks through a warm pool of child processes, the same
 * number of tasks, chunk size and processes on each side: Deno's
 * {@linkcode ProcessPool.map} and Python's `multiprocessing.Pool.map` (kept
 * running by `scripts/python_pool_map.py`). Each side runs `warmUps`
 * untimed maps first, then they take turns map by map (starting with the
 * other one each repeat), so that a busy moment of the machine hits both
 * alike. Each side checks that every result came back in order.
 *
 * @param options Tasks, chunk size, processes, warm-ups, repeats and the
 *   executable.
 * @returns Deno's row and, where Python runs, Python's.
 * @throws {RangeError} When a count is not a positive integer.
 * @throws {Error} When a map returns wrong results or the script fails.
 *
 * @example
 * ```ts
 * import { processMapSideBySide } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const run = await processMapSideBySide({
 *   tasks: 100,
 *   chunkSize: 10,
 *   processes: 1,
 *   repeats: 1,
 *   python: "python3-does-not-exist",
 * });
 * assert.equal(run.rows[0].contender, "ProcessPool.map");
 * assert.equal(run.python.available, false);
 * ```
 */
export async function processMapSideBySide(
  options: ProcessMapOptions,
): Promise<ProcessMapRun> {
  const {
    tasks,
    chunkSize,
    processes,
    repeats,
    warmUps = 50,
    python = "python3",
  } = options;
  const where = "Cannot compare process pool maps";
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "chunkSize", chunkSize);
  assertInteger(where, "processes", processes);
  assertInteger(where, "repeats", repeats);
  assertInteger(where, "warmUps", warmUps);
  const inputs = Array.from({ length: tasks }, (_, i) => i);
  const probe = await probePython(python);
  await using pool = new ProcessPool(TASKS_MODULE, {
    size: processes,
    idleTimeoutMs: Infinity,
  });
  const denoMap = async () => {
    const began = performance.now();
    const results = await pool.map<number>("echo", inputs, { chunkSize });
    const ms = performance.now() - began;
    if (results.some((value, index) => value !== index)) {
      throw new Error(`${where}: ProcessPool.map returned wrong results`);
    }
    return ms;
  };
  for (let warmUp = 0; warmUp < warmUps; warmUp++) await denoMap();
  await using pythonPool = probe.available
    ? await startPythonPoolMap(python, [tasks, chunkSize, processes])
    : undefined;
  for (let warmUp = 0; pythonPool && warmUp < warmUps; warmUp++) {
    await pythonPool.map();
  }
  const deno: number[] = [];
  const other: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    if (pythonPool !== undefined && repeat % 2 === 1) {
      other.push(await pythonPool.map());
    }
    deno.push(await denoMap());
    if (pythonPool !== undefined && repeat % 2 === 0) {
      other.push(await pythonPool.map());
    }
  }
  const rows = [processMapRow("ProcessPool.map", deno, tasks)];
  if (pythonPool !== undefined) {
    rows.push(processMapRow("multiprocessing.Pool.map", other, tasks));
  }
  return { rows, python: probe };
}

/** `scripts/python_pool_map.py`, running: one timed map per call. */
interface PythonPoolMap extends AsyncDisposable {
  /** Times one map in Python; resolves with its milliseconds. */
  map(): Promise<number>;
}

/** Starts `scripts/python_pool_map.py` and waits until its pool is warm. */
async function startPythonPoolMap(
  python: string,
  args: number[],
): Promise<PythonPoolMap> {
  const child = new Deno.Command(python, {
    args: [
      decodeURIComponent(PYTHON_POOL_MAP_SCRIPT.pathname),
      ...args.map(
        String,
      ),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const lines = readLines(child.stdout);
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) {
      const { code } = await child.status;
      throw commandFailure(
        "Python script python_pool_map.py",
        code,
        await stderr,
      );
    }
    return JSON.parse(value) as { ready?: boolean; ms?: number };
  };
  const stop = async () => {
    await writer.close().catch(() => {});
    await lines.return();
    await Promise.all([child.status, stderr]);
  };
  try {
    await next();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    async map() {
      await writer.write(new TextEncoder().encode("map\n"));
      return (await next()).ms!;
    },
    [Symbol.asyncDispose]: stop,
  };
}

function processMapRow(
  contender: ProcessMapRow["contender"],
  samplesMs: number[],
  tasks: number,
): ProcessMapRow {
  const medianMs = median(samplesMs);
  return {
    contender,
    samplesMs,
    medianMs,
    tasksPerSecond: tasks / (medianMs / 1000),
  };
}

/**
 * The chart of {@linkcode processMapSideBySide}: each pool's throughput on
 * the same tiny tasks.
 *
 * @param rows The `rows` of what {@linkcode processMapSideBySide} returned.
 * @param setting How many tasks a map ran and on how many processes, for
 *   the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { processMapFigure } from "./python_side_by_side.ts";
 * import assert from "node:assert/strict";
 * const figure = processMapFigure([{
 *   contender: "ProcessPool.map", samplesMs: [50], medianMs: 50, tasksPerSecond: 2_000,
 * }], { tasks: 100, processes: 2 });
 * assert.deepEqual(figure.layout.title, { text: "100 tiny tasks through 2 processes" });
 * ```
 */
export function processMapFigure(
  rows: readonly ProcessMapRow[],
  setting: { tasks: number; processes: number },
): Figure {
  return barChart([{
    name: "tasks per second",
    x: rows.map((row) => row.contender),
    y: rows.map((row) => row.tasksPerSecond),
  }], {
    title: `${
      setting.tasks.toLocaleString("en")
    } tiny tasks through ${setting.processes} processes`,
    xTitle: "pool",
    yTitle: "throughput (tasks/s)",
    caption:
      "The same tasks, chunk size and number of processes on both sides; each pool was warm before timing.",
  });
}
