/**
 * Workers, the basics, measured: one worker's life (create, message, join,
 * terminate), a task that throws inside a pool, and N workers draining one
 * queue of M items with a record of who handled what, and when.
 *
 * @module
 */

import type {
  QueueWorkerReply,
  QueueWorkerRequest,
} from "../../workers/queue_worker.ts";
import type { Figure } from "../display/plot.ts";
import { lineChart } from "../display/plot.ts";
import { TASKS_MODULE } from "../workloads/tasks_module.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
import { seededRandom, sleep } from "../workloads/workloads.ts";

import { assertInteger, assertMilliseconds } from "../util/validate.ts";

const QUEUE_WORKER = new URL("../../workers/queue_worker.ts", import.meta.url);

/** The knobs of the workers notebook, checked by {@linkcode validateQueueParameters}. */
export interface QueueParameters {
  /** Workers draining the queue, a positive integer. */
  workers: number;
  /** Items in the queue, a positive integer. */
  items: number;
  /** Mean time one item takes, a positive number of milliseconds. */
  itemMs: number;
  /** Seed of the item lengths, an integer. */
  seed: number;
}

function checkQueue(parameters: QueueParameters): void {
  const where = "Invalid parameter";
  assertInteger(where, "workers", parameters.workers);
  assertInteger(where, "items", parameters.items);
  assertMilliseconds(where, "itemMs", parameters.itemMs);
  assertInteger(where, "seed", parameters.seed, {
    min: Number.MIN_SAFE_INTEGER,
  });
}

/**
 * Checks the workers notebook's parameters.
 *
 * @param parameters The knobs, as set in the notebook's parameters cell.
 * @returns The same parameters, once checked.
 * @throws {RangeError} Naming the first bad value.
 *
 * @example
 * ```ts
 * import { validateQueueParameters } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const ok = { workers: 5, items: 10, itemMs: 100, seed: 1 };
 * assert.equal(validateQueueParameters(ok), ok);
 * assert.throws(
 *   () => validateQueueParameters({ ...ok, workers: 0 }),
 *   /'workers' must be a positive integer, received 0/,
 * );
 * ```
 */
export function validateQueueParameters<T extends QueueParameters>(
  parameters: T,
): T {
  checkQueue(parameters);
  return parameters;
}

/** One step of a worker's life, timed from the main thread. */
export interface LifecycleStep {
  /** What was done. */
  step: string;
  /** How long it took, in milliseconds. */
  ms: number;
  /** What came back. */
  result: string;
}

function nextReply(
  worker: Worker,
  timeoutMs: number,
): Promise<QueueWorkerReply | undefined> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      clearTimeout(timer);
      worker.removeEventListener("message", onMessage);
      worker.removeEventListener("error", onError);
    };
    const timer = setTimeout(() => {
      stop();
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (event: MessageEvent<QueueWorkerReply>) => {
      stop();
      resolve(event.data);
    };
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      stop();
      reject(new Error(`The worker failed: ${event.message}`));
    };
    worker.addEventListener("message", onMessage);
    worker.addEventListener("error", onError);
  });
}

/**
 * One worker's life with plain `new Worker()` and `postMessage`: create it,
 * ask whether it is ready and await the answer, send a message and await the echo (twice: the
 * first message can pay for lazy set-up in the worker), hand it a job
 * of `jobMs` and await its completion (the "join"), terminate it, and show
 * that a terminated worker answers nothing.
 *
 * @param options How long the joined job sleeps, and how long to wait for
 *   an answer after termination, in milliseconds.
 * @returns The steps, in order, each with its time and result.
 * @throws {Error} When the worker does not start within 30 s.
 *
 * @example
 * ```ts
 * import { workerLifecycle } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const steps = await workerLifecycle({ jobMs: 50 });
 * assert.equal(steps.length, 7);
 * assert.equal(steps.at(-1)?.result, "no reply");
 * ```
 */
export async function workerLifecycle(
  options: { jobMs?: number; silenceMs?: number } = {},
): Promise<LifecycleStep[]> {
  const { jobMs = 200, silenceMs = 200 } = options;
  const steps: LifecycleStep[] = [];
  const send = (worker: Worker, request: QueueWorkerRequest) =>
    worker.postMessage(request);
  let started = performance.now();
  const worker = new Worker(QUEUE_WORKER, { type: "module" });
  const ready = nextReply(worker, 30_000);
  send(worker, { kind: "hello" });
  steps.push({
    step: "new Worker(...)",
    ms: performance.now() - started,
    result: "a Worker object (still loading)",
  });
  try {
    const first = await ready;
    if (first?.kind !== "ready") {
      throw new Error("The worker did not start within 30 s");
    }
    steps.push({
      step: "hello answered with 'ready' (since new Worker)",
      ms: performance.now() - started,
      result: "ready",
    });
    for (const which of ["first", "second"]) {
      started = performance.now();
      const echo = nextReply(worker, 10_000);
      send(worker, { kind: "echo", value: "hello" });
      const echoed = await echo;
      steps.push({
        step: `${which} postMessage + await the echo`,
        ms: performance.now() - started,
        result: JSON.stringify(echoed),
      });
    }
    started = performance.now();
    const done = nextReply(worker, 10_000 + jobMs);
    send(worker, { kind: "work", item: 0, ms: jobMs, spin: false });
    const joined = await done;
    steps.push({
      step: `join: a ${jobMs} ms job, awaited`,
      ms: performance.now() - started,
      result: JSON.stringify(joined),
    });
  } finally {
    started = performance.now();
    worker.terminate();
    steps.push({
      step: "terminate()",
      ms: performance.now() - started,
      result: "terminated",
    });
  }
  started = performance.now();
  const silence = nextReply(worker, silenceMs);
  send(worker, { kind: "echo", value: "anyone there?" });
  const after = await silence;
  steps.push({
    step: "postMessage after terminate",
    ms: performance.now() - started,
    result: after === undefined ? "no reply" : JSON.stringify(after),
  });
  return steps;
}

/** What a pool did when one of its tasks threw. */
export interface PoolErrorResult {
  /** The error the failing task's promise rejected with. */
  error: string;
  /** What the next task, on the same pool, returned. */
  next: unknown;
  /** The pool's counters afterwards. */
  completed: number;
  /** Tasks that rejected. */
  failed: number;
}

/**
 * A task that throws inside a one-worker {@linkcode WorkerPool}: its own
 * promise rejects with the worker's error, and the pool goes on serving the
 * next task.
 *
 * @param message The message the failing task throws.
 * @returns The error, the next task's result, and the pool's counters.
 *
 * @example
 * ```ts
 * import { poolErrorDemo } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const result = await poolErrorDemo("boom");
 * assert.equal(result.error, "Error: boom");
 * assert.equal(result.failed, 1);
 * ```
 */
export async function poolErrorDemo(
  message = "something went wrong in the worker",
): Promise<PoolErrorResult> {
  await using pool = new WorkerPool(TASKS_MODULE, { size: 1 });
  let error = "(no error)";
  try {
    await pool.run("throw", message);
  } catch (caught) {
    error = String(caught);
  }
  const next = await pool.run("echo", "still serving");
  const { completed, failed } = pool.stats();
  return { error, next, completed, failed };
}

/** Options of {@linkcode drainQueue}: {@linkcode QueueParameters} plus the kind of work. */
export interface DrainOptions extends QueueParameters {
  /**
   * Whether an item spins the CPU (`true`) or sleeps like I/O (`false`).
   * @default {false}
   */
  spin?: boolean;
}

/** Who handled one item, and when, in milliseconds since the drain began. */
export interface ItemRecord {
  /** The item, counted from 0 in queue order. */
  item: number;
  /** The worker that handled it, counted from 1. */
  worker: number;
  /** How long the item was meant to take. */
  plannedMs: number;
  /** When the main thread handed it to the worker. */
  startMs: number;
  /** When the main thread heard it was done. */
  endMs: number;
}

/** The result of {@linkcode drainQueue}. */
export interface DrainResult {
  /**
   * How long the workers took to start and answer a first message, before
   * the drain, in milliseconds.
   */
  startupMs: number;
  /** From the first hand-out to the last completion, in milliseconds. */
  totalMs: number;
  /** The sum of the planned item times: what one worker would need. */
  plannedTotalMs: number;
  /** One record per item, in the order they finished. */
  records: ItemRecord[];
}

/**
 * The planned length of each item: seeded, between half and one and a half
 * times `itemMs`.
 *
 * @param items How many items.
 * @param itemMs The mean length, in milliseconds.
 * @param seed The seed.
 * @returns One length per item, rounded to whole milliseconds.
 *
 * @example
 * ```ts
 * import { plannedItemMs } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const ms = plannedItemMs(10, 100, 1);
 * assert.deepEqual(ms, plannedItemMs(10, 100, 1));
 * assert.ok(ms.every((one) => one >= 50 && one <= 150));
 * ```
 */
export function plannedItemMs(
  items: number,
  itemMs: number,
  seed: number,
): number[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: items },
    () => Math.round(itemMs * (0.5 + random())),
  );
}

/**
 * N workers draining one queue of M items. The queue lives on the main
 * thread; each worker, when it is ready or has just finished, is handed the
 * next item, so a fast worker takes more items. All workers are started
 * and have answered one message before the clock starts, so the timeline
 * shows only the drain.
 *
 * @param options Workers, items, mean item time, seed, and the kind of work.
 * @returns The start-up time, the drain time, and one record per item.
 * @throws {RangeError} When a parameter is out of range.
 * @throws {Error} When a worker fails to start or dies.
 *
 * @example
 * ```ts
 * import { drainQueue } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const result = await drainQueue({ workers: 2, items: 4, itemMs: 20, seed: 1 });
 * assert.deepEqual(result.records.map((r) => r.item).sort(), [0, 1, 2, 3]);
 * assert.ok(result.records.every((r) => r.worker === 1 || r.worker === 2));
 * ```
 */
export async function drainQueue(options: DrainOptions): Promise<DrainResult> {
  checkQueue(options);
  const { workers: count, items, itemMs, seed, spin = false } = options;
  const planned = plannedItemMs(items, itemMs, seed);
  const setupStarted = performance.now();
  const workers = Array.from(
    { length: count },
    () => new Worker(QUEUE_WORKER, { type: "module" }),
  );
  try {
    const readies = await Promise.all(workers.map((worker) => {
      const ready = nextReply(worker, 60_000);
      worker.postMessage({ kind: "hello" } satisfies QueueWorkerRequest);
      return ready;
    }));
    if (readies.some((reply) => reply?.kind !== "ready")) {
      throw new Error("A worker did not start within 60 s");
    }
    // One round trip each, so no worker's first message pays for lazy set-up.
    await Promise.all(workers.map((worker) => {
      const echo = nextReply(worker, 60_000);
      worker.postMessage(
        { kind: "echo", value: 0 } satisfies QueueWorkerRequest,
      );
      return echo;
    }));
    const startupMs = performance.now() - setupStarted;
    const queue = planned.map((ms, item) => ({ item, ms }));
    const records: ItemRecord[] = [];
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const handOut = (worker: Worker, index: number) => {
        const next = queue.shift();
        if (next === undefined) return;
        const startMs = performance.now() - t0;
        worker.onmessage = (event: MessageEvent<QueueWorkerReply>) => {
          if (event.data.kind !== "done") return;
          records.push({
            item: next.item,
            worker: index + 1,
            plannedMs: next.ms,
            startMs,
            endMs: performance.now() - t0,
          });
          if (records.length === items) resolve();
          else handOut(worker, index);
        };
        worker.postMessage(
          {
            kind: "work",
            item: next.item,
            ms: next.ms,
            spin,
          } satisfies QueueWorkerRequest,
        );
      };
      workers.forEach((worker, index) => {
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(`Worker ${index + 1} failed: ${event.message}`));
        };
        handOut(worker, index);
      });
    });
    return {
      startupMs,
      totalMs: performance.now() - t0,
      plannedTotalMs: planned.reduce((sum, ms) => sum + ms, 0),
      records,
    };
  } finally {
    for (const worker of workers) worker.terminate();
    await sleep(0);
  }
}

/**
 * How many items each worker handled.
 *
 * @param result A drain's result.
 * @param workers How many workers took part.
 * @returns Counts, index 0 for worker 1.
 *
 * @example
 * ```ts
 * import { itemsPerWorker } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const records = [1, 2, 1].map((worker, item) =>
 *   ({ item, worker, plannedMs: 1, startMs: 0, endMs: 1 })
 * );
 * assert.deepEqual(
 *   itemsPerWorker({ startupMs: 0, totalMs: 1, plannedTotalMs: 3, records }, 2),
 *   [2, 1],
 * );
 * ```
 */
export function itemsPerWorker(result: DrainResult, workers: number): number[] {
  const counts = new Array<number>(workers).fill(0);
  for (const record of result.records) counts[record.worker - 1]++;
  return counts;
}

/**
 * A timeline of a drain: one row per worker, one thick segment per item from
 * hand-out to completion, labelled with the item number.
 *
 * @param result A drain's result.
 * @param caption What to notice.
 * @returns A plotly figure, for {@linkcode showFigure}.
 *
 * @example
 * ```ts
 * import { timelineFigure } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const records = [{ item: 0, worker: 1, plannedMs: 5, startMs: 0, endMs: 5 }];
 * const figure = timelineFigure(
 *   { startupMs: 0, totalMs: 5, plannedTotalMs: 5, records },
 *   "One item.",
 * );
 * assert.equal(figure.data.length, 1);
 * ```
 */
export function timelineFigure(result: DrainResult, caption: string): Figure {
  const sorted = [...result.records].sort((a, b) => a.item - b.item);
  const figure = lineChart(
    sorted.map((r) => ({
      name: `item ${r.item}`,
      x: [+r.startMs.toFixed(1), +r.endMs.toFixed(1)],
      y: [r.worker, r.worker],
    })),
    {
      title: "Who handled which item, and when",
      xTitle: "time since the drain began (ms)",
      yTitle: "worker (number)",
      caption,
    },
  );
  for (const trace of figure.data) {
    trace.mode = "lines+text";
    trace.line = { width: 14 };
    trace.text = [trace.name.replace("item ", ""), ""];
    trace.textposition = "top right";
    trace.hoverinfo = "name+x";
  }
  figure.layout.yaxis = {
    ...(figure.layout.yaxis as Record<string, unknown>),
    dtick: 1,
    rangemode: "normal",
  };
  figure.layout.showlegend = false;
  return figure;
}
