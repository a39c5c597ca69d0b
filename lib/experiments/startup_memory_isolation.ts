/**
 * The experiments of notebook 08 (start-up, memory, isolation): what it costs
 * to start an async task, a Worker and a child process (time to first reply
 * and memory per unit, measured on this machine), and what one failure takes
 * down (an async task, a Worker, a child process, each made to fail while the
 * caller carries on), with a Worker sandboxed by Deno permissions.
 *
 * @module
 */

import { progressSteps } from "../display/_progress.ts";
import { readLines, splitLines } from "../util/lines.ts";
import { runCommand } from "../util/run_command.ts";
import { assertInteger } from "../util/validate.ts";
import { processRssKiB } from "../measure/memory.ts";
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
   * after each: the async tasks, each single worker start, the workers
   * alive together, each single child start, the children alive together
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
  /** Memory per unit, in KiB, or `undefined` when it cannot be read here. */
  memoryKiB: number | undefined;
  /** Where the memory figure comes from. */
  memorySource: string;
}

const ECHO_TS = new URL("../../workers/startup_echo.ts", import.meta.url);
const ECHO_JS = new URL("../../workers/startup_echo.js", import.meta.url);
const CHILD = new URL("../../workers/startup_child.ts", import.meta.url);
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
 * import { startEchoWorker } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const worker = await startEchoWorker(
 *   new URL("../../workers/startup_echo.ts", import.meta.url),
 * );
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
    args: ["run", "--no-prompt", CHILD.href],
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

async function measureAsyncTasks(
  count: number,
): Promise<{ perTaskMs: number; memoryKiB: number }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  const tasks: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    tasks.push((async () => {
      await gate;
      return i;
    })());
  }
  const after = Deno.memoryUsage().rss;
  release();
  await Promise.all(tasks);
  const perTaskMs = (performance.now() - started) / count;
  return { perTaskMs, memoryKiB: (after - before) / 1024 / count };
}

/** The options of {@linkcode measureStartup} with their defaults, checked. */
function startupOptions(options: StartupOptions):
  & Required<
    Omit<StartupOptions, "onProgress">
  >
  & Pick<StartupOptions, "onProgress"> {
  const { repeats = 3, count = 2, asyncTasks = 100_000, onProgress } = options;
  assertInteger("Cannot measure start-up", "repeats", repeats);
  assertInteger("Cannot measure start-up", "count", count);
  assertInteger("Cannot measure start-up", "asyncTasks", asyncTasks);
  return { repeats, count, asyncTasks, onProgress };
}

/**
 * Measures, for each kind, the median time from creation to first reply
 * and the memory per unit: for async tasks and workers the growth of this
 * process's RSS (`Deno.memoryUsage().rss`) divided by how many were alive,
 * for child processes each child's own `VmRSS`.
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
  const { repeats, count, asyncTasks, onProgress } = startupOptions(options);
  const step = progressSteps(2 * repeats + 3, onProgress);

  const asyncCost = await measureAsyncTasks(asyncTasks);
  step();

  const workerTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const worker = await startEchoWorker(ECHO_TS);
    workerTimes.push(performance.now() - started);
    worker.terminate();
    step();
  }
  const rssBefore = Deno.memoryUsage().rss;
  const workers = await Promise.all(
    Array.from({ length: count }, () => startEchoWorker(ECHO_TS)),
  );
  const rssAfter = Deno.memoryUsage().rss;
  for (const worker of workers) worker.terminate();
  step();

  const childTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const child = await startEchoChild();
    childTimes.push(performance.now() - started);
    await stopEchoChild(child);
    step();
  }
  const children = await Promise.all(
    Array.from({ length: count }, () => startEchoChild()),
  );
  const childRss = children.map((c) => processRssKiB(c.process.pid));
  await Promise.all(children.map(stopEchoChild));
  step();
  const known = childRss.filter((v): v is number => v !== undefined);

  return [
    {
      kind: "async task",
      samplesMs: [asyncCost.perTaskMs],
      firstReplyMs: asyncCost.perTaskMs,
      memoryKiB: asyncCost.memoryKiB,
      memorySource: `this process's RSS growth / ${asyncTasks} tasks`,
    },
    {
      kind: "worker",
      samplesMs: workerTimes,
      firstReplyMs: median(workerTimes),
      memoryKiB: (rssAfter - rssBefore) / 1024 / count,
      memorySource: `this process's RSS growth / ${count} workers`,
    },
    {
      kind: "child process",
      samplesMs: childTimes,
      firstReplyMs: median(childTimes),
      memoryKiB: known.length === count
        ? known.reduce((a, b) => a + b, 0) / count
        : undefined,
      memorySource: `mean VmRSS of ${count} children`,
    },
  ];
}

/**
 * Runs {@linkcode measureStartup} in a fresh `deno run` program and returns
 * its rows: what starting each unit costs a program of your own, wherever
 * this is called from (a notebook kernel included).
 *
 * @param options Repeats, how many units to keep alive together, and
 *   `onProgress`, called with `(0, 1)` and `(1, 1)`.
 * @returns One row per kind: async task, worker, child process.
 * @throws {RangeError} When an option is not a positive integer.
 * @throws {Error} When the program fails.
 *
 * @example
 * ```ts
 * import { measureStartupInProgram } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const rows = await measureStartupInProgram({ repeats: 1, count: 1, asyncTasks: 100 });
 * assert.equal(rows[1].kind, "worker");
 * assert.ok(rows[1].firstReplyMs > 0);
 * ```
 */
export async function measureStartupInProgram(
  options: StartupOptions = {},
): Promise<StartupRow[]> {
  const { repeats, count, asyncTasks, onProgress } = startupOptions(options);
  const step = progressSteps(1, onProgress);
  const rows = await measureInDenoChild<StartupRow[]>("Start-up in a program", [
    "run",
    "--allow-all",
    CALL_EXPORT.href,
    import.meta.url,
    "measureStartup",
    JSON.stringify({ repeats, count, asyncTasks }),
  ]);
  step();
  return rows;
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
    ["file URL (.ts)", ECHO_TS],
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
    Array.from({ length: parallel }, () => startEchoWorker(ECHO_TS)),
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
  return await measureInDenoChild("Start-up probe", [
    "run",
    "--no-prompt",
    "--allow-read",
    CALL_EXPORT.href,
    import.meta.url,
    "workerStartupByKind",
    JSON.stringify({ repeats, parallel }),
  ]);
}

/**
 * Runs `deno` with `args` in a fresh child and returns the measurement it
 * prints as a JSON line.
 */
async function measureInDenoChild<T>(what: string, args: string[]): Promise<T> {
  const { stdout } = await runCommand(Deno.execPath(), args, {
    what,
    env: { NO_COLOR: "1" },
  });
  const line = splitLines(stdout).find((text) =>
    text.startsWith("{") || text.startsWith("[")
  );
  if (line === undefined) {
    throw new Error(
      `${what} printed no measurement, received ${JSON.stringify(stdout)}`,
    );
  }
  return JSON.parse(line);
}

/** One row of the failure isolation table. */
export interface IsolationRow {
  /** What ran the work. */
  unit: string;
  /** What went wrong. */
  fault: string;
  /** What the caller received, as `Name: message`. */
  callerSaw: string;
  /** What was run next, and its result, showing what survived. */
  afterwards: string;
  /** Time from starting the task to the caller seeing the failure, in ms. */
  elapsedMs: number;
}

/** Options of {@linkcode workerCrash} and {@linkcode hungWorker}. */
export interface IsolationOptions {
  /**
   * Called with `(0, total)` at the start and `(done, total)` after each
   * step: a warm-up task (for {@linkcode hungWorker}), the failure seen by
   * the caller, the next task answered.
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
  step: () => void = () => {},
): Promise<IsolationRow> {
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
 * An async task throws an uncaught error: its promise rejects, and the next
 * task on the same event loop runs as usual.
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
    "throws an uncaught error",
    async () => {
      await null;
      throw new Error("Task failed on the event loop");
    },
    async () => `next async task returned ${await Promise.resolve(42)}`,
  );
}

/**
 * A Worker's code throws outside any task (from a timer), which kills that
 * worker; the pool rejects the task, starts a fresh worker, and the next
 * task succeeds.
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
  const step = progressSteps(2, options.onProgress);
  await using pool = new WorkerPool(TASKS_MODULE, { size: 1 });
  return await failureRow(
    "worker",
    "uncaught error kills the worker",
    () => pool.run("crashLater"),
    async () =>
      `pool's new worker echoed ${
        JSON.stringify(await pool.run("echo", "still here"))
      }`,
    step,
  );
}

/**
 * A Worker hangs forever; `taskTimeoutMs` rejects the task with a
 * `TimeoutError`, terminates the worker and replaces it. The pool's clock
 * starts when a task is sent, which for a worker still starting includes its
 * start-up: keep `timeoutMs` above the start-up time, or the warm-up task
 * and the check afterwards time out too.
 *
 * @param timeoutMs The pool's `taskTimeoutMs`, a positive integer.
 * @param options Progress over 3 steps: the warm-up task, the time-out, the
 *   next task.
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
  const step = progressSteps(3, options.onProgress);
  await using pool = new WorkerPool(TASKS_MODULE, {
    size: 1,
    taskTimeoutMs: timeoutMs,
  });
  // Start the worker first, so the timeout measures the hang, not start-up.
  await pool.run("noop");
  step();
  return await failureRow(
    "worker",
    `hangs; taskTimeoutMs = ${timeoutMs}`,
    () => pool.run("hang"),
    async () =>
      `pool's new worker echoed ${
        JSON.stringify(await pool.run("echo", "still here"))
      }`,
    step,
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

/** What a worker saw when it tried to read a file. */
export interface ReadAttempt {
  /** Whether the read succeeded. */
  ok: boolean;
  /** Characters read, when it succeeded. */
  chars?: number;
  /** The error's name, such as `NotCapable`, when it failed. */
  name?: string;
  /** The error's message, when it failed. */
  message?: string;
}

/** The outcome of {@linkcode sandboxedRead}. */
export interface SandboxOutcome {
  /** A worker created with `deno: { permissions: { read: false } }`. */
  sandboxed: ReadAttempt;
  /** A worker created with the program's own permissions (`"inherit"`). */
  inherited: ReadAttempt;
}

const READER = new URL("../../workers/sandbox_reader.ts", import.meta.url);

function readIn(permissions: Deno.PermissionOptions, file: string) {
  const worker = new Worker(READER, {
    type: "module",
    deno: { permissions },
  } as WorkerOptions);
  return new Promise<ReadAttempt>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ReadAttempt>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Reader worker failed: ${event.message}`));
    };
    worker.postMessage(file);
  });
}

/**
 * Has two workers read `file`: one with `read: false`, one inheriting this
 * program's permissions. Needs `--unstable-worker-options`: without it Deno
 * exits the whole program with code 70, so call it from a process started
 * with that flag (as {@linkcode sandboxDemo} does).
 *
 * @param file The path to read.
 * @returns What each worker saw.
 *
 * @example
 * ```ts ignore
 * import { sandboxedRead } from "./startup_memory_isolation.ts";
 * const outcome = await sandboxedRead("deno.json");
 * console.log(outcome.sandboxed.name); // "NotCapable"
 * ```
 */
export async function sandboxedRead(file: string): Promise<SandboxOutcome> {
  return {
    sandboxed: await readIn({ read: false }, file),
    inherited: await readIn("inherit", file),
  };
}

/** The outcome of {@linkcode sandboxDemo}. */
export interface SandboxDemo extends SandboxOutcome {
  /** The file read, relative to the project. */
  file: string;
  /**
   * The exit code of the same program run without
   * `--unstable-worker-options`.
   */
  exitCodeWithoutFlag: number;
}

async function runProbe(flags: string[], path: string, allowFailure = false) {
  return await runCommand(Deno.execPath(), [
    "run",
    "--no-prompt",
    ...flags,
    CALL_EXPORT.href,
    import.meta.url,
    "sandboxedRead",
    JSON.stringify(path),
  ], { what: "Sandbox probe", allowFailure });
}

/**
 * Runs {@linkcode sandboxedRead} in a child `deno run
 * --unstable-worker-options --allow-read` (the notebook kernel lacks the
 * flag, and trying there would end the kernel), then the same program
 * without the flag, to record its exit code.
 *
 * @param file A file to read, relative to the project root.
 * @returns What each worker saw, with the path shortened to `file`, and the
 *   exit code without the flag.
 * @throws {Error} When the child with the flag fails.
 *
 * @example
 * ```ts
 * import { sandboxDemo } from "./startup_memory_isolation.ts";
 * import assert from "node:assert/strict";
 * const demo = await sandboxDemo("deno.json");
 * assert.equal(demo.sandboxed.name, "NotCapable");
 * assert.equal(demo.inherited.ok, true);
 * assert.equal(demo.exitCodeWithoutFlag, 70);
 * ```
 */
export async function sandboxDemo(file = "deno.json"): Promise<SandboxDemo> {
  const path = decodeURIComponent(
    new URL(`../../${file}`, import.meta.url).pathname,
  );
  const output = await runProbe(
    ["--unstable-worker-options", "--allow-read"],
    path,
  );
  const text = output.stdout.replaceAll(path, file);
  const outcome: SandboxOutcome = JSON.parse(text);
  const withoutFlag = await runProbe(["--allow-read"], path, true);
  return { file, ...outcome, exitCodeWithoutFlag: withoutFlag.code };
}
