/**
 * The experiments of notebook 11 (beyond one machine), also run by
 * `deno task bench`: the same task module served by a {@linkcode QueuePool}
 * (a BullMQ queue on Redis, machines as processes) beside a
 * {@linkcode WorkerPool} and a {@linkcode ProcessPool}.
 *
 * - {@linkcode machineSpeedup}: the prime count of notebook 04 on 1, 2 and 4
 *   machines, beside workers and processes.
 * - {@linkcode hopCost}: the price of the hop, one tiny task's round trip
 *   and the cost per task with many in flight, through a worker message, a
 *   pipe and the queue.
 * - {@linkcode whenDistributionPays}: tasks of growing size through the
 *   queue and through workers, on the same number of slots.
 * - {@linkcode killRecovery}: a machine killed mid-job (SIGKILL), the time
 *   until its job runs elsewhere against `lockDuration`, and every result
 *   back exactly once.
 *
 * Every experiment shares one Redis: `REDIS_URL` when set, else a private
 * `redis-server` it starts and stops. Machines are local processes.
 *
 * @module
 */

import { Queue, QueueEvents } from "bullmq";
import { barChart, type Figure, lineChart, logAxes } from "../display/plot.ts";
import { median, timeIt } from "../measure/time_it.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { QueuePool } from "../pools/queue_pool.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
import { redisConnection } from "../pools/redis_connection.ts";
import { type RedisServer, startRedisServer } from "../pools/redis_server.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import { TASKS_MODULE } from "../workloads/tasks_module.ts";
import { countPrimes, splitRange } from "../workloads/workloads.ts";

/** Called with the steps done and the steps in all. */
export type OnProgress = (done: number, total: number) => void;

/**
 * Runs `body` with the URL of a Redis: `REDIS_URL` when set, else a private
 * server started for it and stopped afterwards.
 */
async function withRedis<T>(body: (url: string) => Promise<T>): Promise<T> {
  const external = Deno.env.get("REDIS_URL") || undefined;
  let server: RedisServer | undefined;
  try {
    if (external === undefined) server = await startRedisServer();
    return await body(external ?? server!.url);
  } finally {
    await server?.close();
  }
}

/** A queue name of its own for each pool, so no two share jobs. */
function queueName(purpose: string): string {
  return `course-${purpose}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Options of {@linkcode machineSpeedup}. */
export interface MachineSpeedupOptions {
  /**
   * The machine counts to run, each machine running one job at a time.
   *
   * @default {[1, 2, 4]}
   */
  machines?: number[];
  /**
   * Chunks the range is split into: one task, and one job, per chunk.
   *
   * @default {16}
   */
  chunks?: number;
  /**
   * Workers in the WorkerPool and children in the ProcessPool.
   *
   * @default {navigator.hardwareConcurrency}
   */
  parallelism?: number;
  /**
   * Measured runs per mode, after one warm-up run.
   *
   * @default {3}
   */
  repeats?: number;
  /**
   * Told of progress.
   *
   * @default {undefined}
   */
  onProgress?: OnProgress;
}

/** One mode of {@linkcode machineSpeedup}. */
export interface MachineSpeedupRow {
  /** How the chunks ran: sequential, workers, processes or `N machines`. */
  mode: string;
  /** Machines, workers or processes that ran them (1 for sequential). */
  units: number;
  /** Primes found: equal in every mode. */
  primes: number;
  /** Every measured run, in milliseconds. */
  samplesMs: number[];
  /** The median run, in milliseconds. */
  medianMs: number;
  /** The sequential median divided by this one. */
  speedup: number;
}

/** Anything with a pool's `run()`. */
interface Runs {
  run<T>(task: string, input?: unknown): Promise<T>;
}

/** The primes of every chunk, one `run()` per chunk, all in flight. */
async function countOn(
  pool: Runs,
  inputs: { start: number; end: number }[],
): Promise<number> {
  const counts = await Promise.all(
    inputs.map((input) => pool.run<number>("countPrimes", input)),
  );
  return counts.reduce((total, primes) => total + primes, 0);
}

/**
 * Counts the primes below `limit` in chunks, each chunk one `run()` (and,
 * through the queue, one job): sequentially, on a WorkerPool and a
 * ProcessPool (one worker or child per core, as in notebook 04), and
 * through QueuePools served by 1, 2 and 4 machines (one job at a time
 * each). Every pool and machine is started first; each mode is warmed up
 * once; then the modes take turns, one run each per round, so that the
 * host's other load falls on every mode alike.
 *
 * @param limit Count primes in `[0, limit)`, a positive integer.
 * @param options Machine counts, chunks, parallelism, repeats, progress.
 * @returns One row per mode: sequential, workers, processes, then each
 *   machine count.
 * @throws {RangeError} When a count is not a positive integer.
 * @throws {Error} When a mode disagrees on the number of primes.
 *
 * @example
 * ```ts
 * import { machineSpeedup } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const rows = await machineSpeedup(1_000, { machines: [1], repeats: 1, chunks: 2 });
 * assert.deepEqual(rows.map((row) => [row.mode, row.primes]), [
 *   ["sequential", 168], ["workers", 168], ["processes", 168], ["1 machine", 168],
 * ]);
 * ```
 */
export async function machineSpeedup(
  limit: number,
  options: MachineSpeedupOptions = {},
): Promise<MachineSpeedupRow[]> {
  const cores = navigator.hardwareConcurrency;
  const {
    machines = [1, 2, 4],
    chunks = 16,
    parallelism = cores,
    repeats = 3,
    onProgress,
  } = options;
  const where = "Cannot run the machine speedup experiment";
  assertInteger(where, "limit", limit);
  assertInteger(where, "chunks", chunks);
  assertInteger(where, "parallelism", parallelism);
  assertInteger(where, "repeats", repeats);
  for (const count of machines) assertInteger(where, "machines", count);
  const inputs = splitRange(0, limit, Math.ceil(limit / chunks))
    .map(([start, end]) => ({ start, end }));
  const steps = 1 + repeats;
  onProgress?.(0, steps);
  return await withRedis(async (redisUrl) => {
    await using workers = new WorkerPool(TASKS_MODULE, {
      size: parallelism,
      idleTimeoutMs: Infinity,
    });
    await using processes = new ProcessPool(TASKS_MODULE, {
      size: parallelism,
      idleTimeoutMs: Infinity,
    });
    const queues = machines.map((count) =>
      new QueuePool(TASKS_MODULE, {
        redisUrl,
        queue: queueName(`speedup-${count}`),
        machineStderr: "null",
      })
    );
    try {
      await Promise.all(
        queues.map((queue, i) => queue.addMachines(machines[i])),
      );
      const modes = [
        {
          mode: "sequential",
          units: 1,
          count: () =>
            Promise.resolve(inputs.reduce(
              (total, { start, end }) => total + countPrimes(start, end),
              0,
            )),
        },
        {
          mode: "workers",
          units: parallelism,
          count: () => countOn(workers, inputs),
        },
        {
          mode: "processes",
          units: parallelism,
          count: () => countOn(processes, inputs),
        },
        ...machines.map((count, i) => ({
          mode: count === 1 ? "1 machine" : `${count} machines`,
          units: count,
          count: () => countOn(queues[i], inputs),
        })),
      ];
      const primes = await modes[0].count();
      for (const { mode, count } of modes) {
        const found = await count();
        if (found !== primes) {
          throw new Error(
            `Machine speedup experiment disagrees: ${mode} found ${found} primes, sequential found ${primes}`,
          );
        }
      }
      onProgress?.(1, steps);
      const samples: number[][] = modes.map(() => []);
      for (let round = 0; round < repeats; round++) {
        for (let turn = 0; turn < modes.length; turn++) {
          const i = (round + turn) % modes.length;
          const timing = await timeIt(modes[i].count, {
            warmup: 0,
            repeats: 1,
          });
          samples[i].push(timing.samplesMs[0]);
        }
        onProgress?.(2 + round, steps);
      }
      const sequentialMs = median(samples[0]);
      return modes.map(({ mode, units }, i) => ({
        mode,
        units,
        primes,
        samplesMs: samples[i],
        medianMs: median(samples[i]),
        speedup: sequentialMs / median(samples[i]),
      }));
    } finally {
      await Promise.all(queues.map((queue) => queue.close()));
    }
  });
}

/** Options of {@linkcode hopCost}. */
export interface HopCostOptions {
  /**
   * Tiny tasks awaited one after another, per sample of the round trip.
   *
   * @default {200}
   */
  rounds?: number;
  /**
   * Tiny tasks all in flight at once, per sample of the cost per task.
   *
   * @default {2000}
   */
  tasks?: number;
  /**
   * Samples of each, per carrier; the carriers take turns.
   *
   * @default {3}
   */
  repeats?: number;
  /**
   * Told of progress.
   *
   * @default {undefined}
   */
  onProgress?: OnProgress;
}

/** What carries a task to where it runs, in {@linkcode hopCost}. */
export type HopCarrier =
  | "worker message (WorkerPool)"
  | "pipe (ProcessPool)"
  | "Redis queue (QueuePool)";

/** One carrier's price in {@linkcode hopCost}. */
export interface HopCostRow {
  /** What carried the task. */
  carrier: HopCarrier;
  /** Microseconds per awaited `noop` task, one value per sample. */
  roundTripSamplesUs: number[];
  /** The median of `roundTripSamplesUs`. */
  roundTripUs: number;
  /** Microseconds per `noop` task with `tasks` in flight, per sample. */
  perTaskSamplesUs: number[];
  /** The median of `perTaskSamplesUs`. */
  perTaskUs: number;
}

/**
 * The price of the hop: a `noop` task's round trip (awaited one at a time)
 * and its cost with many in flight (`run()` each), through one Worker, one
 * child process and one machine behind the queue. Every carrier is warm
 * before timing.
 *
 * @param options Rounds, tasks, repeats, progress.
 * @returns One row per carrier: worker message, pipe, Redis queue.
 * @throws {RangeError} When a count is not a positive integer.
 *
 * @example
 * ```ts
 * import { hopCost } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const rows = await hopCost({ rounds: 5, tasks: 10, repeats: 1 });
 * assert.equal(rows.length, 3);
 * assert.ok(rows.every((row) => row.roundTripUs > 0 && row.perTaskUs > 0));
 * ```
 */
export async function hopCost(
  options: HopCostOptions = {},
): Promise<HopCostRow[]> {
  const { rounds = 200, tasks = 2_000, repeats = 3, onProgress } = options;
  const where = "Cannot measure the price of the hop";
  assertInteger(where, "rounds", rounds);
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "repeats", repeats);
  return await withRedis(async (redisUrl) => {
    await using workers = new WorkerPool(TASKS_MODULE, {
      size: 1,
      idleTimeoutMs: Infinity,
    });
    await using processes = new ProcessPool(TASKS_MODULE, {
      size: 1,
      idleTimeoutMs: Infinity,
    });
    await using queue = new QueuePool(TASKS_MODULE, {
      redisUrl,
      queue: queueName("hop"),
      machineStderr: "null",
    });
    await queue.addMachine();
    const carriers: [HopCarrier, (task: string) => Promise<unknown>][] = [
      ["worker message (WorkerPool)", (task) => workers.run(task)],
      ["pipe (ProcessPool)", (task) => processes.run(task)],
      ["Redis queue (QueuePool)", (task) => queue.run(task)],
    ];
    const roundTrips: number[][] = carriers.map(() => []);
    const perTask: number[][] = carriers.map(() => []);
    for (const [, run] of carriers) await run("noop");
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (let turn = 0; turn < carriers.length; turn++) {
        const i = (repeat + turn) % carriers.length;
        const run = carriers[i][1];
        let began = performance.now();
        for (let round = 0; round < rounds; round++) await run("noop");
        roundTrips[i].push((performance.now() - began) * 1000 / rounds);
        began = performance.now();
        await Promise.all(Array.from({ length: tasks }, () => run("noop")));
        perTask[i].push((performance.now() - began) * 1000 / tasks);
      }
      onProgress?.(repeat + 1, repeats);
    }
    return carriers.map(([carrier], i) => ({
      carrier,
      roundTripSamplesUs: roundTrips[i],
      roundTripUs: median(roundTrips[i]),
      perTaskSamplesUs: perTask[i],
      perTaskUs: median(perTask[i]),
    }));
  });
}

/** Options of {@linkcode whenDistributionPays}. */
export interface DistributionOptions {
  /**
   * Task sizes to try: milliseconds of CPU work (`busyLoop`) per task.
   *
   * @default {[0.1, 1, 5, 20, 100]}
   */
  taskSizesMs?: number[];
  /**
   * Workers in the WorkerPool, and machines (one job at a time each) behind
   * the queue: the same number of slots on both sides.
   *
   * @default {navigator.hardwareConcurrency}
   */
  slots?: number;
  /**
   * About how much work, in milliseconds, each slot gets per size; the task
   * count follows (at least 4 tasks a slot, at most 2000 tasks).
   *
   * @default {400}
   */
  workPerSlotMs?: number;
  /**
   * Measured runs per size and pool, after one warm-up run; the pools take
   * turns.
   *
   * @default {1}
   */
  repeats?: number;
  /**
   * Told of progress.
   *
   * @default {undefined}
   */
  onProgress?: OnProgress;
}

/** One task size in {@linkcode whenDistributionPays}. */
export interface DistributionRow {
  /** CPU work per task, in milliseconds. */
  taskMs: number;
  /** Tasks run, on each pool. */
  tasks: number;
  /** Median time for all of them on the WorkerPool, in milliseconds. */
  workersMs: number;
  /** Median time for all of them through the queue, in milliseconds. */
  queueMs: number;
  /**
   * `workersMs / queueMs`: the share of the workers' speed the queue keeps
   * on the same slots; 1 when its overhead stops mattering.
   */
  queueShare: number;
  /**
   * The queue's extra time per task and slot, in milliseconds:
   * `(queueMs - workersMs) * slots / tasks`.
   */
  overheadPerTaskMs: number;
}

/**
 * When distribution pays: tasks of each size run on a WorkerPool and through
 * a QueuePool with the same number of slots on this one host, each task its
 * own `run()`. With equal slots, the queue can only be slower; how much
 * slower, as tasks grow, is what its overhead costs, and so how large a task
 * must be before more machines (more slots) can win.
 *
 * @param options Sizes, slots, work per slot, repeats, progress.
 * @returns One row per task size, in the order given.
 * @throws {RangeError} When a size is not a positive number or a count not a
 *   positive integer.
 *
 * @example
 * ```ts
 * import { whenDistributionPays } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const rows = await whenDistributionPays({ taskSizesMs: [1], slots: 1, workPerSlotMs: 8 });
 * assert.equal(rows[0].tasks, 8);
 * assert.ok(rows[0].queueShare > 0);
 * ```
 */
export async function whenDistributionPays(
  options: DistributionOptions = {},
): Promise<DistributionRow[]> {
  const {
    taskSizesMs = [0.1, 1, 5, 20, 100],
    slots = navigator.hardwareConcurrency,
    workPerSlotMs = 400,
    repeats = 1,
    onProgress,
  } = options;
  const where = "Cannot measure when distribution pays";
  for (const size of taskSizesMs) {
    assertMilliseconds(where, "taskSizesMs", size);
  }
  assertInteger(where, "slots", slots);
  assertInteger(where, "workPerSlotMs", workPerSlotMs);
  assertInteger(where, "repeats", repeats);
  return await withRedis(async (redisUrl) => {
    await using workers = new WorkerPool(TASKS_MODULE, {
      size: slots,
      idleTimeoutMs: Infinity,
    });
    await using queue = new QueuePool(TASKS_MODULE, {
      redisUrl,
      queue: queueName("pays"),
      machineStderr: "null",
    });
    await queue.addMachines(slots);
    const pools = [workers, queue];
    const rows: DistributionRow[] = [];
    for (const [step, taskMs] of taskSizesMs.entries()) {
      const tasks = Math.min(
        2_000,
        Math.max(4 * slots, Math.round(workPerSlotMs * slots / taskMs)),
      );
      const runAll = (pool: (typeof pools)[number]) => () =>
        Promise.all(
          Array.from({ length: tasks }, () => pool.run("busyLoop", taskMs)),
        );
      for (const pool of pools) await runAll(pool)();
      const samples: number[][] = [[], []];
      for (let repeat = 0; repeat < repeats; repeat++) {
        for (let turn = 0; turn < 2; turn++) {
          const i = (repeat + turn) % 2;
          const timing = await timeIt(runAll(pools[i]), {
            warmup: 0,
            repeats: 1,
          });
          samples[i].push(timing.samplesMs[0]);
        }
      }
      const workersMs = median(samples[0]);
      const queueMs = median(samples[1]);
      rows.push({
        taskMs,
        tasks,
        workersMs,
        queueMs,
        queueShare: workersMs / queueMs,
        overheadPerTaskMs: (queueMs - workersMs) * slots / tasks,
      });
      onProgress?.(step + 1, taskSizesMs.length);
    }
    return rows;
  });
}

/** Options of {@linkcode killRecovery}. */
export interface KillRecoveryOptions {
  /**
   * The lock durations to try, in milliseconds; each gets its own pool
   * whose machines check for expired locks as often (BullMQ's default
   * relation: both 30 s).
   *
   * @default {[1000, 2000, 4000]}
   */
  lockDurationsMs?: number[];
  /**
   * Tasks per try: `echoAfter` tasks that each wait `taskMs` and return
   * their index.
   *
   * @default {12}
   */
  tasks?: number;
  /**
   * How long each task takes, in milliseconds (a wait, no CPU).
   *
   * @default {200}
   */
  taskMs?: number;
  /**
   * Told of progress.
   *
   * @default {undefined}
   */
  onProgress?: OnProgress;
}

/** One try of {@linkcode killRecovery}. */
export interface KillRecoveryRow {
  /** BullMQ's `lockDuration` on both machines, in milliseconds. */
  lockDurationMs: number;
  /** BullMQ's `stalledInterval` on both machines, in milliseconds. */
  stalledIntervalMs: number;
  /** The pid of the machine killed with SIGKILL. */
  killedPid: number;
  /**
   * The job that was running on the killed machine (an active job whose
   * `processedBy` names it); `undefined` when it was between jobs.
   */
  lostJob: string | undefined;
  /** From the kill to BullMQ's `stalled` event for that job, in ms. */
  stalledAfterMs: number | undefined;
  /** From the kill to the job running again on the other machine, in ms. */
  rerunAfterMs: number | undefined;
  /** Tasks sent. */
  tasks: number;
  /** Results received: one per task, each its own index. */
  results: number;
  /**
   * Tasks that failed instead: on a host too busy for the lock duration, a
   * living machine misses a renewal, its job stalls a second time and
   * BullMQ fails it ("job stalled more than allowable limit").
   */
  failed: number;
  /** The first failure's message, when a task failed. */
  failure: string | undefined;
  /** Whether every task's result arrived exactly once and was right. */
  exactlyOnce: boolean;
  /**
   * Stalled jobs the pool counted: 1 for the lost job, more when a living
   * machine missed a renewal (a host too busy for the lock duration).
   */
  stalledJobs: number;
}

/**
 * A machine killed mid-job: for each lock duration, two machines share a
 * map of `echoAfter` tasks (one job each); once two tasks are done, one
 * machine gets SIGKILL. Its running job stays "active" until its lock
 * expires; the other machine's stalled-job check then returns it to the
 * queue and runs it. A `QueueEvents` listener times the `stalled` and
 * `active` events; the tasks' outcomes show whether every one came back
 * exactly once.
 *
 * @param options Lock durations, tasks, task length, progress.
 * @returns One row per lock duration.
 * @throws {RangeError} When a count or duration is not a positive integer.
 *
 * @example
 * ```ts
 * import { killRecovery } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const [row] = await killRecovery({ lockDurationsMs: [1000], tasks: 6 });
 * assert.equal(row.exactlyOnce, true);
 * ```
 */
export async function killRecovery(
  options: KillRecoveryOptions = {},
): Promise<KillRecoveryRow[]> {
  const {
    lockDurationsMs = [1_000, 2_000, 4_000],
    tasks = 12,
    taskMs = 200,
    onProgress,
  } = options;
  const where = "Cannot measure recovery from a killed machine";
  for (const lock of lockDurationsMs) {
    assertInteger(where, "lockDurationsMs", lock);
  }
  assertInteger(where, "tasks", tasks);
  assertInteger(where, "taskMs", taskMs);
  return await withRedis(async (redisUrl) => {
    const rows: KillRecoveryRow[] = [];
    for (const [step, lockDurationMs] of lockDurationsMs.entries()) {
      rows.push(await killOnce(redisUrl, lockDurationMs, tasks, taskMs));
      onProgress?.(step + 1, lockDurationsMs.length);
    }
    return rows;
  });
}

async function killOnce(
  redisUrl: string,
  lockDurationMs: number,
  tasks: number,
  taskMs: number,
): Promise<KillRecoveryRow> {
  const name = queueName("kill");
  await using pool = new QueuePool(TASKS_MODULE, {
    redisUrl,
    queue: name,
    lockDurationMs,
    machineStderr: "null",
  });
  const [victim] = await pool.addMachines(2);
  // The queue as any client sees it: its jobs, and their events, timed.
  const connection = redisConnection(redisUrl);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  try {
    await events.waitUntilReady();
    const seen: { event: string; jobId: string; at: number }[] = [];
    const twoDone = Promise.withResolvers<void>();
    for (const event of ["active", "stalled", "completed"] as const) {
      events.on(event, ({ jobId }: { jobId: string }) => {
        seen.push({ event, jobId, at: performance.now() });
        if (seen.filter((e) => e.event === "completed").length === 2) {
          twoDone.resolve();
        }
      });
    }
    const inputs = Array.from({ length: tasks }, (_, i) => ({
      value: i,
      ms: taskMs,
    }));
    // One job per task, as a map with chunkSize 1, but each task's outcome
    // kept: a failure is a finding here, not a reason to stop.
    const settled = Promise.allSettled(
      inputs.map((input) => pool.run<number>("echoAfter", input)),
    );
    await twoDone.promise;
    const killedAt = performance.now();
    victim.kill("SIGKILL");
    await victim.status;
    // The job the dead machine held stays active, still marked as its.
    const lost = (await queue.getActive()).find((job) =>
      job.processedBy === victim.name
    );
    const outcomes = await settled;
    const failures = outcomes.filter((outcome) =>
      outcome.status === "rejected"
    );
    const after = (event: string) =>
      seen.find((e) =>
        e.event === event && e.jobId === lost?.id && e.at > killedAt
      );
    const stalled = after("stalled");
    const rerun = after("active");
    return {
      lockDurationMs,
      stalledIntervalMs: lockDurationMs,
      killedPid: victim.pid,
      lostJob: lost?.id,
      stalledAfterMs: stalled && stalled.at - killedAt,
      rerunAfterMs: rerun && rerun.at - killedAt,
      tasks,
      results: tasks - failures.length,
      failed: failures.length,
      failure: failures.length === 0 ? undefined : String(
        (failures[0] as PromiseRejectedResult).reason?.message ??
          (failures[0] as PromiseRejectedResult).reason,
      ),
      exactlyOnce: outcomes.every((outcome, i) =>
        outcome.status === "fulfilled" && outcome.value === i
      ),
      stalledJobs: pool.stats().stalled,
    };
  } finally {
    await events.close();
    await queue.close();
  }
}

/**
 * The speedup chart of {@linkcode machineSpeedup}: one bar per mode, with
 * the "no speedup" line.
 *
 * @param rows What {@linkcode machineSpeedup} returned.
 * @param limit The prime limit, for the title.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { speedupFigure } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const row = { mode: "1 machine", units: 1, primes: 25, samplesMs: [2], medianMs: 2, speedup: 1 };
 * assert.equal(speedupFigure([row], 100).data[0].type, "bar");
 * ```
 */
export function speedupFigure(
  rows: readonly MachineSpeedupRow[],
  limit: number,
): Figure {
  return barChart([{
    name: "speedup",
    x: rows.map((row) => row.mode),
    y: rows.map((row) => row.speedup),
  }], {
    title: `Counting primes below ${
      limit.toLocaleString("en")
    }: workers, processes, machines`,
    xTitle: "how the chunks ran",
    yTitle: "speedup over sequential (×)",
    referenceLine: { y: 1, label: "no speedup" },
    caption:
      `Machines here share this host's ${navigator.hardwareConcurrency} cores with the workers and processes: past one machine per core they can only queue, and each job pays the queue's round trip.`,
  });
}

/**
 * The chart of {@linkcode hopCost}: round trip and cost per task of each
 * carrier, on a log scale.
 *
 * @param rows What {@linkcode hopCost} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { hopFigure } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const row = { carrier: "pipe (ProcessPool)" as const, roundTripSamplesUs: [40], roundTripUs: 40, perTaskSamplesUs: [5], perTaskUs: 5 };
 * assert.equal(hopFigure([row]).data.length, 2);
 * ```
 */
export function hopFigure(rows: readonly HopCostRow[]): Figure {
  return logAxes(
    barChart([
      {
        name: "round trip, one task at a time",
        x: rows.map((row) => row.carrier),
        y: rows.map((row) => row.roundTripUs),
      },
      {
        name: "cost per task, many in flight",
        x: rows.map((row) => row.carrier),
        y: rows.map((row) => row.perTaskUs),
      },
    ], {
      title: "The price of the hop: one tiny task through each carrier",
      xTitle: "carrier",
      yTitle: "time per task (µs, log scale)",
      caption:
        "Each step right adds a hop: a thread, then a process, then a network server and the machine's own bookkeeping; with many tasks in flight the pools batch them, the queue does not.",
    }),
    ["y"],
  );
}

/**
 * The chart of {@linkcode whenDistributionPays}: the share of the workers'
 * speed the queue keeps on the same slots, by task size.
 *
 * @param rows What {@linkcode whenDistributionPays} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { paysFigure } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const row = { taskMs: 1, tasks: 8, workersMs: 4, queueMs: 8, queueShare: 0.5, overheadPerTaskMs: 1 };
 * assert.deepEqual(paysFigure([row]).data[0].y, [0.5]);
 * ```
 */
export function paysFigure(rows: readonly DistributionRow[]): Figure {
  return logAxes(
    lineChart([{
      name: "queue / workers, same slots",
      x: rows.map((row) => row.taskMs),
      y: rows.map((row) => row.queueShare),
    }], {
      title: "When distribution pays: the queue's share of the workers' speed",
      xTitle: "CPU work per task (ms, log scale)",
      yTitle: "workers' time / queue's time (ratio)",
      referenceLine: { y: 1, label: "overhead no longer matters" },
      caption:
        "Small tasks drown in the queue's per-task cost; once a task is long beside it, the line nears 1 and more machines, with more cores, can only add speed.",
    }),
    ["x"],
  );
}

/**
 * The chart of {@linkcode killRecovery}: the time from the kill until the
 * lost job runs again, against the lock duration.
 *
 * @param rows What {@linkcode killRecovery} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { recoveryFigure } from "./beyond_one_machine.ts";
 * import assert from "node:assert/strict";
 * const row = {
 *   lockDurationMs: 500, stalledIntervalMs: 500, killedPid: 1, lostJob: "a-1",
 *   stalledAfterMs: 600, rerunAfterMs: 610, tasks: 6, results: 6, failed: 0,
 *   failure: undefined, exactlyOnce: true, stalledJobs: 1,
 * };
 * assert.deepEqual(recoveryFigure([row]).data[0].y, [610]);
 * ```
 */
export function recoveryFigure(rows: readonly KillRecoveryRow[]): Figure {
  const measured = rows.filter((row) => row.rerunAfterMs !== undefined);
  return lineChart([
    {
      name: "kill → job running again",
      x: measured.map((row) => row.lockDurationMs),
      y: measured.map((row) => row.rerunAfterMs!),
    },
    {
      name: "lockDuration",
      x: rows.map((row) => row.lockDurationMs),
      y: rows.map((row) => row.lockDurationMs),
    },
  ], {
    title: "A machine killed mid-job: how long until its job runs elsewhere",
    xTitle: "lockDuration (ms)",
    yTitle: "time from the kill (ms)",
    caption:
      "The job waits for its lock to expire (renewed every half lockDuration, so within one lockDuration of the kill), then for the next stalled-job check of a surviving machine.",
  });
}
