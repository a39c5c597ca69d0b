/**
 * `WorkerPool`: a fixed-size pool of Web Workers running one task module.
 *
 * @module
 */

import { type HelloMessage, type ReplyMessage, STOPPED } from "./_messages.ts";
import {
  TaskPool,
  type TaskPoolOptions,
  type TaskRunOptions,
} from "./task_pool.ts";

export type { PoolStats } from "./task_pool.ts";

/** How often a starting worker is asked again whether it is ready, in ms. */
const HELLO_INTERVAL_MS = 250;

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions extends TaskPoolOptions {
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
export interface WorkerRunOptions extends TaskRunOptions {
  /**
   * Objects moved to the worker instead of copied.
   *
   * @default {undefined}
   */
  transfer?: Transferable[];
}

/**
 * A fixed-size pool of Web Workers that all load the same task module, which
 * calls {@linkcode expose}. Each worker runs one task at a time (or
 * `concurrentTasks`); tasks wait in a FIFO queue.
 *
 * Many tiny tasks are cheap: a free worker takes the queued tasks in one
 * message, as many as make about 4 ms of work by the pool's estimate (at
 * most an even share of the queue), runs them one after another, and answers
 * those that finish together in one message; while a backlog waits, each
 * worker holds one such group more, to start the moment it is free. Expensive
 * tasks still go one at a time, and a task with a `signal` always alone.
 *
 * Faults stay local: a task that throws rejects its own promise; a task
 * that times out, is aborted while running, or whose worker dies rejects
 * and its worker is replaced. The tasks sent to that worker that it had not
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
export class WorkerPool extends TaskPool<WorkerRunOptions> {
  /**
   * Creates a pool; workers start when the first tasks arrive.
   *
   * @param module The task module: a URL, a URL string, or a file path
   *   (absolute, or relative to the current directory).
   * @param options See {@linkcode WorkerPoolOptions}.
   * @throws {TypeError} When `module` is not a module or an option has the
   *   wrong type.
   * @throws {RangeError} When an option is out of range.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./worker_pool.ts";
   * import assert from "node:assert/strict";
   * // A path works too: relative ones from the current directory.
   * const path = new URL("../../workers/tasks.ts", import.meta.url).pathname;
   * await using pool = new WorkerPool(path, { size: 1 });
   * assert.equal(await pool.run("echo", "from a path"), "from a path");
   * ```
   */
  constructor(module: string | URL, options: WorkerPoolOptions = {}) {
    const workerOptions: WorkerOptions & { deno?: unknown } = {
      type: "module",
    };
    if (options.permissions !== undefined) {
      workerOptions.deno = { permissions: options.permissions };
    }
    super(module, options, "worker", (url) => (events, settings) => {
      const worker = new Worker(url, workerOptions);
      const started = new Int32Array(new SharedArrayBuffer(4));
      const hello = () =>
        worker.postMessage(
          { kind: "hello", started, ...settings } satisfies HelloMessage,
        );
      // A module that awaits before calling expose() has no listener yet
      // when the first hello arrives, so ask again until it answers.
      let helloTimer: ReturnType<typeof setInterval> | undefined = setInterval(
        hello,
        HELLO_INTERVAL_MS,
      );
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
    });
  }
}
