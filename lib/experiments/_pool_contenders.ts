/**
 * The contenders of the pool comparisons: the raw postMessage floor,
 * `WorkerPool.run`, `WorkerPool.map`, and the npm pools piscina, tinypool,
 * workerpool and poolifier-web-worker, each started, warmed up and run the
 * same way. Internal: `pool_throughput.ts` and `pool_throughput_bench.ts`
 * share it.
 *
 * @module
 */

import { Piscina } from "piscina";
import { FixedThreadPool } from "poolifier-web-worker";
import { Tinypool } from "tinypool";
import workerpool from "workerpool";
import {
  deserializeError,
  type HelloMessage,
  type ReplyMessage,
  type SerializedError,
  type TasksMessage,
} from "../pools/_messages.ts";
import { WorkerPool } from "../pools/worker_pool.ts";

/** Our contenders and the floor, which run any task of `workers/tasks.ts`. */
export type OwnContender =
  | "raw postMessage"
  | "WorkerPool.run"
  | "WorkerPool.map";

/** Pools from npm, which run `noop` only. */
export type PeerContender =
  | "piscina.run"
  | "tinypool.run"
  | "tinypool.run (useAtomics: false)"
  | "workerpool.exec"
  | "poolifier-web-worker.execute";

/** Who is measured. */
export type ContenderName = OwnContender | PeerContender;

/** Every pool from npm, in the order they are shown. */
export const PEERS: readonly PeerContender[] = [
  "piscina.run",
  "tinypool.run",
  "tinypool.run (useAtomics: false)",
  "workerpool.exec",
  "poolifier-web-worker.execute",
];

/** A started, warmed-up contender. */
export interface Contender {
  /** Runs its task once per input, all in flight at once. */
  runMany(inputs: unknown[]): Promise<unknown[]>;
  /** Runs its task once. */
  runOne(input: unknown): Promise<unknown>;
  /** Stops its workers. */
  close(): Promise<void>;
}

/** A contender that could not run here, and why. */
export class ContenderUnavailable extends Error {
  constructor(readonly contender: ContenderName, reason: string) {
    super(`${contender} cannot run here: ${reason}`);
    this.name = "ContenderUnavailable";
  }
}

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);
const PEER_NOOP = new URL("../../workers/peer_noop.ts", import.meta.url);
const WORKERPOOL_NOOP = new URL(
  "../../workers/workerpool_noop.ts",
  import.meta.url,
);
const POOLIFIER_NOOP = new URL(
  "../../workers/poolifier_noop.ts",
  import.meta.url,
);

/**
 * Starts `name` with `workers` workers on `task` (peers: `noop` only) and
 * runs a first round on it, so that what is timed next is neither start-up
 * nor a cold JIT. A pool from npm whose first round has not settled within
 * `timeoutMs` is closed and reported unavailable: a pool that hangs under
 * Deno must not hang the bench. (Ours get no such allowance: a hang of
 * theirs is a failure, not a reason to leave them out.)
 *
 * @throws {ContenderUnavailable} When it fails to start or to answer.
 */
export async function startContender(
  name: ContenderName,
  workers: number,
  task: "noop" | "stringifyRecords" = "noop",
  warmUpInput: unknown = undefined,
  timeoutMs = 10_000,
): Promise<Contender> {
  const isPeer = (PEERS as readonly string[]).includes(name);
  if (task !== "noop" && isPeer) {
    throw new ContenderUnavailable(name, `it has no '${task}' task here`);
  }
  let contender: Contender | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const started = (async () => {
      contender = await start(name, workers, task);
      await contender.runMany(new Array(workers * 100).fill(warmUpInput));
      // One task at a time until both threads' JIT has compiled that path
      // too: 2 000 round trips, or 200 ms of them for slower tasks (after 20,
      // a fresh pool's round trip was still a few percent slow).
      const until = performance.now() + 200;
      for (let i = 0; i < 2_000 && performance.now() < until; i++) {
        await contender.runOne(warmUpInput);
      }
    })();
    const timedOut = new Promise<never>((_, reject) => {
      if (!isPeer) return;
      timer = setTimeout(
        () =>
          reject(
            new ContenderUnavailable(
              name,
              `its first ${
                workers * 100
              } tasks had not settled after ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
    });
    // Settled either way, so a late failure is not left unhandled.
    started.catch(() => {});
    await Promise.race([started, timedOut]);
    return contender!;
  } catch (error) {
    await contender?.close().catch(() => {});
    throw error instanceof ContenderUnavailable || !isPeer
      ? error
      : new ContenderUnavailable(
        name,
        error instanceof Error ? error.message : String(error),
      );
  } finally {
    clearTimeout(timer);
  }
}

function start(
  name: ContenderName,
  workers: number,
  task: string,
): Contender | Promise<Contender> {
  switch (name) {
    case "raw postMessage":
      return startRawPostMessage(workers, task);
    case "WorkerPool.run":
    case "WorkerPool.map":
      return startWorkerPool(workers, task, name === "WorkerPool.map");
    case "piscina.run": {
      const pool = new Piscina({
        filename: PEER_NOOP.href,
        minThreads: workers,
        maxThreads: workers,
      });
      return peer((input) => pool.run(input), () => pool.destroy());
    }
    case "tinypool.run":
    case "tinypool.run (useAtomics: false)": {
      const pool = new Tinypool({
        filename: PEER_NOOP.href,
        minThreads: workers,
        maxThreads: workers,
        useAtomics: name === "tinypool.run",
      });
      return peer((input) => pool.run(input), () => pool.destroy());
    }
    case "workerpool.exec": {
      const pool = workerpool.pool(WORKERPOOL_NOOP.pathname, {
        minWorkers: workers,
        maxWorkers: workers,
      });
      return peer(
        () => pool.exec("noop", []),
        () => pool.terminate(true).then(() => {}),
      );
    }
    case "poolifier-web-worker.execute": {
      const pool = new FixedThreadPool(workers, POOLIFIER_NOOP);
      return peer((input) => pool.execute(input), () => pool.destroy());
    }
  }
}

/** A contender from a pool's one-task call and its close. */
function peer(
  run: (input: unknown) => Promise<unknown>,
  close: () => Promise<void>,
): Contender {
  return {
    runMany(inputs) {
      const tasks = new Array(inputs.length);
      for (let i = 0; i < inputs.length; i++) tasks[i] = run(inputs[i]);
      return Promise.all(tasks);
    },
    runOne: run,
    close,
  };
}

function startWorkerPool(
  workers: number,
  task: string,
  map: boolean,
): Contender {
  const pool = new WorkerPool(TASKS, { size: workers });
  const contender = peer((input) => pool.run(task, input), () => pool.close());
  if (map) contender.runMany = (inputs) => pool.map(task, inputs);
  return contender;
}

/**
 * The floor: round-robin `postMessage`, one message per task each way, over
 * the same workers and protocol as `WorkerPool`, with no queue, no
 * timeouts, no fault handling and any number of tasks in flight.
 */
async function startRawPostMessage(
  workers: number,
  task: string,
): Promise<Contender> {
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
        const { first, ids, values, failed } = message;
        for (let i = 0; i < values.length; i++) {
          const id = ids?.[i] ?? first + i;
          const task = pending.get(id)!;
          pending.delete(id);
          if (failed?.includes(i)) {
            task.reject(deserializeError(values[i] as SerializedError));
          } else task.resolve(values[i]);
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
        concurrency: 1,
        answerEach: false,
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
  return peer((input) => {
    const id = nextId++;
    const answer = Promise.withResolvers<unknown>();
    pending.set(id, answer);
    all[nextWorker].postMessage(
      {
        kind: "tasks",
        first: id,
        task,
        inputs: [input],
        batch: false,
      } satisfies TasksMessage,
    );
    nextWorker = (nextWorker + 1) % all.length;
    return answer.promise;
  }, close);
}
