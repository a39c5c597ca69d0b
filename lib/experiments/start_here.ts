/**
 * The experiments of notebook 00 (start here): the threads of a process, to
 * see that every process starts with a main thread and that a Worker is one
 * more thread beside it; and the seeds' "Key Differences" table (threading
 * against multiprocessing) translated to Deno's three units of concurrency,
 * with every row that can be measured measured on this machine: start-up,
 * memory, CPU and I/O speedups, and what a crash takes down.
 *
 * @module
 */
import { assertInteger } from "../util/validate.ts";
import type { CpuBoundMode, CpuBoundResult } from "./cpu_bound.ts";
import { cpuBoundExperiment } from "./cpu_bound.ts";
import { progressSteps } from "../display/_progress.ts";
import { type IoMode, ioModesExperiment } from "./io_bound.ts";
import {
  asyncTaskFailure,
  childCrash,
  type IsolationRow,
  measureStartup,
  type StartupRow,
  workerCrash,
} from "./startup_memory_isolation.ts";
import { startLatencyServer } from "../workloads/latency_server.ts";
import { machineFacts } from "../measure/machine_facts.ts";
import { formatBytes } from "../display/format_bytes.ts";

/** One thread of a process, from {@linkcode listThreads}. */
export interface ThreadInfo {
  /** The thread's id; the main thread's is the process id. */
  id: number;
  /** The name the thread gave itself (at most 15 characters). */
  name: string;
  /** Whether this is the process's main thread. */
  main: boolean;
}

/**
 * Lists the threads of a process, main thread first, from
 * `/proc/<pid>/task` (Linux only). A process starts with one thread, its
 * main thread, whose id is the process id; Deno adds helpers (V8's
 * background compilers and garbage collector, the I/O runtime), and every
 * Worker adds one thread more.
 *
 * @param pid The process; this one by default.
 * @returns The threads, or `undefined` where `/proc` cannot be read.
 *
 * @example
 * ```ts
 * import { listThreads } from "./start_here.ts";
 * import assert from "node:assert/strict";
 * const threads = listThreads();
 * if (threads !== undefined) {
 *   assert.equal(threads[0].id, Deno.pid);
 *   assert.equal(threads[0].main, true);
 * }
 * ```
 */
export function listThreads(pid: number = Deno.pid): ThreadInfo[] | undefined {
  try {
    const threads = [...Deno.readDirSync(`/proc/${pid}/task`)].map((entry) => {
      const id = Number(entry.name);
      const name = Deno.readTextFileSync(`/proc/${pid}/task/${id}/comm`);
      return { id, name: name.trim(), main: id === pid };
    });
    return threads.sort((a, b) =>
      Number(b.main) - Number(a.main) || a.id - b.id
    );
  } catch {
    return undefined;
  }
}

/** Options of {@linkcode measureComparison}. */
export interface ComparisonOptions {
  /**
   * Count the primes below this number for the CPU speedup row, unless
   * `cpuResults` are given.
   * @default {2_000_000}
   */
  primesUpTo?: number;
  /**
   * Starts of each worker and child process, and measured runs of the CPU
   * and I/O workloads; medians are reported.
   * @default {3}
   */
  repeats?: number;
  /**
   * Waits (requests to a loopback server) made in the I/O speedup row.
   * @default {10}
   */
  ioTasks?: number;
  /**
   * How long the loopback server takes to answer each request, in
   * milliseconds.
   * @default {20}
   */
  ioLatencyMs?: number;
  /**
   * Results of a {@linkcode cpuBoundExperiment} already run with every mode,
   * so the table reuses them instead of counting primes again.
   * @default {undefined} (measure them)
   */
  cpuResults?: readonly CpuBoundResult[];
  /** Called with `(done, total)` measurements as each one finishes. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * One aspect of the comparison, for each unit of concurrency. A type rather
 * than an interface, so rows pass to `table()` from `display.ts` as records.
 */
export type ComparisonRow = {
  /** What is compared. */
  aspect: string;
  /** An async task on the one event loop. */
  asyncTask: string;
  /** A `Worker`: its own V8 isolate on its own OS thread. */
  worker: string;
  /** A child process running its own Deno. */
  childProcess: string;
  /** Whether the cells were measured in this call, or are fixed text. */
  measured: boolean;
};

const WHERE = "Cannot measure the comparison table";
const CPU_MODES: CpuBoundMode[] = [
  "sequential",
  "async tasks",
  "workers",
  "processes",
];

/** The seeds' rows that describe rather than measure, in Deno's terms. */
const STATIC_ROWS: Record<string, ComparisonRow> = {
  unit: {
    aspect: "execution unit",
    asyncTask: "a task (promise chain) on the one event-loop thread",
    worker: "an OS thread with its own V8 isolate and event loop",
    childProcess: "an OS process running its own Deno",
    measured: false,
  },
  memory: {
    aspect: "memory sharing",
    asyncTask: "everything: one heap, one thread",
    worker:
      "nothing by default: messages are copied; a SharedArrayBuffer is shared on request",
    childProcess: "nothing: bytes over pipes (stdin/stdout)",
    measured: false,
  },
  gil: {
    aspect: "GIL analogue",
    asyncTask:
      "one thread runs all tasks: one at a time, like threads under the GIL",
    worker: "no shared lock: isolates run in parallel, up to one per core",
    childProcess:
      "no shared lock: processes run in parallel, up to one per core",
    measured: false,
  },
  bestFor: {
    aspect: "best for",
    asyncTask: "I/O-bound work: many waits, little CPU",
    worker: "CPU-bound work in one program; shared memory when needed",
    childProcess:
      "CPU-bound work that needs isolation, its own permissions or another program",
    measured: false,
  },
};

function checkCpuResults(cpuResults: readonly CpuBoundResult[]): void {
  const modes = Array.isArray(cpuResults)
    ? cpuResults.map((result) => result?.mode)
    : [];
  if (modes[0] !== "sequential" || CPU_MODES.some((m) => !modes.includes(m))) {
    throw new TypeError(
      `${WHERE}: 'cpuResults' must be a cpuBoundExperiment result with the modes ${
        CPU_MODES.join(", ")
      }, sequential first, received modes ${JSON.stringify(modes)}`,
    );
  }
}

function milliseconds(ms: number): string {
  if (ms < 1) return `${Number((ms * 1000).toPrecision(2))} µs`;
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(0)} ms`;
}

function startupRow(rows: StartupRow[], repeats: number): ComparisonRow {
  const [asyncTask, worker, child] = rows;
  return {
    aspect: "start-up: creation to first reply",
    asyncTask: `${milliseconds(asyncTask.firstReplyMs)} per task`,
    worker: `${milliseconds(worker.firstReplyMs)} (median of ${repeats})`,
    childProcess: `${milliseconds(child.firstReplyMs)} (median of ${repeats})`,
    measured: true,
  };
}

function memoryCell(row: StartupRow): string {
  if (row.memoryKiB === undefined) return "n/a: /proc cannot be read here";
  if (row.memoryKiB <= 0) {
    return `n/a: too small to see (${row.memorySource} was not positive)`;
  }
  return `${
    formatBytes(Math.round(row.memoryKiB * 1024))
  } (${row.memorySource})`;
}

function memoryRow(rows: StartupRow[]): ComparisonRow {
  const [asyncTask, worker, child] = rows;
  return {
    aspect: "memory per unit",
    asyncTask: memoryCell(asyncTask),
    worker: memoryCell(worker),
    childProcess: memoryCell(child),
    measured: true,
  };
}

function cpuRow(results: readonly CpuBoundResult[]): ComparisonRow {
  const byMode = (mode: CpuBoundMode) =>
    results.find((result) => result.mode === mode)!;
  const sequential = byMode("sequential");
  const cell = (mode: CpuBoundMode) => {
    const result = byMode(mode);
    return `${result.speedup.toFixed(2)}x (${
      milliseconds(result.medianMs)
    } against ${milliseconds(sequential.medianMs)})`;
  };
  return {
    aspect: `CPU speedup on ${machineFacts().cores} cores: ${
      sequential.primes.toLocaleString("en-US")
    } primes counted`,
    asyncTask: cell("async tasks"),
    worker: `${cell("workers")}, a pool of workers`,
    childProcess: `${cell("processes")}, a pool of children`,
    measured: true,
  };
}

async function ioRow(
  repeats: number,
  ioTasks: number,
  ioLatencyMs: number,
): Promise<ComparisonRow> {
  await using server = startLatencyServer({ latencyMs: ioLatencyMs });
  const modes = await ioModesExperiment(server.url, {
    requests: ioTasks,
    concurrencyLimit: ioTasks,
    workers: 1,
    processes: 1,
    repeats,
  });
  const byMode = (mode: IoMode) =>
    modes.find((result) => result.mode === mode)!;
  const sequentialMs = byMode("sequential").medianMs;
  const cell = (mode: IoMode, how: string) =>
    `${byMode(mode).speedup.toFixed(1)}x (${
      milliseconds(byMode(mode).medianMs)
    } against ${milliseconds(sequentialMs)}), ${how}`;
  return {
    aspect:
      `I/O speedup: ${ioTasks} requests of ${ioLatencyMs} ms at once against one by one`,
    asyncTask: cell("Promise.all", "Promise.all"),
    worker: cell("workers", "one worker, all at once"),
    childProcess: cell("processes", "one child, all at once"),
    measured: true,
  };
}

function crashCell(row: IsolationRow): string {
  const caller = row.callerSaw === "(no error)"
    ? "no error reached the caller"
    : "the caller's await caught a rejection and carried on";
  return `${row.fault}; ${caller}; ${row.afterwards}`;
}

/**
 * Builds the seeds' comparison table for an async task, a `Worker` and a
 * child process: the descriptive rows as text, the others measured here.
 * Measured: time to first reply and memory per unit
 * ({@linkcode measureStartup}); speedup counting primes
 * ({@linkcode cpuBoundExperiment}, or `cpuResults` when given); speedup of
 * `ioTasks` requests made at once to a loopback server against one by one,
 * from this event loop, one worker and one child process
 * ({@linkcode ioModesExperiment}); and a crash in each ({@linkcode asyncTaskFailure},
 * {@linkcode workerCrash}, {@linkcode childCrash}), with what still ran
 * afterwards. Every worker, child and server is closed before it returns.
 *
 * @param options Sizes of the workloads, repeats, results to reuse, progress.
 * @returns The rows in the seeds' order, start-up and speedups inserted.
 * @throws {RangeError} When a count or `ioLatencyMs` is not a positive integer.
 * @throws {TypeError} When `options` is not an object, or `cpuResults` lack a mode.
 *
 * @example
 * ```ts
 * import { measureComparison } from "./start_here.ts";
 * import assert from "node:assert/strict";
 * const rows = await measureComparison({
 *   primesUpTo: 1_000,
 *   repeats: 1,
 *   ioTasks: 2,
 *   ioLatencyMs: 5,
 * });
 * assert.equal(rows[0].aspect, "execution unit");
 * assert.ok(rows.some((row) => row.measured));
 * ```
 */
export async function measureComparison(
  options: ComparisonOptions = {},
): Promise<ComparisonRow[]> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${WHERE}: 'options' must be an object, received ${options}`,
    );
  }
  const {
    primesUpTo = 2_000_000,
    repeats = 3,
    ioTasks = 10,
    ioLatencyMs = 20,
    cpuResults,
    onProgress,
  } = options;
  assertInteger(WHERE, "primesUpTo", primesUpTo);
  assertInteger(WHERE, "repeats", repeats);
  assertInteger(WHERE, "ioTasks", ioTasks);
  assertInteger(WHERE, "ioLatencyMs", ioLatencyMs);
  if (cpuResults !== undefined) checkCpuResults(cpuResults);
  const stepDone = progressSteps(cpuResults ? 5 : 6, onProgress);
  const step = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = await work();
    stepDone();
    return result;
  };

  const startup = await step(() => measureStartup({ repeats, count: 2 }));
  const cpu = cpuResults ??
    await step(() => cpuBoundExperiment(primesUpTo, { repeats }));
  const io = await step(() => ioRow(repeats, ioTasks, ioLatencyMs));
  const crashes = [
    await step(asyncTaskFailure),
    await step(workerCrash),
    await step(childCrash),
  ];
  return [
    { ...STATIC_ROWS.unit },
    { ...STATIC_ROWS.memory },
    { ...STATIC_ROWS.gil },
    startupRow(startup, repeats),
    memoryRow(startup),
    cpuRow(cpu),
    io,
    { ...STATIC_ROWS.bestFor },
    {
      aspect: "what a crash takes down",
      asyncTask: crashCell(crashes[0]),
      worker: crashCell(crashes[1]),
      childProcess: crashCell(crashes[2]),
      measured: true,
    },
  ];
}
