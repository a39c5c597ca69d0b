/**
 * Cost of the pool's features: pipelined `noop` tasks through
 * `WorkerPool.run()` against a featureless pool that only round-robins
 * `postMessage` over the same workers and protocol. Run with
 * `deno bench --allow-all lib/pool_bench.ts`.
 *
 * @module
 */

import type { ReplyMessage } from "./_messages.ts";
import { WorkerPool } from "./worker_pool.ts";

const TASKS = new URL("../workers/tasks.ts", import.meta.url);
const SIZE = 4;
const TASK_COUNT = 2_000;

/** Round-robin postMessage, many tasks in flight per worker, no checks. */
class BarePool {
  #workers: Worker[] = [];
  #pending = new Map<number, (value: unknown) => void>();
  #next = 0;
  #nextId = 1;
  ready: Promise<unknown>;

  constructor(size: number) {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(TASKS, { type: "module" });
      const started = Promise.withResolvers<void>();
      worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
        const message = event.data;
        if (message.kind === "ready") started.resolve();
        else if (message.kind === "result") {
          this.#pending.get(message.id)!(message.ok ? message.value : null);
          this.#pending.delete(message.id);
        }
      };
      ready.push(started.promise);
      this.#workers.push(worker);
    }
    this.ready = Promise.all(ready);
  }

  run(task: string, input?: unknown): Promise<unknown> {
    const id = this.#nextId++;
    const { promise, resolve } = Promise.withResolvers<unknown>();
    this.#pending.set(id, resolve);
    const worker = this.#workers[this.#next];
    this.#next = (this.#next + 1) % this.#workers.length;
    worker.postMessage({ id, task, input, batch: false });
    return promise;
  }

  close(): void {
    for (const worker of this.#workers) worker.terminate();
  }
}

Deno.bench({
  name: `WorkerPool.run() x ${TASK_COUNT} noop, pipelined`,
  group: "noop",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn(b) {
    const pool = new WorkerPool(TASKS, { size: SIZE });
    await Promise.all(Array.from({ length: SIZE }, () => pool.run("noop")));
    b.start();
    const tasks = new Array(TASK_COUNT);
    for (let i = 0; i < TASK_COUNT; i++) tasks[i] = pool.run("noop");
    await Promise.all(tasks);
    b.end();
    await pool.close();
  },
});

Deno.bench({
  name: `WorkerPool.map() x ${TASK_COUNT} noop, batched`,
  group: "noop",
  n: 30,
  warmup: 3,
  async fn(b) {
    const pool = new WorkerPool(TASKS, { size: SIZE });
    await Promise.all(Array.from({ length: SIZE }, () => pool.run("noop")));
    const inputs = new Array(TASK_COUNT).fill(0);
    b.start();
    await pool.map("noop", inputs);
    b.end();
    await pool.close();
  },
});

Deno.bench({
  name: `bare round-robin postMessage x ${TASK_COUNT} noop`,
  group: "noop",
  n: 30,
  warmup: 3,
  async fn(b) {
    const pool = new BarePool(SIZE);
    await pool.ready;
    b.start();
    const tasks = new Array(TASK_COUNT);
    for (let i = 0; i < TASK_COUNT; i++) tasks[i] = pool.run("noop");
    await Promise.all(tasks);
    b.end();
    pool.close();
  },
});
