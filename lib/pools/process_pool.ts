/**
 * `ProcessPool`: a fixed-size pool of warm `deno run` child processes running
 * one task module, talking NDJSON over stdin and stdout.
 *
 * @module
 */

import {
  CHILD_FLAG,
  LINE_MARKER,
  type ReplyMessage,
  type TasksMessage,
} from "./_messages.ts";
import {
  mapChunks,
  PoolCore,
  type PoolStats,
  resolveCommonOptions,
  type Runner,
  type RunnerEvents,
  toModuleUrl,
} from "./_pool.ts";

export type { PoolStats } from "./_pool.ts";

/** Options of {@linkcode ProcessPool}. */
export interface ProcessPoolOptions {
  /**
   * How many child processes run tasks at once, a positive integer.
   * Children start on demand, so an unused pool costs nothing.
   *
   * @default {navigator.hardwareConcurrency}
   */
  size?: number;
  /**
   * How many tasks may wait for a free child; beyond that `run()` rejects
   * with a `RangeError`. A non-negative integer or `Infinity`.
   *
   * @default {Infinity}
   */
  maxQueue?: number;
  /**
   * Longest a task may run, in milliseconds, counted from when its child
   * is free to start it. A task that runs longer is rejected
   * with a `TimeoutError` and its child is killed and replaced.
   *
   * @default {undefined} (no limit)
   */
  taskTimeoutMs?: number;
  /**
   * How long the pool may sit idle before its children are killed, in
   * milliseconds (`Infinity` keeps them), so a program that forgot
   * `close()` still exits. The next task starts fresh children.
   *
   * @default {1000}
   */
  idleTimeoutMs?: number;
  /**
   * Permission flags for `deno run`, such as `"--allow-read=data"`. Each
   * must start with `--allow-` or `--deny-`.
   *
   * @default {[]} (no permissions)
   */
  permissions?: string[];
  /**
   * What happens to the children's stderr: shown, or discarded.
   *
   * @default {"inherit"}
   */
  stderr?: "inherit" | "null";
}

/** Options of {@linkcode ProcessPool.prototype.run}. */
export interface ProcessRunOptions {
  /**
   * Aborts the task: a queued task leaves the queue, a running one has its
   * child killed (and replaced). Rejects with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode ProcessPool.prototype.map}. */
export interface ProcessMapOptions {
  /**
   * Aborts every chunk of the map, as for `run()`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How many inputs travel in one line, a positive integer.
   *
   * @default {Math.ceil(inputs / (size * 4))}
   */
  chunkSize?: number;
}

/**
 * A fixed-size pool of warm child processes (`deno run` of the task module,
 * which calls {@linkcode expose}) with explicit permissions. Same behaviour
 * as {@linkcode WorkerPool}, except that inputs and results travel as JSON:
 * `undefined` inside arrays becomes `null`, and `Date`, `Map` and the like
 * arrive in their JSON form. Tiny tasks are grouped into lines the same way.
 *
 * Faults stay local: a task that throws rejects its own promise; a task
 * that times out, is aborted while running, or whose child exits rejects
 * and its child is replaced. The tasks sent with it go back to the front of
 * the queue and run on another child: a child runs its tasks in order and
 * writes every finished answer before it exits (even through `Deno.exit()`),
 * and the pool reads them all before it reports the exit, so the first
 * unanswered task is the one that was running. A task module that fails to
 * load rejects every task with the load error.
 *
 * @example
 * ```ts
 * import { ProcessPool } from "./process_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new ProcessPool(
 *   new URL("../../workers/tasks.ts", import.meta.url),
 *   { size: 2 },
 * );
 * assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
 * assert.deepEqual(await pool.map("echo", [1, 2, 3]), [1, 2, 3]);
 * ```
 */
export class ProcessPool {
  #core: PoolCore;
  #size: number;

  /**
   * Creates a pool; children start when the first tasks arrive.
   *
   * @param module The task module, as an absolute URL (use
   *   `new URL("./tasks.ts", import.meta.url)`).
   * @param options See {@linkcode ProcessPoolOptions}.
   * @throws {TypeError} When `module` is not a URL or an option has the
   *   wrong type.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(module: string | URL, options: ProcessPoolOptions = {}) {
    const url = toModuleUrl("Cannot create pool", module);
    const common = resolveCommonOptions(options);
    const permissions = options.permissions ?? [];
    if (!Array.isArray(permissions)) {
      throw new TypeError(
        `Cannot create pool: 'permissions' must be an array of strings, received ${typeof permissions}`,
      );
    }
    for (const flag of permissions) {
      if (typeof flag !== "string") {
        throw new TypeError(
          `Cannot create pool: 'permissions' must be an array of strings, received an element of type ${typeof flag}`,
        );
      }
      if (!flag.startsWith("--allow-") && !flag.startsWith("--deny-")) {
        throw new RangeError(
          `Cannot create pool: each permission must start with '--allow-' or '--deny-', received '${flag}'`,
        );
      }
    }
    const stderr = options.stderr ?? "inherit";
    if (stderr !== "inherit" && stderr !== "null") {
      throw new RangeError(
        `Cannot create pool: 'stderr' must be 'inherit' or 'null', received '${stderr}'`,
      );
    }
    const args = ["run", "--no-prompt", ...permissions, url.href, CHILD_FLAG];
    this.#size = common.size;
    this.#core = new PoolCore({
      ...common,
      kind: "child process",
      module: url.href,
      spawn: (events) => spawnChild(args, stderr, events),
    });
  }

  /**
   * Runs one task on a free child, or queues it.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param input The task's input, sent as JSON.
   * @param options See {@linkcode ProcessRunOptions}.
   * @returns The task's result.
   * @throws {Error} The task's own error, rebuilt with its name, message and
   *   stack; an `Error` when the child exited or the pool is closed.
   * @throws {RangeError} When the task is unknown or the queue is full.
   * @throws {TypeError} When the input cannot be sent as JSON.
   * @throws {DOMException} A `TimeoutError` after `taskTimeoutMs`.
   * @throws {unknown} `signal.reason` when aborted.
   *
   * @example
   * ```ts
   * import { ProcessPool } from "./process_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new ProcessPool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { size: 1 },
   * );
   * await assert.rejects(pool.run("throw", "boom"), { message: "boom" });
   * ```
   */
  run<T = unknown>(
    task: string,
    input?: unknown,
    options?: ProcessRunOptions,
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
   * @param options See {@linkcode ProcessMapOptions}.
   * @returns The results, in input order.
   * @throws {TypeError} When `inputs` is not iterable or `chunkSize` is not
   *   a number.
   * @throws {RangeError} When `chunkSize` is not a positive integer.
   * @throws {Error} As for {@linkcode ProcessPool.prototype.run}.
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
    options?: ProcessMapOptions,
  ): Promise<T[]> {
    return await mapChunks<T>(this.#core, this.#size, task, inputs, options);
  }

  /**
   * Closes the pool: queued tasks and running tasks reject with an `Error`
   * saying the pool was closed, every child is killed and awaited, and every
   * timer cleared. Later calls to `run()` reject. Calling it twice is
   * harmless.
   *
   * @returns A promise that resolves once every child has exited.
   *
   * @example
   * ```ts
   * import { ProcessPool } from "./process_pool.ts";
   * import assert from "node:assert/strict";
   * const pool = new ProcessPool(new URL("../../workers/tasks.ts", import.meta.url));
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
   * @returns A promise that resolves once every child has exited.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Counters for the pool's life so far. A `map()` counts one per chunk.
   *
   * @returns The counters; `busyMs` has one entry per child slot.
   *
   * @example
   * ```ts
   * import { ProcessPool } from "./process_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new ProcessPool(
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

function cannotBeJson(value: unknown): boolean {
  const type = typeof value;
  return type === "function" || type === "symbol";
}

function spawnChild(
  args: string[],
  stderr: "inherit" | "null",
  events: RunnerEvents,
): Runner {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr,
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  // Lines written in one tick go out in one write, not one op per task.
  let pending = "";
  const flush = () => {
    const text = pending;
    pending = "";
    // A failed write means the child died; `status` reports that.
    writer.write(encoder.encode(text)).catch(() => {});
  };
  const reading = readReplies(child.stdout, events, stderr === "inherit");
  // Answers written before the exit are read first, so a task that had
  // finished is not reported as killed with its child.
  const status = Promise.all([
    child.status,
    reading.catch(() => {}),
  ]).then(([status]) => {
    events.death(
      `it exited with code ${status.code}${
        status.signal === null ? "" : ` (${status.signal})`
      }`,
    );
  });
  return {
    send(message: TasksMessage) {
      for (const { input, batch } of message.requests) {
        if (
          batch ? (input as unknown[]).some(cannotBeJson) : cannotBeJson(input)
        ) {
          throw new TypeError(`a ${typeof input} cannot be sent as JSON`);
        }
      }
      const line = JSON.stringify(message) + "\n";
      if (pending === "") queueMicrotask(flush);
      pending += line;
    },
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await writer.close().catch(() => {});
      await Promise.all([status, reading]);
    },
  };
}

async function readReplies(
  stdout: ReadableStream<Uint8Array>,
  events: RunnerEvents,
  showStray: boolean,
): Promise<void> {
  const encoder = new TextEncoder();
  let buffered = "";
  for await (const text of stdout.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let start = 0;
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      const line = buffered.slice(start, newline);
      if (line.startsWith(LINE_MARKER)) {
        events.message(JSON.parse(line.slice(1)) as ReplyMessage);
      } else if (showStray) {
        // Output a task printed itself: pass it on rather than lose it.
        Deno.stderr.writeSync(encoder.encode(line + "\n"));
      }
      start = newline + 1;
      newline = buffered.indexOf("\n", start);
    }
    buffered = buffered.slice(start);
  }
}
