/**
 * `WorkerPool`: a fixed-size pool of Web Workers running one task module.
 *
 * @module
 */

import { type HelloMessage, type ReplyMessage, STOPPED } from "./_messages.ts";
import {
  mapChunks,
  PoolCore,
  type PoolStats,
  resolveCommonOptions,
  toModuleUrl,
} from "./_pool.ts";

export type { PoolStats } from "./_pool.ts";

/** How often a starting worker is asked again whether it is ready, in ms. */
const HELLO_INTERVAL_MS = 250;

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * How many workers run tasks at once, a positive integer. Workers start
   * on demand, so an unused pool costs nothing.
   *
   * @default {navigator.hardwareConcurrency}
   */
  size?: number;
  /**
   * How many tasks may wait for a free worker; beyond that `run()` rejects
   * with a `RangeError`. A non-negative integer or `Infinity`.
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
   * How long the pool may sit idle before its workers are terminated, in
   * milliseconds (`Infinity` keeps them). Deno workers keep the process
   * alive, so this is what lets a program that forgot `close()` exit; the
   * next task starts fresh workers.
   *
   * @default {1000}
   */
  idleTimeoutMs?: number;
  /**
   * Deno permissions of the workers, passed as `deno: { permissions }` to
   * `new Worker()`. Deno requires the `--unstable-worker-options` flag for
   * this and, without it, exits the whole program (code 70) when the first
   * worker starts; a pool cannot detect the flag beforehand.
   *
   * @default {undefined} (the workers inherit the program's permissions)
   */
  permissions?: Deno.PermissionOptions;
}

/** Options of {@linkcode WorkerPool.prototype.run}. */
export interface WorkerRunOptions {
  /**
   * Aborts the task: a queued task leaves the queue, a running one has its
   * worker terminated (and replaced). Rejects with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * Objects moved to the worker instead of copied.
   *
   * @default {undefined}
   */
  transfer?: Transferable[];
}

/** Options of {@linkcode WorkerPool.prototype.map}. */
export interface WorkerMapOptions {
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

/**
 * A fixed-size pool of Web Workers that all load the same task module, which
 * calls {@linkcode expose}. Each worker runs one task at a time; tasks wait in
 * a FIFO queue.
 *
 * Many tiny tasks are cheap: a free worker takes the queued tasks in one
 * message, as many as make about 1 ms of work by the pool's estimate (at
 * most an even share of the queue), runs them one after another, and answers
 * those that finish together in one message. Expensive tasks still go one
 * at a time, and a task with a `signal` always goes alone.
 *
 * Faults stay local: a task that throws rejects its own promise; a task
 * that times out, is aborted while running, or whose worker dies rejects
 * and its worker is replaced. The tasks sent with it that the worker had not
 * started go back to the front of the queue and run on another worker, never
 * twice: the worker counts its starts in shared memory, and the pool stops
 * that count before terminating it. A task the worker had started and not
 * answered (its answer lost with the worker) rejects like the one that
 * killed it. With `taskTimeoutMs`, workers answer each task as soon as it
 * finishes, so a timed-out task never takes finished answers with it. A task
 * module that fails to load rejects every task with the load error.
 *
 * @example
 * ```ts
 * import { WorkerPool } from "./worker_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new WorkerPool(
 *   new URL("../../workers/tasks.ts", import.meta.url),
 *   { size: 2 },
 * );
 * assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
 * assert.deepEqual(await pool.map("echo", [1, 2, 3]), [1, 2, 3]);
 * ```
 */
export class WorkerPool {
  #core: PoolCore;
  #size: number;

  /**
   * Creates a pool; workers start when the first tasks arrive.
   *
   * @param module The task module, as an absolute URL (use
   *   `new URL("./tasks.ts", import.meta.url)`).
   * @param options See {@linkcode WorkerPoolOptions}.
   * @throws {TypeError} When `module` is not a URL or an option has the
   *   wrong type.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(module: string | URL, options: WorkerPoolOptions = {}) {
    const url = toModuleUrl("Cannot create pool", module);
    const { size, maxQueue, taskTimeoutMs, idleTimeoutMs } =
      resolveCommonOptions(options);
    const workerOptions: WorkerOptions & { deno?: unknown } = {
      type: "module",
    };
    if (options.permissions !== undefined) {
      workerOptions.deno = { permissions: options.permissions };
    }
    this.#size = size;
    this.#core = new PoolCore({
      size,
      maxQueue,
      taskTimeoutMs,
      idleTimeoutMs,
      kind: "worker",
      module: url.href,
      spawn(events) {
        const worker = new Worker(url, workerOptions);
        const started = new Int32Array(new SharedArrayBuffer(4));
        const hello = () =>
          worker.postMessage({ kind: "hello", started } satisfies HelloMessage);
        // A module that awaits before calling expose() has no listener yet
        // when the first hello arrives, so ask again until it answers.
        let helloTimer: ReturnType<typeof setInterval> | undefined =
          setInterval(hello, HELLO_INTERVAL_MS);
        const stopHello = () => {
          clearInterval(helloTimer);
          helloTimer = undefined;
        };
        hello();
        worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
          if (helloTimer !== undefined) stopHello();
          events.message(event.data);
        };
        worker.onerror = (event) => {
          // Unhandled, a worker's error would crash the whole program.
          event.preventDefault();
          events.death(event.message);
        };
        worker.onmessageerror = () =>
          events.death("a reply could not be deserialized");
        return {
          send(message, transfer) {
            if (transfer === undefined) worker.postMessage(message);
            else worker.postMessage(message, transfer);
          },
          stopStarting() {
            // The worker starts a task only if this is still a count.
            return Atomics.exchange(started, 0, STOPPED);
          },
          kill() {
            stopHello();
            worker.terminate();
          },
        };
      },
    });
  }

  /**
   * Runs one task on a free worker, or queues it.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param input The task's input, structured-cloned to the worker.
   * @param options See {@linkcode WorkerRunOptions}.
   * @returns The task's result.
   * @throws {Error} The task's own error, rebuilt with its name, message and
   *   stack; an `Error` when the worker died or the pool is closed.
   * @throws {RangeError} When the task is unknown or the queue is full.
   * @throws {TypeError} When the input cannot be cloned.
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
    options?: WorkerRunOptions,
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
   * @param options See {@linkcode WorkerMapOptions}.
   * @returns The results, in input order.
   * @throws {TypeError} When `inputs` is not iterable or `chunkSize` is not
   *   a number.
   * @throws {RangeError} When `chunkSize` is not a positive integer.
   * @throws {Error} As for {@linkcode WorkerPool.prototype.run}.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new WorkerPool(
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
    options?: WorkerMapOptions,
  ): Promise<T[]> {
    return await mapChunks<T>(this.#core, this.#size, task, inputs, options);
  }

  /**
   * Closes the pool: queued tasks and running tasks reject with an `Error`
   * saying the pool was closed, every worker is terminated and every timer
   * cleared. Later calls to `run()` reject. Calling it twice is harmless.
   *
   * @returns A promise that resolves once the pool is closed.
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
   * @returns A promise that resolves once the pool is closed.
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
