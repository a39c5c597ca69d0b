/**
 * `TaskPool`: what {@linkcode WorkerPool} and {@linkcode ProcessPool} share,
 * from `run()` to `close()`; each adds only how it starts a runner.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";
import { mapChunks } from "./_map_chunks.ts";
import { moduleUrl } from "./_module_url.ts";
import { type CoreSettings, PoolCore, type PoolStats } from "./_pool.ts";

export type { PoolStats } from "./_pool.ts";

/** Options both pools take. */
export interface TaskPoolOptions {
  /**
   * How many workers (or child processes) run tasks at once, a positive
   * integer. They start on demand, so an unused pool costs nothing.
   *
   * @default {navigator.hardwareConcurrency}
   */
  size?: number;
  /**
   * How many tasks each worker (or child) runs at once, a positive integer,
   * like piscina's `concurrentTasksPerWorker`: above 1, an async task that
   * waits (for I/O, a timer) lets the next one start. CPU-bound tasks gain
   * nothing from it.
   *
   * @default {1}
   */
  concurrentTasks?: number;
  /**
   * How many tasks may wait in the pool's queue for a free worker (besides
   * the one group each busy worker holds, sent ahead, ready to start next);
   * beyond that `run()` rejects with a `RangeError`. A non-negative integer
   * or `Infinity`.
   *
   * @default {Infinity}
   */
  maxQueue?: number;
  /**
   * Longest a task may run, in milliseconds, counted from when its worker
   * is free to start it. A task that runs longer is rejected
   * with a `TimeoutError` and its worker is replaced.
   *
   * @default {undefined} (no limit)
   */
  taskTimeoutMs?: number;
  /**
   * How long the pool may sit idle before its workers are stopped, in
   * milliseconds (`Infinity` keeps them). Workers and children keep the
   * process alive, so this is what lets a program that forgot `close()`
   * exit; the next task starts fresh ones.
   *
   * @default {1000}
   */
  idleTimeoutMs?: number;
}

/** Options of {@linkcode TaskPool.prototype.run}. */
export interface TaskRunOptions {
  /**
   * Aborts the task: a queued task leaves the queue, a running one has its
   * worker stopped (and replaced). Rejects with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode TaskPool.prototype.map}. */
export interface TaskMapOptions {
  /**
   * Aborts every chunk of the map, as for `run()`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How many inputs travel in one message, a positive integer.
   *
   * @default {Math.ceil(inputs / (size * 4))}
   */
  chunkSize?: number;
}

/** How a pool starts one runner; see {@linkcode TaskPool}'s constructor. */
export type SpawnRunner = CoreSettings["spawn"];

/**
 * A fixed-size pool of runners (workers or child processes) that all load
 * one task module, which calls {@linkcode expose}. Tasks wait in a FIFO
 * queue; many tiny ones travel together, one message per group of about a
 * millisecond of work. Use {@linkcode WorkerPool} or
 * {@linkcode ProcessPool}.
 *
 * @typeParam RunOptions The options of `run()`.
 *
 * @example
 * ```ts
 * import { ProcessPool, TaskPool, WorkerPool } from "../mod.ts";
 * import assert from "node:assert/strict";
 * const tasks = new URL("../../workers/tasks.ts", import.meta.url);
 * for (const Pool of [WorkerPool, ProcessPool]) {
 *   await using pool: TaskPool = new Pool(tasks, { size: 1 });
 *   assert.equal(await pool.run("echo", new Map([[1, 2]])).then(String), "[object Map]");
 * }
 * ```
 */
export abstract class TaskPool<
  RunOptions extends TaskRunOptions = TaskRunOptions,
> {
  #core: PoolCore;
  #size: number;

  /**
   * Validates the options both pools take and sets up the pool; runners
   * start when the first tasks arrive.
   *
   * @param module The task module: a URL, a URL string, or a file path
   *   (absolute, or relative to the current directory).
   * @param options See {@linkcode TaskPoolOptions}.
   * @param kind What a runner is called in messages.
   * @param spawn Starts one runner.
   * @throws {TypeError} When `module` is not a module or an option has the
   *   wrong type.
   * @throws {RangeError} When an option is out of range.
   */
  protected constructor(
    module: string | URL,
    options: TaskPoolOptions,
    kind: "worker" | "child process",
    spawn: (url: URL) => SpawnRunner,
  ) {
    const url = moduleUrl("Cannot create pool", module);
    const size = options.size ?? navigator.hardwareConcurrency;
    const concurrency = options.concurrentTasks ?? 1;
    const maxQueue = options.maxQueue ?? Infinity;
    const idleTimeoutMs = options.idleTimeoutMs ?? 1000;
    const taskTimeoutMs = options.taskTimeoutMs;
    checkPositiveInteger("size", size);
    checkPositiveInteger("concurrentTasks", concurrency);
    checkNumber("maxQueue", maxQueue);
    if (
      !(Number.isSafeInteger(maxQueue) || maxQueue === Infinity) ||
      maxQueue < 0
    ) {
      throw new RangeError(
        `Cannot create pool: 'maxQueue' must be a non-negative integer or Infinity, received ${maxQueue}`,
      );
    }
    if (taskTimeoutMs !== undefined) {
      checkNumber("taskTimeoutMs", taskTimeoutMs);
      if (!Number.isFinite(taskTimeoutMs) || taskTimeoutMs <= 0) {
        throw new RangeError(
          `Cannot create pool: 'taskTimeoutMs' must be a positive finite number, received ${taskTimeoutMs}`,
        );
      }
    }
    checkNumber("idleTimeoutMs", idleTimeoutMs);
    if (Number.isNaN(idleTimeoutMs) || idleTimeoutMs < 0) {
      throw new RangeError(
        `Cannot create pool: 'idleTimeoutMs' must be a non-negative number, received ${idleTimeoutMs}`,
      );
    }
    this.#size = size;
    this.#core = new PoolCore({
      size,
      concurrency,
      maxQueue,
      taskTimeoutMs,
      idleTimeoutMs,
      kind,
      module: url.href,
      spawn: spawn(url),
    });
  }

  /**
   * Runs one task on a free worker (or child), or queues it.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param input The task's input, structured-cloned to the runner: what
   *   `postMessage` carries arrives the same (a `ProcessPool` rejects what
   *   cannot leave the process, such as a `SharedArrayBuffer`).
   * @param options See {@linkcode TaskRunOptions}.
   * @returns The task's result, structured-cloned back.
   * @throws {Error} The task's own error, rebuilt with its name, message and
   *   stack; an `Error` when its runner died or the pool is closed.
   * @throws {RangeError} When the task is unknown or the queue is full.
   * @throws {TypeError} When the input or the result cannot be cloned.
   * @throws {DOMException} A `TimeoutError` after `taskTimeoutMs`.
   * @throws {unknown} `signal.reason` when aborted.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new WorkerPool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { size: 1 },
   * );
   * await assert.rejects(pool.run("throw", "boom"), { message: "boom" });
   * ```
   */
  run<T = unknown>(
    task: string,
    input?: unknown,
    options?: RunOptions,
  ): Promise<T> {
    return this.#core.submit(task, input, options, false) as Promise<T>;
  }

  /**
   * Runs `task` over every input, sending the inputs in chunks so that many
   * tiny tasks are cheap. Rejects with the first failure.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param inputs The inputs.
   * @param options See {@linkcode TaskMapOptions}.
   * @returns The results, in input order.
   * @throws {TypeError} When `inputs` is not iterable or `chunkSize` is not
   *   a number.
   * @throws {RangeError} When `chunkSize` is not a positive integer.
   * @throws {Error} As for {@linkcode TaskPool.prototype.run}.
   *
   * @example
   * ```ts
   * import { ProcessPool } from "./process_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new ProcessPool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { size: 2 },
   * );
   * const ranges = [{ start: 0, end: 10 }, { start: 10, end: 20 }];
   * assert.deepEqual(await pool.map("countPrimes", ranges), [4, 4]);
   * ```
   */
  async map<T = unknown>(
    task: string,
    inputs: Iterable<unknown>,
    options?: TaskMapOptions,
  ): Promise<T[]> {
    return await mapChunks<T>(this.#core, this.#size, task, inputs, options);
  }

  /**
   * Closes the pool: queued tasks and running tasks reject with an `Error`
   * saying the pool was closed, every worker (or child) is stopped and
   * awaited, and every timer cleared. Later calls to `run()` reject.
   * Calling it twice is harmless.
   *
   * @returns A promise that resolves once every runner has stopped.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   * const pool = new WorkerPool(new URL("../../workers/tasks.ts", import.meta.url));
   * await pool.close();
   * await assert.rejects(pool.run("noop"), /closed/);
   * ```
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /**
   * Closes the pool, for `await using`.
   *
   * @returns A promise that resolves once every runner has stopped.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Counters for the pool's life so far. A `map()` counts one per chunk.
   *
   * @returns The counters; `busyMs` has one entry per worker slot.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new WorkerPool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { size: 1 },
   * );
   * await pool.run("noop");
   * assert.equal(pool.stats().completed, 1);
   * ```
   */
  stats(): PoolStats {
    return this.#core.stats();
  }
}

/** Throws a TypeError unless `value` is a number. */
function checkNumber(name: string, value: unknown): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create pool: '${name}' must be a number, received ${typeof value}`,
    );
  }
}

function checkPositiveInteger(name: string, value: unknown): void {
  checkNumber(name, value);
  assertInteger("Cannot create pool", name, value);
}
