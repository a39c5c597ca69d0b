/**
 * `QueuePool`: the pools' shape one level up. Tasks go through a BullMQ job
 * queue on Redis to machines (processes, here or on other hosts) that serve
 * the same `expose()` task module a {@linkcode WorkerPool} runs.
 *
 * @module
 */

import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import { deserializeError } from "./_messages.ts";
import { mapChunks, refuseTask } from "./_map_chunks.ts";
import { moduleUrl } from "./_module_url.ts";
import { assertInteger } from "../util/validate.ts";
import {
  cancelChannel,
  checkQueueName,
  DEFAULT_QUEUE,
  type JobData,
} from "./_queue_jobs.ts";
import {
  checkRedis,
  connectRedis,
  DEFAULT_CONNECT_TIMEOUT_MS,
  disconnectRedis,
  redactUrl,
  redisConnection,
} from "./redis_connection.ts";
import {
  type LocalMachine,
  type LocalMachineOptions,
  startLocalMachine,
} from "./local_machine.ts";
import { type RedisServer, startRedisServer } from "./redis_server.ts";

export type { LocalMachine } from "./local_machine.ts";

/**
 * Events a queue keeps for its listeners. Each job adds a few; a listener
 * that falls further behind than this loses events, so it is set well
 * above BullMQ's 10 000 for pools that add many jobs at once.
 */
const EVENTS_KEPT = 200_000;
/** Failed jobs Redis keeps, so that their stack traces can be read. */
const FAILED_KEPT = 1_000;

/** Options of {@linkcode QueuePool}. */
export interface QueuePoolOptions {
  /**
   * The Redis server, e.g. `redis://10.0.0.5:6379`. Without one (and
   * without `REDIS_URL` in the environment) the pool starts a private
   * `redis-server` on a free loopback port and stops it on close.
   *
   * @default {Deno.env.get("REDIS_URL")}
   */
  redisUrl?: string;
  /**
   * The `redis-server` executable of the private server.
   *
   * @default {"redis-server"}
   */
  redisServer?: string;
  /**
   * The queue's name; machines started by hand must be given the same.
   * One queue serves one task module.
   *
   * @default {"course"}
   */
  queue?: string;
  /**
   * Longest a task may run, in milliseconds, counted from when a machine
   * starts it; the machine stops it and it rejects with a `TimeoutError`.
   *
   * @default {undefined} (no limit)
   */
  taskTimeoutMs?: number;
  /**
   * How long a job's lock lasts without renewal, in milliseconds, on the
   * machines this pool starts: when one dies, its jobs run elsewhere after
   * about this long.
   *
   * @default {30000}
   */
  lockDurationMs?: number;
  /**
   * How often the machines this pool starts look for expired locks, in
   * milliseconds.
   *
   * @default {lockDurationMs}
   */
  stalledIntervalMs?: number;
  /**
   * How long connecting to Redis may take, in milliseconds; a bad or
   * unreachable URL fails after at most this long.
   *
   * @default {3000}
   */
  connectTimeoutMs?: number;
  /**
   * What happens to the stderr of the machines this pool starts.
   *
   * @default {"inherit"}
   */
  machineStderr?: "inherit" | "null";
}

/** Options of {@linkcode QueuePool.prototype.run}. */
export interface QueueRunOptions {
  /**
   * Aborts the task: a waiting job leaves the queue, a running one is
   * cancelled on its machine (its Worker replaced). Rejects with
   * `signal.reason` at once.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode QueuePool.prototype.map}. */
export interface QueueMapOptions {
  /**
   * Aborts every chunk of the map, as for `run()`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * How many inputs travel in one job, a positive integer. Pass it when the
   * machines were started elsewhere: the default counts only this pool's.
   *
   * @default {Math.ceil(inputs / (4 * concurrency of this pool's machines))}
   */
  chunkSize?: number;
}

/** Options of {@linkcode QueuePool.prototype.addMachine}. */
export interface AddMachineOptions {
  /**
   * Jobs the machine runs at once, each on its own Worker.
   *
   * @default {1}
   */
  concurrency?: number;
}

/** Counters returned by {@linkcode QueuePool.prototype.stats}. */
export interface QueuePoolStats {
  /** Jobs (tasks or `map()` chunks) that resolved. */
  completed: number;
  /** Jobs that rejected after a machine took them. */
  failed: number;
  /** This pool's jobs waiting for a machine. */
  queued: number;
  /** This pool's jobs a machine is running. */
  running: number;
  /**
   * Times one of this pool's jobs went back to the queue because the lock
   * of the machine running it expired (the machine died or hung).
   */
  stalled: number;
  /** Local machines this pool started that are running. */
  machines: number;
}

interface PendingJob {
  id: string;
  task: string;
  data: JobData;
  /** buffered: not yet sent; queued: in Redis; running: a machine has it. */
  state: "buffered" | "queued" | "running" | "settled";
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Connected {
  url: string;
  server: RedisServer | undefined;
  control: Redis;
  queue: Queue;
  events: QueueEvents;
}

/**
 * A pool whose tasks run on machines behind a BullMQ queue on Redis. Same
 * shape as {@linkcode WorkerPool} and {@linkcode ProcessPool}: `run`, `map`
 * (chunked), `stats`, `close` and `await using`. Inputs and results travel
 * as JSON, as with a ProcessPool.
 *
 * Machines are `workers/machine.ts` processes: {@linkcode addMachine}
 * starts local ones (stopped on close); on other hosts, start them by hand
 * with the same Redis URL and queue. Each job is held under a lock its
 * machine renews; when a machine dies mid-job, the lock expires and BullMQ
 * gives the job to another machine, so its result still arrives, once.
 *
 * Faults stay local: a task that throws rejects its own promise with its
 * error rebuilt (name, message, stack); a failure of the queue itself (a
 * job that stalled twice, a lost connection) names the task.
 *
 * @example
 * ```ts
 * import { QueuePool } from "./queue_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new QueuePool(
 *   new URL("../../workers/tasks.ts", import.meta.url),
 *   { queue: "doc-example" },
 * );
 * await pool.addMachine();
 * assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
 * assert.deepEqual(await pool.map("echo", [1, 2, 3]), [1, 2, 3]);
 * ```
 */
export class QueuePool {
  #module: URL;
  #redisUrl: string | undefined;
  #redisServer: string;
  #queueName: string;
  #taskTimeoutMs: number | undefined;
  #machineOptions: LocalMachineOptions;
  #connectTimeoutMs: number;
  #started: Promise<Connected> | undefined;
  #connected: Connected | undefined;
  #lostError: Error | undefined;
  #closing: Promise<void> | undefined;
  #jobs = new Map<string, PendingJob>();
  #buffer: PendingJob[] = [];
  #flushes = new Set<Promise<void>>();
  #prefix = crypto.randomUUID().slice(0, 8);
  #nextId = 1;
  #machines = new Set<LocalMachine>();
  #startingMachines = new Set<Promise<unknown>>();
  #completed = 0;
  #failed = 0;
  #stalled = 0;

  /**
   * Creates a pool; it connects (starting the private Redis if needed) on
   * {@linkcode start}, on the first task, or on the first machine.
   *
   * @param module The task module: a URL, a URL string, or a file path
   *   (absolute, or relative to the current directory); machines on other
   *   hosts must be able to load it from the same URL, or be given theirs.
   * @param options See {@linkcode QueuePoolOptions}.
   * @throws {TypeError} When `module`, `redisUrl` or `queue` is malformed.
   * @throws {RangeError} When a number option is not a positive integer.
   */
  constructor(module: string | URL, options: QueuePoolOptions = {}) {
    const where = "Cannot create pool";
    this.#module = moduleUrl(where, module);
    const {
      redisUrl = Deno.env.get("REDIS_URL") || undefined,
      redisServer = "redis-server",
      queue = DEFAULT_QUEUE,
      taskTimeoutMs,
      lockDurationMs = 30_000,
      stalledIntervalMs = lockDurationMs,
      connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
      machineStderr = "inherit",
    } = options;
    if (redisUrl !== undefined) {
      // Checked now, so a malformed URL fails where it was written.
      redisConnection(redisUrl, connectTimeoutMs);
    }
    checkQueueName(where, queue);
    for (
      const [name, value] of Object.entries({
        taskTimeoutMs,
        lockDurationMs,
        stalledIntervalMs,
        connectTimeoutMs,
      })
    ) {
      if (value !== undefined) assertInteger(where, name, value);
    }
    this.#redisUrl = redisUrl;
    this.#redisServer = redisServer;
    this.#queueName = queue;
    this.#taskTimeoutMs = taskTimeoutMs;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#machineOptions = {
      queue,
      lockDurationMs,
      stalledIntervalMs,
      stderr: machineStderr,
    };
  }

  /** The queue's name. */
  get queueName(): string {
    return this.#queueName;
  }

  /**
   * The Redis server's URL (password masked) once {@linkcode start}ed:
   * the one given, or the private server's.
   */
  get redisUrl(): string | undefined {
    return this.#connected === undefined
      ? undefined
      : redactUrl(this.#connected.url);
  }

  /** The local machines this pool started that are running. */
  get machines(): readonly LocalMachine[] {
    return [...this.#machines];
  }

  /**
   * Connects to Redis, starting the private server first when no URL was
   * given. Tasks and machines call it themselves; call it to fail early.
   * Calling it again returns the same outcome.
   *
   * @returns A promise that resolves once connected.
   * @throws {Error} When `redis-server` is missing (saying how to install
   *   it), when Redis cannot be reached within `connectTimeoutMs` (naming
   *   the URL), or when the pool is closed.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { redisUrl: "redis://127.0.0.1:1" },
   * );
   * await assert.rejects(pool.start(), /Cannot connect to Redis at 'redis:\/\/127.0.0.1:1'/);
   * ```
   */
  async start(): Promise<void> {
    await this.#connect();
  }

  /**
   * Runs one task on a machine: adds a job named after the task and
   * resolves with its result when a machine has run it.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param input The task's input, sent as JSON.
   * @param options See {@linkcode QueueRunOptions}.
   * @returns The task's result, as JSON brings it back (`undefined`
   *   becomes `null`).
   * @throws {Error} The task's own error, rebuilt with its name, message
   *   and stack; an `Error` naming the task when the queue failed it, the
   *   connection was lost or the pool is closed.
   * @throws {RangeError} When the task is unknown.
   * @throws {TypeError} When the input cannot be sent as JSON.
   * @throws {DOMException} A `TimeoutError` after `taskTimeoutMs`.
   * @throws {unknown} `signal.reason` when aborted.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { queue: "doc-run" },
   * );
   * await pool.addMachine();
   * await assert.rejects(pool.run("throw", "boom"), { message: "boom" });
   * ```
   */
  run<T = unknown>(
    task: string,
    input?: unknown,
    options?: QueueRunOptions,
  ): Promise<T> {
    return this.#submit(task, input, options?.signal, false) as Promise<T>;
  }

  /**
   * Runs `task` over every input, in chunks (one job per chunk), added to
   * the queue in one go. Rejects with the first failure.
   *
   * @typeParam T The task's result type.
   * @param task The name the module gave the task in `expose()`.
   * @param inputs The inputs.
   * @param options See {@linkcode QueueMapOptions}.
   * @returns The results, in input order.
   * @throws {TypeError} When `inputs` is not iterable or `chunkSize` is not
   *   a number.
   * @throws {RangeError} When `chunkSize` is not a positive integer.
   * @throws {Error} As for {@linkcode QueuePool.prototype.run}.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { queue: "doc-map" },
   * );
   * await pool.addMachines(2);
   * const ranges = [{ start: 0, end: 10 }, { start: 10, end: 20 }];
   * assert.deepEqual(await pool.map("countPrimes", ranges, { chunkSize: 1 }), [4, 4]);
   * ```
   */
  async map<T = unknown>(
    task: string,
    inputs: Iterable<unknown>,
    options?: QueueMapOptions,
  ): Promise<T[]> {
    let slots = 0;
    for (const machine of this.#machines) slots += machine.concurrency;
    return await mapChunks<T>(
      {
        submit: (name, chunk, runOptions, batch) =>
          this.#submit(name, chunk, runOptions?.signal, batch),
      },
      Math.max(1, slots),
      task,
      inputs,
      options,
    );
  }

  /**
   * Starts a local machine (`workers/machine.ts` in a child process)
   * serving this pool's queue and task module; it is stopped on close.
   *
   * @param options See {@linkcode AddMachineOptions}.
   * @returns The machine, once it serves the queue.
   * @throws {RangeError} When `concurrency` is not a positive integer.
   * @throws {Error} When the pool cannot connect or is closed, or the
   *   machine exits before serving.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { queue: "doc-add" },
   * );
   * const machine = await pool.addMachine({ concurrency: 2 });
   * assert.equal(pool.stats().machines, 1);
   * machine.kill("SIGKILL");
   * await machine.status;
   * assert.equal(pool.stats().machines, 0);
   * ```
   */
  async addMachine(options: AddMachineOptions = {}): Promise<LocalMachine> {
    const { concurrency = 1 } = options;
    assertInteger("Cannot add machine", "concurrency", concurrency);
    const connected = await this.#connect();
    const starting = startLocalMachine(connected.url, this.#module, {
      ...this.#machineOptions,
      concurrency,
    });
    this.#startingMachines.add(starting);
    let machine: LocalMachine;
    try {
      machine = await starting;
    } finally {
      this.#startingMachines.delete(starting);
    }
    if (this.#closing !== undefined) {
      await machine.stop();
      throw new Error("Cannot add machine: the pool was closed meanwhile");
    }
    this.#machines.add(machine);
    machine.status.then(() => this.#machines.delete(machine));
    return machine;
  }

  /**
   * Starts `count` local machines at once; see {@linkcode addMachine}.
   *
   * @param count How many, a positive integer.
   * @param options See {@linkcode AddMachineOptions}.
   * @returns The machines, once all serve the queue.
   * @throws {RangeError} When `count` is not a positive integer.
   * @throws {Error} As for {@linkcode addMachine}.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { queue: "doc-add-many" },
   * );
   * const machines = await pool.addMachines(2);
   * assert.equal(new Set(machines.map((machine) => machine.pid)).size, 2);
   * ```
   */
  async addMachines(
    count: number,
    options: AddMachineOptions = {},
  ): Promise<LocalMachine[]> {
    assertInteger("Cannot add machines", "count", count);
    return await Promise.all(
      Array.from({ length: count }, () => this.addMachine(options)),
    );
  }

  /**
   * Closes the pool: its unfinished tasks reject (naming each), its waiting
   * jobs leave the queue and its running ones are cancelled, its local
   * machines are stopped, its connections closed, and the private Redis
   * server, if any, stopped. Calling it twice is harmless.
   *
   * @returns A promise that resolves once everything has stopped.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * const pool = new QueuePool(new URL("../../workers/tasks.ts", import.meta.url));
   * await pool.close();
   * await assert.rejects(pool.run("noop"), /closed/);
   * ```
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
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
   * @returns The counters.
   *
   * @example
   * ```ts
   * import { QueuePool } from "./queue_pool.ts";
   * import assert from "node:assert/strict";
   * await using pool = new QueuePool(
   *   new URL("../../workers/tasks.ts", import.meta.url),
   *   { queue: "doc-stats" },
   * );
   * await pool.addMachine();
   * await pool.run("noop");
   * assert.equal(pool.stats().completed, 1);
   * ```
   */
  stats(): QueuePoolStats {
    let queued = 0;
    let running = 0;
    for (const job of this.#jobs.values()) {
      if (job.state === "running") running++;
      else queued++;
    }
    return {
      completed: this.#completed,
      failed: this.#failed,
      queued,
      running,
      stalled: this.#stalled,
      machines: this.#machines.size,
    };
  }

  #connect(): Promise<Connected> {
    if (this.#closing !== undefined) {
      return Promise.reject(new Error("Cannot start pool: the pool is closed"));
    }
    this.#started ??= this.#open();
    return this.#started;
  }

  async #open(): Promise<Connected> {
    let server: RedisServer | undefined;
    let control: Redis | undefined;
    let queue: Queue | undefined;
    let events: QueueEvents | undefined;
    try {
      if (this.#redisUrl === undefined) {
        server = await startRedisServer({ binary: this.#redisServer });
      }
      const url = this.#redisUrl ?? server!.url;
      await checkRedis(url, this.#connectTimeoutMs);
      control = await connectRedis(url, this.#connectTimeoutMs, () => {});
      const connection = redisConnection(url, this.#connectTimeoutMs);
      queue = new Queue(this.#queueName, {
        connection,
        streams: { events: { maxLen: EVENTS_KEPT } },
        defaultJobOptions: {
          removeOnComplete: true,
          removeOnFail: FAILED_KEPT,
        },
      });
      // Errors of the queue surface through the calls that failed.
      queue.on("error", () => {});
      // Listen from the newest event already there: none of this pool's
      // jobs can be older, and none of its events may be missed.
      const newest = await control.xrevrange(
        queue.keys.events,
        "+",
        "-",
        "COUNT",
        1,
      );
      events = new QueueEvents(this.#queueName, {
        connection,
        lastEventId: newest[0]?.[0] ?? "0-0",
      });
      this.#listen(events, queue);
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
      const connected = { url, server, control, queue, events };
      // From here on, the control connection ending means Redis is gone.
      control.on("end", () => this.#onLost(url));
      this.#connected = connected;
      return connected;
    } catch (error) {
      await events?.close();
      await queue?.close();
      if (control !== undefined) await disconnectRedis(control);
      await server?.close();
      throw error;
    }
  }

  #listen(events: QueueEvents, queue: Queue): void {
    events.on("error", () => {
      // A dropped connection is seen by the control connection's end.
    });
    events.on("active", ({ jobId }) => {
      const job = this.#jobs.get(jobId);
      if (job !== undefined && job.state !== "settled") job.state = "running";
    });
    events.on("stalled", ({ jobId }) => {
      const job = this.#jobs.get(jobId);
      if (job === undefined) return;
      this.#stalled++;
      if (job.state === "running") job.state = "queued";
    });
    events.on("completed", ({ jobId, returnvalue }) => {
      const job = this.#jobs.get(jobId);
      if (job === undefined) return;
      this.#settle(job);
      this.#completed++;
      job.resolve(returnvalue);
    });
    events.on("failed", ({ jobId, failedReason }) => {
      const job = this.#jobs.get(jobId);
      if (job === undefined) return;
      this.#settle(job);
      this.#failed++;
      Job.fromId(queue, jobId).then(
        (failed) => failed?.stacktrace?.at(-1),
        () => undefined,
      ).then((stack) =>
        job.reject(rebuildError(job.task, failedReason, stack))
      );
    });
  }

  #submit(
    task: string,
    input: unknown,
    signal: AbortSignal | undefined,
    batch: boolean,
  ): Promise<unknown> {
    const refused = refuseTask(task, this.#closing !== undefined);
    if (refused !== undefined) return refused;
    if (this.#lostError !== undefined) return Promise.reject(this.#lostError);
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      JSON.stringify(input);
    } catch (error) {
      return Promise.reject(
        new TypeError(
          `Cannot run task '${task}': the input could not be sent as JSON (${
            error instanceof Error ? error.message : String(error)
          })`,
          { cause: error },
        ),
      );
    }
    const data: JobData = batch ? { inputs: input as unknown[] } : { input };
    if (this.#taskTimeoutMs !== undefined) {
      data.timeoutMs = this.#taskTimeoutMs;
    }
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const job: PendingJob = {
      // Pool-unique, and never an integer: BullMQ refuses integer ids.
      id: `${this.#prefix}-${this.#nextId++}`,
      task,
      data,
      state: "buffered",
      resolve,
      reject,
      signal,
      onAbort: undefined,
    };
    if (signal !== undefined) {
      job.onAbort = () => this.#abort(job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    this.#jobs.set(job.id, job);
    // Tasks submitted together travel in one addBulk round trip.
    if (this.#buffer.push(job) === 1) queueMicrotask(() => this.#flush());
    return promise;
  }

  #flush(): void {
    const flush = this.#send().finally(() => this.#flushes.delete(flush));
    this.#flushes.add(flush);
  }

  async #send(): Promise<void> {
    let connected: Connected;
    try {
      connected = await this.#connect();
    } catch (error) {
      this.#failBuffered(() => error);
      return;
    }
    const jobs = this.#buffer.filter((job) => job.state === "buffered");
    this.#buffer = [];
    if (jobs.length === 0) return;
    for (const job of jobs) job.state = "queued";
    try {
      await connected.queue.addBulk(jobs.map((job) => ({
        name: job.task,
        data: job.data,
        opts: { jobId: job.id },
      })));
    } catch (error) {
      for (const job of jobs) {
        if (job.state === "settled") continue;
        this.#settle(job);
        job.reject(
          new Error(
            `Cannot run task '${job.task}': it could not be added to queue '${this.#queueName}' (${
              error instanceof Error ? error.message : String(error)
            })`,
            { cause: error },
          ),
        );
      }
    }
  }

  #failBuffered(errorFor: (job: PendingJob) => unknown): void {
    const jobs = this.#buffer;
    this.#buffer = [];
    for (const job of jobs) {
      if (job.state !== "buffered") continue;
      this.#settle(job);
      job.reject(errorFor(job));
    }
  }

  #settle(job: PendingJob): void {
    job.state = "settled";
    this.#jobs.delete(job.id);
    if (job.onAbort !== undefined) {
      job.signal!.removeEventListener("abort", job.onAbort);
    }
  }

  #abort(job: PendingJob): void {
    const state = job.state;
    if (state === "settled") return;
    this.#settle(job);
    job.reject(job.signal!.reason);
    if (state !== "buffered") this.#withdraw([job.id]);
  }

  /**
   * Takes jobs out of the queue, or, when a machine already runs them,
   * asks it to cancel them. Best effort: failures are ignored, as the
   * callers have their answers already.
   */
  #withdraw(ids: string[]): Promise<void> {
    const connected = this.#connected;
    if (connected === undefined) return Promise.resolve();
    const withdrawals = Promise.allSettled(ids.map(async (id) => {
      if (await connected.queue.remove(id) === 0) {
        await connected.control.publish(cancelChannel(this.#queueName), id);
      }
    })).then(() => {});
    this.#flushes.add(withdrawals);
    return withdrawals.finally(() => this.#flushes.delete(withdrawals));
  }

  #onLost(url: string): void {
    if (this.#closing !== undefined) return;
    this.#lostError = new Error(
      `Cannot run task: lost the connection to Redis at '${redactUrl(url)}'`,
    );
    for (const job of [...this.#jobs.values()]) {
      this.#settle(job);
      job.reject(
        new Error(
          `Cannot finish task '${job.task}': lost the connection to Redis at '${
            redactUrl(url)
          }'`,
        ),
      );
    }
    this.#buffer = [];
  }

  async #shutdown(): Promise<void> {
    const unfinished = [...this.#jobs.values()];
    const sent: string[] = [];
    for (const job of unfinished) {
      const state = job.state;
      this.#settle(job);
      if (state !== "buffered") sent.push(job.id);
      job.reject(
        new Error(
          state === "running"
            ? `Cannot finish task '${job.task}': the pool was closed while it was running`
            : `Cannot run task '${job.task}': the pool was closed before it started`,
        ),
      );
    }
    this.#buffer = [];
    let connected: Connected | undefined;
    try {
      connected = await this.#started;
    } catch {
      // It never connected: nothing to stop but machines.
    }
    await Promise.allSettled(this.#startingMachines);
    // Jobs still being added must be in Redis before they can be withdrawn.
    await Promise.allSettled(this.#flushes);
    if (connected !== undefined && this.#lostError === undefined) {
      await this.#withdraw(sent);
    }
    await Promise.all(this.machines.map((machine) => machine.stop()));
    if (connected === undefined) return;
    await connected.events.close();
    await connected.queue.close();
    await disconnectRedis(connected.control);
    await connected.server?.close();
  }
}

/**
 * The error of a failed job: the task's own error when the job's stack
 * trace says which (name, message, stack), else an `Error` naming the task
 * with BullMQ's reason, such as "job stalled more than allowable limit".
 */
function rebuildError(
  task: string,
  failedReason: string,
  stack: string | undefined,
): Error {
  const at = stack?.indexOf(`: ${failedReason}`) ?? -1;
  const name = at > 0 ? stack!.slice(0, at) : "";
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
    return new Error(`Cannot finish task '${task}': ${failedReason}`);
  }
  if (name === "TimeoutError" || name === "AbortError") {
    return new DOMException(failedReason, name);
  }
  return deserializeError({ name, message: failedReason, stack });
}
