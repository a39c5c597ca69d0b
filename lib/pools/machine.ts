/**
 * `serveMachine()`: one machine of a {@linkcode QueuePool}. It takes jobs
 * from a BullMQ queue on Redis and runs them on a {@linkcode WorkerPool} of
 * the same task module WorkerPool and ProcessPool run, unchanged.
 * `workers/machine.ts` is its command line.
 *
 * Why the tasks run in Workers and not on the machine's main thread: BullMQ
 * keeps a job only while its machine renews the job's lock, from timers on
 * the main thread. A CPU-bound task on that thread blocks the renewals, the
 * lock expires, and the job is handed to another machine while the first
 * still runs it (checked here: a 3 s loop on the main thread with a 1 s
 * lock ran 6 times, then failed as "stalled more than allowable limit"; the
 * same loop in a Worker ran once).
 *
 * @module
 */

import { type Job, Worker as BullWorker } from "bullmq";
import type { Redis } from "ioredis";
import { moduleUrl } from "./_module_url.ts";
import { assertInteger } from "../util/validate.ts";
import { WorkerPool } from "./worker_pool.ts";
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

export { MACHINE_READY } from "./_queue_jobs.ts";

/** Options of {@linkcode serveMachine}. */
export interface MachineOptions {
  /**
   * The queue to take jobs from.
   *
   * @default {"course"}
   */
  queue?: string;
  /**
   * Jobs run at once, each on its own Worker, a positive integer.
   *
   * @default {1}
   */
  concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in milliseconds (BullMQ's
   * `lockDuration`; renewed every half of it). When this machine dies, its
   * jobs go back to the queue once their locks expire.
   *
   * @default {30000}
   */
  lockDurationMs?: number;
  /**
   * How often this machine looks for jobs whose locks expired, in
   * milliseconds (BullMQ's `stalledInterval`).
   *
   * @default {30000}
   */
  stalledIntervalMs?: number;
  /**
   * How jobs name the machine that took them (BullMQ's worker `name`, seen
   * as a job's `processedBy`): printable ASCII, no spaces.
   *
   * @default {`${Deno.hostname()}-${Deno.pid}`}
   */
  name?: string;
  /**
   * How long connecting to Redis may take, in milliseconds.
   *
   * @default {3000}
   */
  connectTimeoutMs?: number;
}

/** A machine serving a queue; close it, or `await using` it. */
export interface Machine extends AsyncDisposable {
  /** The queue it serves. */
  readonly queue: string;
  /** Jobs it runs at once. */
  readonly concurrency: number;
  /** Its name, as the jobs it takes record it (`job.processedBy`). */
  readonly name: string;
  /**
   * Resolves with an error when the machine lost Redis for good (after a
   * few reconnection attempts); it then takes no more jobs and should be
   * closed.
   */
  readonly lost: Promise<Error>;
  /**
   * Stops taking jobs, waits for the running ones to finish (or, with
   * `force`, abandons them: their locks expire and they run elsewhere), and
   * closes its Workers and connections. Calling it twice is harmless.
   */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts serving `queue` on the Redis at `redisUrl`: each job named after a
 * task of `module` runs on one of `concurrency` Workers, and its result, or
 * its error, goes back through the queue. A job with `timeoutMs` that runs
 * longer fails with a `TimeoutError`; a job a caller aborts (a pool
 * publishes its id) has its Worker terminated and replaced.
 *
 * @param redisUrl The Redis server, e.g. `redis://10.0.0.5:6379`.
 * @param module The task module (a URL, a URL string, or a file path); it
 *   calls `expose()`.
 * @param options Queue, concurrency, lock timing, connect timeout.
 * @returns The machine, once it is connected and taking jobs.
 * @throws {TypeError} When the URL, module or queue name is malformed.
 * @throws {RangeError} When a number option is not a positive integer.
 * @throws {Error} When Redis cannot be reached (naming the URL).
 *
 * @example
 * ```ts
 * import { serveMachine } from "./machine.ts";
 * import { startRedisServer } from "./redis_server.ts";
 * import { Queue, QueueEvents } from "bullmq";
 * import assert from "node:assert/strict";
 * await using server = await startRedisServer();
 * const module = new URL("../../workers/tasks.ts", import.meta.url);
 * await using _machine = await serveMachine(server.url, module, { queue: "doc" });
 * const connection = { host: "127.0.0.1", port: server.port };
 * const queue = new Queue("doc", { connection });
 * const events = new QueueEvents("doc", { connection });
 * await events.waitUntilReady();
 * const job = await queue.add("countPrimes", { input: { start: 0, end: 100 } });
 * assert.equal(await job.waitUntilFinished(events), 25);
 * await events.close();
 * await queue.close();
 * ```
 */
export async function serveMachine(
  redisUrl: string,
  module: string | URL,
  options: MachineOptions = {},
): Promise<Machine> {
  const where = "Cannot start machine";
  const {
    queue = DEFAULT_QUEUE,
    concurrency = 1,
    lockDurationMs = 30_000,
    stalledIntervalMs = 30_000,
    connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
    name = defaultMachineName(),
  } = options;
  const url = moduleUrl(where, module);
  checkQueueName(where, queue);
  // Redis takes client names of printable ASCII without spaces.
  if (typeof name !== "string" || !/^[\x21-\x7e]+$/.test(name)) {
    throw new TypeError(
      `${where}: 'name' must be printable ASCII without spaces, received ${
        JSON.stringify(name)
      }`,
    );
  }
  assertInteger(where, "concurrency", concurrency);
  assertInteger(where, "lockDurationMs", lockDurationMs);
  assertInteger(where, "stalledIntervalMs", stalledIntervalMs);
  assertInteger(where, "connectTimeoutMs", connectTimeoutMs);
  await checkRedis(redisUrl, connectTimeoutMs);

  const lost = Promise.withResolvers<Error>();
  let closing: Promise<void> | undefined;
  const reportError = (error: Error) =>
    console.error(`machine (pid ${Deno.pid}): ${error.message}`);
  // The machine is a server: its Workers stay up between jobs.
  const pool = new WorkerPool(url, {
    size: concurrency,
    idleTimeoutMs: Infinity,
  });
  const cancels: Redis = await connectRedis(
    redisUrl,
    connectTimeoutMs,
    () => {},
  );
  const worker = new BullWorker<JobData>(
    queue,
    (job, _token, signal) => runJob(pool, job, signal),
    {
      connection: redisConnection(redisUrl, connectTimeoutMs),
      concurrency,
      name,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: 1,
    },
  );
  worker.on("error", reportError);
  cancels.on("message", (_channel: string, jobId: string) => {
    worker.cancelJob(jobId, "aborted by its caller");
  });
  // The cancel connection gives up like the others after a few attempts;
  // then this machine has lost Redis.
  cancels.on("end", () => {
    if (closing === undefined) {
      lost.resolve(
        new Error(
          `Machine lost its connection to Redis at '${redactUrl(redisUrl)}'`,
        ),
      );
    }
  });
  const close = (force = false) => {
    closing ??= (async () => {
      await worker.close(force);
      await pool.close();
      await disconnectRedis(cancels);
    })();
    return closing;
  };
  try {
    await cancels.subscribe(cancelChannel(queue));
    await worker.waitUntilReady();
  } catch (error) {
    await close(true);
    throw error;
  }
  return {
    queue,
    concurrency,
    name,
    lost: lost.promise,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/** This host's name and this process's id, e.g. `web-3-4711`. */
function defaultMachineName(): string {
  let host = "machine";
  try {
    host = Deno.hostname().replace(/[^\x21-\x7e]/g, "-");
  } catch {
    // Without --allow-sys the pid alone must do.
  }
  return `${host}-${Deno.pid}`;
}

/**
 * Runs one job on the pool: a `map()` chunk as one batch, a single task
 * alone; the job's timeout and the caller's abort both stop it.
 */
async function runJob(
  pool: WorkerPool,
  job: Job<JobData>,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const task = job.name;
  const { input, inputs, timeoutMs } = job.data ?? {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let taskSignal = signal;
  if (timeoutMs !== undefined) {
    const timeout = new AbortController();
    timer = setTimeout(
      () =>
        timeout.abort(
          new DOMException(
            `Cannot finish task '${task}': it timed out after ${timeoutMs} ms`,
            "TimeoutError",
          ),
        ),
      timeoutMs,
    );
    taskSignal = signal === undefined
      ? timeout.signal
      : AbortSignal.any([signal, timeout.signal]);
  }
  try {
    return Array.isArray(inputs)
      ? await pool.map(task, inputs, {
        chunkSize: Math.max(1, inputs.length),
        signal: taskSignal,
      })
      : await pool.run(task, input, { signal: taskSignal });
  } finally {
    clearTimeout(timer);
  }
}
