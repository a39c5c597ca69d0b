/**
 * What one failure takes down: an async task, a Worker, a child process,
 * each made to fail while the caller carries on; and a Worker sandboxed by
 * Deno permissions.
 *
 * @module
 */

import { progressSteps } from "./_progress.ts";
import { ProcessPool } from "./process_pool.ts";
import { TASKS_MODULE } from "./tasks_module.ts";
import { WorkerPool } from "./worker_pool.ts";

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
 * import { asyncTaskFailure } from "./isolation.ts";
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
 * import { workerCrash } from "./isolation.ts";
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
 * import { hungWorker } from "./isolation.ts";
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
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(
      `Cannot run hung worker: 'timeoutMs' must be a positive integer, received ${timeoutMs}`,
    );
  }
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
 * import { childCrash } from "./isolation.ts";
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

const READER = new URL("../workers/sandbox_reader.ts", import.meta.url);
const SANDBOX_PROBE = new URL("../workers/sandbox_probe.ts", import.meta.url);

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
 * import { sandboxedRead } from "./isolation.ts";
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

async function runProbe(flags: string[], path: string) {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, SANDBOX_PROBE.href, path],
    stdout: "piped",
    stderr: "piped",
  }).output();
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
 * import { sandboxDemo } from "./isolation.ts";
 * import assert from "node:assert/strict";
 * const demo = await sandboxDemo("deno.json");
 * assert.equal(demo.sandboxed.name, "NotCapable");
 * assert.equal(demo.inherited.ok, true);
 * assert.equal(demo.exitCodeWithoutFlag, 70);
 * ```
 */
export async function sandboxDemo(file = "deno.json"): Promise<SandboxDemo> {
  const path = decodeURIComponent(
    new URL(`../${file}`, import.meta.url).pathname,
  );
  const output = await runProbe(
    ["--unstable-worker-options", "--allow-read"],
    path,
  );
  if (!output.success) {
    throw new Error(
      `Sandbox probe failed with code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  const text = new TextDecoder().decode(output.stdout).replaceAll(path, file);
  const outcome: SandboxOutcome = JSON.parse(text);
  const withoutFlag = await runProbe(["--allow-read"], path);
  return { file, ...outcome, exitCodeWithoutFlag: withoutFlag.code };
}
