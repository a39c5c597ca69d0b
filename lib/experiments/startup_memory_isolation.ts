/**
 * The experiments of notebook 08 (start-up, memory, isolation): what it costs
 * to start an async task, a Worker and a child process (time to first reply
 * and memory per unit, measured on this machine, in the notebook kernel and
 * in a plain `deno run` program), and what one failure takes down (an async
 * task, a Worker, a child process, each made to fail while the caller
 * carries on). The workers and children it starts are files in `workers/`
 * whose URLs it exports, so a notebook can show their source and start them
 * itself.
 *
 * @module
 */

import { progressSteps } from "../display/_progress.ts";
import { barChart, type Figure, logAxes } from "../display/plot.ts";
import { readLines, splitLines } from "../util/lines.ts";
import { runCommand } from "../util/run_command.ts";
import { assertInteger } from "../util/validate.ts";
import { processPssKiB } from "../measure/memory.ts";
import { median } from "../measure/time_it.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { TASKS_MODULE } from "../workloads/tasks_module.ts";
import { WorkerPool } from "../pools/worker_pool.ts";

/** The three ways the course runs work concurrently. */
export type StartupKind = "async task" | "worker" | "child process";

/** Options of {@linkcode measureStartup}. */
export interface StartupOptions {
  /**
   * Times each worker and child process is started one at a time; the
   * median is reported.
   * @default {3}
   */
  repeats?: number;
  /**
   * How many workers, and how many child processes, are kept alive together
   * to measure memory per unit.
   * @default {2}
   */
  count?: number;
  /**
   * How many async tasks are kept pending together to measure time and
   * memory per task (one task is too small to see).
   * @default {100000}
   */
  asyncTasks?: number;
  /**
   * Called with `(0, total)` before the first step and `(done, total)`
   * after each: the async tasks' memory, each single worker start, the
   * workers' memory, each single child start, the children's memory
   * (`total` is `2 x repeats + 3`).
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** One row of {@linkcode measureStartup}: the cost of one unit of a kind. */
export interface StartupRow {
  /** Which kind of unit. */
  kind: StartupKind;
  /**
   * Each start's time to first reply, in milliseconds, in the order run; for
   * async tasks one value, the mean over all tasks started together.
   */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  firstReplyMs: number;
  /**
   * Memory per unit, in KiB: the growth of the total PSS of a fresh
   * `deno run` program and its children while the units were alive in it,
   * divided by how many there were ({@linkcode memoryPerUnitHere});
   * `undefined` when `/proc` cannot be read here.
   */
  memoryKiB: number | undefined;
  /** Where the memory figure comes from. */
  memorySource: string;
}

/** The smallest worker, `workers/startup_echo.ts`: it echoes every message. */
export const ECHO_WORKER_MODULE: URL = new URL(
  "../../workers/startup_echo.ts",
  import.meta.url,
);

/**
 * The smallest child program, `workers/startup_child.ts`: it prints `ready`,
 * then echoes stdin until stdin closes.
 */
export const ECHO_CHILD_MODULE: URL = new URL(
  "../../workers/startup_child.ts",
  import.meta.url,
);

/**
 * A task module that takes 500 ms to start, `workers/slow_start_tasks.ts`,
 * with one task, `echo`.
 */
export const SLOW_START_MODULE: URL = new URL(
  "../../workers/slow_start_tasks.ts",
  import.meta.url,
);

/**
 * A worker that tries to read the file named in each message and replies
 * with what happened, `workers/sandbox_reader.ts`.
 */
export const SANDBOX_READER_MODULE: URL = new URL(
  "../../workers/sandbox_reader.ts",
  import.meta.url,
);

const ECHO_JS = new URL("../../workers/startup_echo.js", import.meta.url);
const CALL_EXPORT = new URL("../../workers/call_export.ts", import.meta.url);

const ECHO_SOURCE = "self.onmessage = (e) => self.postMessage(e.data);";

/**
 * Starts one worker from `url` and resolves with it once it has answered a
 * first message.
 *
 * @param url The worker's module: a file, `data:` or `blob:` URL.
 * @returns The worker, already answering.
 *
 * @example
 * ```ts
 * import {
 *   ECHO_WORKER_MODULE,
 *   startEchoWorker,
 * } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const worker = await startEchoWorker(ECHO_WORKER_MODULE);
 * assert.ok(worker instanceof Worker);
 * worker.terminate();
 * ```
 */
export function startEchoWorker(url: string | URL): Promise<Worker> {
  const worker = new Worker(url, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = () => resolve(worker);
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Worker failed to start: ${event.message}`));
    };
    worker.postMessage("ping");
  });
}

/** A started child process of `workers/startup_child.ts`. */
interface EchoChild {
  process: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
}

async function startEchoChild(): Promise<EchoChild> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ECHO_CHILD_MODULE.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // The child says "ready" and then prints nothing more: its stdout is
  // cancelled after that first line.
  for await (const _ready of readLines(process.stdout)) {
    return { process, stdin: process.stdin.getWriter() };
  }
  throw new Error("Child process exited before replying");
}

async function stopEchoChild(child: EchoChild): Promise<void> {
  await child.stdin.close();
  await child.process.status;
}

/** Starts `count` async tasks that wait on one gate; `release` opens it. */
function pendingTasks(count: number): { release: () => Promise<void> } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const tasks: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    tasks.push((async () => {
      await gate;
      return i;
    })());
  }
  return {
    release: async () => {
      open();
      await Promise.all(tasks);
    },
  };
}

/** The summed PSS of `pids`, or `undefined` when one cannot be read. */
function totalPssKiB(pids: number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const pss = processPssKiB(pid);
    if (pss === undefined) return undefined;
    total += pss;
  }
  return total;
}

function memorySource(count: number, unit: string, units: string): string {
  return `PSS growth of a fresh program and its children / ${count} ${
    count === 1 ? unit : units
  }`;
}

/**
 * The memory `count` units of `kind` hold while alive, measured in this
 * process: the growth of the total PSS of this process and its children,
 * divided by `count`. {@linkcode measureStartup} calls it in a fresh
 * `deno run` program for each kind, because a process that has already
 * started and ended workers reuses the memory they freed, and a new worker
 * then seems to cost less than it does.
 *
 * @param kind Which units to start.
 * @param count How many to keep alive together, a positive integer.
 * @returns KiB per unit, or `null` where `/proc` cannot be read.
 * @throws {RangeError} When `count` is not a positive integer.
 *
 * @example
 * ```ts
 * import { memoryPerUnitHere } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const kib = await memoryPerUnitHere("worker", 1);
 * assert.ok(kib === null || Number.isFinite(kib));
 * ```
 */
export async function memoryPerUnitHere(
  kind: StartupKind,
  count: number,
): Promise<number | null> {
  assertInteger("Cannot measure memory", "count", count);
  const before = processPssKiB(Deno.pid);
  let after: number | undefined;
  if (kind === "async task") {
    const tasks = pendingTasks(count);
    after = processPssKiB(Deno.pid);
    await tasks.release();
  } else if (kind === "worker") {
    const workers = await Promise.all(
      Array.from({ length: count }, () => startEchoWorker(ECHO_WORKER_MODULE)),
    );
    after = processPssKiB(Deno.pid);
    for (const worker of workers) worker.terminate();
  } else {
    const children = await Promise.all(
      Array.from({ length: count }, () => startEchoChild()),
    );
    after = totalPssKiB([
      Deno.pid,
      ...children.map((child) => child.process.pid),
    ]);
    await Promise.all(children.map(stopEchoChild));
  }
  return before === undefined || after === undefined
    ? null
    : (after - before) / count;
}

/**
 * Calls `name` of this module in a fresh `deno run` program (through
 * `workers/call_export.ts`) and returns what it printed as its last line.
 */
async function callInFreshProgram<T>(
  what: string,
  flags: string[],
  name: string,
  ...args: unknown[]
): Promise<T> {
  const { stdout } = await runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    ...flags,
    CALL_EXPORT.href,
    import.meta.url,
    name,
    ...args.map((arg) => JSON.stringify(arg)),
  ], { what, env: { NO_COLOR: "1" } });
  const line = splitLines(stdout).at(-1);
  if (line === undefined) {
    throw new Error(`${what} printed no measurement`);
  }
  return JSON.parse(line);
}

/**
 * Measures, for each kind, the median time from creation to first reply,
 * in this process, and the memory per unit, every kind the same way: in a
 * fresh `deno run` program, the growth of the total PSS
 * (`/proc/<pid>/smaps_rollup`, Linux only) of that program and its children
 * while `count` units (`asyncTasks` tasks) were alive, divided by how many
 * there were ({@linkcode memoryPerUnitHere}). PSS, unlike RSS, counts a page
 * shared by several processes (the `deno` binary's code) once in all, so a
 * child is not charged for pages its parent already holds; a fresh program
 * has no memory freed by earlier workers to reuse.
 *
 * @param options Repeats, how many units to keep alive together, progress.
 * @returns One row per kind: async task, worker, child process.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { measureStartup } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const rows = await measureStartup({ repeats: 1, count: 1, asyncTasks: 100 });
 * assert.deepEqual(rows.map((r) => r.kind), [
 *   "async task",
 *   "worker",
 *   "child process",
 * ]);
 * ```
 */
export async function measureStartup(
  options: StartupOptions = {},
): Promise<StartupRow[]> {
  const { repeats = 3, count = 2, asyncTasks = 100_000, onProgress } = options;
  assertInteger("Cannot measure start-up", "repeats", repeats);
  assertInteger("Cannot measure start-up", "count", count);
  assertInteger("Cannot measure start-up", "asyncTasks", asyncTasks);
  const step = progressSteps(2 * repeats + 3, onProgress);

  const memoryOf = async (kind: StartupKind, units: number) => {
    const kib = await callInFreshProgram<number | null>(
      "Memory probe",
      // Deno lets a program read /proc files only with every permission.
      ["--allow-all"],
      "memoryPerUnitHere",
      kind,
      units,
    );
    step();
    return kib ?? undefined;
  };

  const tasksStarted = performance.now();
  await pendingTasks(asyncTasks).release();
  const perTaskMs = (performance.now() - tasksStarted) / asyncTasks;
  const asyncKiB = await memoryOf("async task", asyncTasks);

  const workerTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const worker = await startEchoWorker(ECHO_WORKER_MODULE);
    workerTimes.push(performance.now() - started);
    worker.terminate();
    step();
  }
  const workerKiB = await memoryOf("worker", count);

  const childTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const child = await startEchoChild();
    childTimes.push(performance.now() - started);
    await stopEchoChild(child);
    step();
  }
  const childKiB = await memoryOf("child process", count);

  return [
    {
      kind: "async task",
      samplesMs: [perTaskMs],
      firstReplyMs: perTaskMs,
      memoryKiB: asyncKiB,
      memorySource: memorySource(asyncTasks, "task", "tasks"),
    },
    {
      kind: "worker",
      samplesMs: workerTimes,
      firstReplyMs: median(workerTimes),
      memoryKiB: workerKiB,
      memorySource: memorySource(count, "worker", "workers"),
    },
    {
      kind: "child process",
      samplesMs: childTimes,
      firstReplyMs: median(childTimes),
      memoryKiB: childKiB,
      memorySource: memorySource(count, "child", "children"),
    },
  ];
}

/**
 * The chart of {@linkcode measureStartup}: each kind's time from creation to
 * first reply, one bar per kind, on a log scale.
 *
 * @param rows What {@linkcode measureStartup} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { startupFigure } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const row = {
 *   kind: "worker" as const, samplesMs: [8], firstReplyMs: 8,
 *   memoryKiB: 900, memorySource: "1 worker",
 * };
 * const figure = startupFigure([row]);
 * assert.deepEqual(figure.data[0].x, ["worker"]);
 * assert.equal((figure.layout.yaxis as { type: string }).type, "log");
 * ```
 */
export function startupFigure(rows: readonly StartupRow[]): Figure {
  return logAxes(
    barChart([{
      name: "time to first reply",
      x: rows.map((row) => row.kind),
      y: rows.map((row) => row.firstReplyMs),
    }], {
      title: "Time from creation to first reply",
      xTitle: "unit of concurrency",
      yTitle: "time to first reply (ms, log scale)",
      caption:
        "Each gridline is ten times the one below: compare the bars by how many gridlines apart they are. Pay start-up once and reuse the unit: a pool.",
    }),
    ["y"],
  );
}

/** Options of {@linkcode workerStartupInChild}, and in part of {@linkcode workerStartupByKind}. */
export interface WorkerStartupOptions {
  /**
   * Times each kind of worker module is started; the median is reported.
   * @default {3}
   */
  repeats?: number;
  /**
   * How many workers are then started at once.
   * @default {4}
   */
  parallel?: number;
}

/** Options of {@linkcode workerStartupByKind}. */
export interface WorkerStartupByKindOptions extends WorkerStartupOptions {
  /**
   * Called with `(0, total)` before the first start and `(done, total)`
   * after each single start and after the parallel start (`total` is
   * `4 x repeats + 1`).
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** Worker start-up times by module kind, from {@linkcode workerStartupByKind}. */
export interface WorkerStartup {
  /** Median time to first reply of one worker, by where its code came from. */
  bySource: { source: string; medianMs: number }[];
  /** How many workers were started at once. */
  parallel: number;
  /** Time until all of them had replied, in milliseconds. */
  parallelMs: number;
}

/**
 * Times one worker's start (to first reply) for a TypeScript file, a
 * JavaScript file, a `data:` URL and a `blob:` URL, then `parallel` workers
 * started at once.
 *
 * @param options Repeats, how many workers to start at once, progress.
 * @returns The medians by source and the parallel time.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { workerStartupByKind } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const result = await workerStartupByKind({ repeats: 1, parallel: 2 });
 * assert.equal(result.bySource.length, 4);
 * assert.ok(result.parallelMs > 0);
 * ```
 */
export async function workerStartupByKind(
  options: WorkerStartupByKindOptions = {},
): Promise<WorkerStartup> {
  const { repeats = 3, parallel = 4, onProgress } = options;
  assertInteger("Cannot measure worker start-up", "repeats", repeats);
  assertInteger("Cannot measure worker start-up", "parallel", parallel);
  const blobUrl = URL.createObjectURL(
    new Blob([ECHO_SOURCE], { type: "application/javascript" }),
  );
  const sources: [string, string | URL][] = [
    ["file URL (.ts)", ECHO_WORKER_MODULE],
    ["file URL (.js)", ECHO_JS],
    ["data: URL", `data:application/javascript,${ECHO_SOURCE}`],
    ["blob: URL", blobUrl],
  ];
  const step = progressSteps(sources.length * repeats + 1, onProgress);
  const bySource: { source: string; medianMs: number }[] = [];
  try {
    for (const [source, url] of sources) {
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        const worker = await startEchoWorker(url);
        times.push(performance.now() - started);
        worker.terminate();
        step();
      }
      bySource.push({ source, medianMs: median(times) });
    }
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
  const started = performance.now();
  const workers = await Promise.all(
    Array.from({ length: parallel }, () => startEchoWorker(ECHO_WORKER_MODULE)),
  );
  const parallelMs = performance.now() - started;
  for (const worker of workers) worker.terminate();
  step();
  return { bySource, parallel, parallelMs };
}

/**
 * Runs {@linkcode workerStartupByKind} in a fresh `deno run` process, to
 * compare a plain program with the notebook kernel.
 *
 * @param options Repeats and how many workers to start at once.
 * @returns What the child measured.
 * @throws {Error} When the child fails.
 *
 * @example
 * ```ts
 * import { workerStartupInChild } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const result = await workerStartupInChild({ repeats: 1, parallel: 2 });
 * assert.equal(result.parallel, 2);
 * ```
 */
export async function workerStartupInChild(
  options: WorkerStartupOptions = {},
): Promise<WorkerStartup> {
  const { repeats = 3, parallel = 4 } = options;
  assertInteger("Cannot measure worker start-up", "repeats", repeats);
  assertInteger("Cannot measure worker start-up", "parallel", parallel);
  return await callInFreshProgram<WorkerStartup>(
    "Start-up probe",
    ["--allow-read"],
    "workerStartupByKind",
    { repeats, parallel },
  );
}

/** One row of the failure isolation table. */
export interface IsolationRow {
  /** What ran the work. */
  unit: string;
  /** What went wrong. */
  fault: string;
  /** What the caller's `await` received, as `Name: message`. */
  callerSaw: string;
  /** What was run next, and its result, showing what survived. */
  afterwards: string;
  /** Time from starting the task to the caller seeing the failure, in ms. */
  elapsedMs: number;
}

/** Options of {@linkcode workerCrash} and {@linkcode hungWorker}. */
export interface IsolationOptions {
  /**
   * Called with `(0, 2)` at the start, then after the failure reached the
   * caller and after the next task answered.
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

function describe(error: unknown): string {
  if (error instanceof Error || error instanceof DOMException) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

async function failureRow(
  unit: string,
  fault: string,
  fail: () => Promise<unknown>,
  next: () => Promise<string>,
  onProgress?: (done: number, total: number) => void,
): Promise<IsolationRow> {
  const step = progressSteps(2, onProgress);
  const started = performance.now();
  let callerSaw = "(no error)";
  try {
    await fail();
  } catch (error) {
    callerSaw = describe(error);
  }
  const elapsedMs = performance.now() - started;
  step();
  const afterwards = await next();
  step();
  return { unit, fault, callerSaw, afterwards, elapsedMs };
}

/**
 * An async task throws: only its own promise rejects, the caller's `await`
 * catches it, and the next task on the same event loop runs as usual.
 *
 * @returns The row for the isolation table.
 *
 * @example
 * ```ts
 * import { asyncTaskFailure } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const row = await asyncTaskFailure();
 * assert.match(row.callerSaw, /^Error: /);
 * ```
 */
export function asyncTaskFailure(): Promise<IsolationRow> {
  return failureRow(
    "async task",
    "throws inside the task",
    async () => {
      await null;
      throw new Error("Task failed on the event loop");
    },
    async () => `next async task returned ${await Promise.resolve(42)}`,
  );
}

/**
 * A Worker's code throws outside any task (from a timer): the error is
 * uncaught inside the worker and kills it. The pool rejects the task that
 * was running, starts a fresh worker, and the next task succeeds.
 *
 * @param options Progress over 2 steps: the failure, the next task.
 * @returns The row for the isolation table.
 *
 * @example
 * ```ts
 * import { workerCrash } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const row = await workerCrash();
 * assert.match(row.afterwards, /"still here"/);
 * ```
 */
export async function workerCrash(
  options: IsolationOptions = {},
): Promise<IsolationRow> {
  await using pool = new WorkerPool(TASKS_MODULE, { size: 1 });
  return await failureRow(
    "worker",
    "an error thrown from a timer, uncaught in the worker, kills it",
    () => pool.run("crashLater"),
    async () =>
      `pool's new worker echoed ${
        JSON.stringify(await pool.run("echo", "still here"))
      }`,
    options.onProgress,
  );
}

/**
 * A Worker hangs forever; the pool's `taskTimeoutMs` rejects the task with a
 * `TimeoutError`, terminates the worker and replaces it. The pool starts a
 * task's clock when a worker is ready and free to run it, so a fresh
 * worker's start-up is not counted: the elapsed time is the worker's
 * start-up plus `timeoutMs`, however short `timeoutMs` is.
 *
 * @param timeoutMs The pool's `taskTimeoutMs`, a positive integer.
 * @param options Progress over 2 steps: the time-out, the next task.
 * @returns The row for the isolation table.
 * @throws {RangeError} When `timeoutMs` is not a positive integer.
 *
 * @example
 * ```ts
 * import { hungWorker } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const row = await hungWorker(200);
 * assert.match(row.callerSaw, /^TimeoutError/);
 * assert.ok(row.elapsedMs >= 200);
 * ```
 */
export async function hungWorker(
  timeoutMs: number,
  options: IsolationOptions = {},
): Promise<IsolationRow> {
  assertInteger("Cannot run hung worker", "timeoutMs", timeoutMs);
  await using pool = new WorkerPool(TASKS_MODULE, {
    size: 1,
    taskTimeoutMs: timeoutMs,
  });
  return await failureRow(
    "worker",
    `hangs; taskTimeoutMs = ${timeoutMs}`,
    () => pool.run("hang"),
    async () =>
      `pool's new worker echoed ${
        JSON.stringify(await pool.run("echo", "still here"))
      }`,
    options.onProgress,
  );
}

/**
 * A child process exits in the middle of a task (`Deno.exit(3)`); the pool
 * rejects the task naming the exit code, starts a fresh child, and the next
 * task succeeds.
 *
 * @returns The row for the isolation table.
 *
 * @example
 * ```ts
 * import { childCrash } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const row = await childCrash();
 * assert.match(row.callerSaw, /code 3/);
 * ```
 */
export async function childCrash(): Promise<IsolationRow> {
  await using pool = new ProcessPool(TASKS_MODULE, { size: 1 });
  return await failureRow(
    "child process",
    "exits mid-task (code 3)",
    () => pool.run("crash"),
    async () =>
      `pool's new child echoed ${
        JSON.stringify(await pool.run("echo", "still here"))
      }`,
  );
}
