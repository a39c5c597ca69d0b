/**
 * The contenders of the pool overhead comparison, each able to run the
 * `noop` task: the raw postMessage floor, `WorkerPool.run`, `WorkerPool.map`
 * and piscina. Internal: `pool_throughput.ts` and `pool_throughput_bench.ts` share it.
 *
 * @module
 */

import { Piscina } from "piscina";
import {
  deserializeError,
  type HelloMessage,
  type ReplyMessage,
  type TaskRequest,
  type TasksMessage,
} from "../pools/_messages.ts";
import { WorkerPool } from "../pools/worker_pool.ts";

/** Who is measured. */
export type ContenderName =
  | "raw postMessage"
  | "WorkerPool.run"
  | "WorkerPool.map"
  | "piscina.run";

/** A started, warmed-up contender. */
export interface Contender {
  /** Runs `count` `noop` tasks, all in flight at once. */
  runMany(count: number): Promise<unknown[]>;
  /** Runs one `noop` task. */
  runOne(): Promise<unknown>;
  /** Stops its workers. */
  close(): Promise<void>;
}

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);
const PISCINA_NOOP = new URL("../../workers/piscina_noop.ts", import.meta.url);

/**
 * Starts `name` with `workers` workers and runs a first round on it, so
 * that what is timed next is neither start-up nor a cold JIT.
 */
export async function startContender(
  name: ContenderName,
  workers: number,
): Promise<Contender> {
  const contender = name === "raw postMessage"
    ? await startRawPostMessage(workers)
    : name === "piscina.run"
    ? startPiscina(workers)
    : startWorkerPool(workers, name === "WorkerPool.map");
  try {
    await contender.runMany(workers * 100);
    for (let i = 0; i < 20; i++) await contender.runOne();
  } catch (error) {
    await contender.close();
    throw error;
  }
  return contender;
}

function startWorkerPool(workers: number, map: boolean): Contender {
  const pool = new WorkerPool(TASKS, { size: workers });
  return {
    runMany(count) {
      if (map) return pool.map("noop", new Array(count).fill(undefined));
      const tasks = new Array(count);
      for (let i = 0; i < count; i++) tasks[i] = pool.run("noop");
      return Promise.all(tasks);
    },
    runOne: () => pool.run("noop"),
    close: () => pool.close(),
  };
}

function startPiscina(workers: number): Contender {
  const pool = new Piscina({
    filename: PISCINA_NOOP.href,
    minThreads: workers,
    maxThreads: workers,
  });
  return {
    runMany(count) {
      const tasks = new Array(count);
      for (let i = 0; i < count; i++) tasks[i] = pool.run(undefined);
      return Promise.all(tasks);
    },
    runOne: () => pool.run(undefined),
    close: () => pool.destroy(),
  };
}

/**
 * The floor: round-robin `postMessage`, one message per task each way, over
 * the same workers and protocol as `WorkerPool`, with no queue, no
 * timeouts, no fault handling and any number of tasks in flight.
 */
async function startRawPostMessage(workers: number): Promise<Contender> {
  const pending = new Map<number, PromiseWithResolvers<unknown>>();
  const started: Promise<void>[] = [];
  const all: Worker[] = [];
  for (let i = 0; i < workers; i++) {
    const worker = new Worker(TASKS, { type: "module" });
    const ready = Promise.withResolvers<void>();
    worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
      const message = event.data;
      if (message.kind === "ready") ready.resolve();
      else if (message.kind === "results") {
        for (const result of message.results) {
          const task = pending.get(result.id)!;
          pending.delete(result.id);
          if (result.ok) task.resolve(result.value);
          else task.reject(deserializeError(result.error));
        }
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      ready.reject(new Error(`Cannot start worker: ${event.message}`));
    };
    worker.postMessage(
      {
        kind: "hello",
        started: new Int32Array(new SharedArrayBuffer(4)),
      } satisfies HelloMessage,
    );
    started.push(ready.promise);
    all.push(worker);
  }
  const close = () => {
    for (const worker of all) worker.terminate();
    return Promise.resolve();
  };
  try {
    await Promise.all(started);
  } catch (error) {
    await close();
    throw error;
  }
  let nextId = 1;
  let nextWorker = 0;
  const runOne = () => {
    const request: TaskRequest = {
      id: nextId++,
      task: "noop",
      input: undefined,
      batch: false,
    };
    const task = Promise.withResolvers<unknown>();
    pending.set(request.id, task);
    all[nextWorker].postMessage(
      {
        kind: "tasks",
        requests: [request],
        answerEach: false,
      } satisfies TasksMessage,
    );
    nextWorker = (nextWorker + 1) % all.length;
    return task.promise;
  };
  return {
    runMany(count) {
      const tasks = new Array(count);
      for (let i = 0; i < count; i++) tasks[i] = runOne();
      return Promise.all(tasks);
    },
    runOne,
    close,
  };
}
