/**
 * Helpers of the synchronisation primitives' tests: start workers of
 * `shared_worker.ts`, run tasks on them, and wait on shared memory without
 * blocking the event loop.
 *
 * @module
 */

import { Mutex } from "../mutex.ts";
import { SharedCounter } from "../shared_counter.ts";
import type { SharedTask } from "./shared_worker.ts";

const WORKER_URL = new URL("./shared_worker.ts", import.meta.url);

// Workers are terminated in `finally` so the sanitizers see no leftovers even
// when an assertion fails.
export async function withWorkers(
  count: number,
  body: (workers: Worker[]) => Promise<void>,
): Promise<void> {
  const workers = Array.from(
    { length: count },
    () => new Worker(WORKER_URL, { type: "module" }),
  );
  try {
    await body(workers);
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

export function runTask(worker: Worker, task: SharedTask): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (
      event: MessageEvent<{ ok: boolean; error?: string }>,
    ) => {
      if (event.data.ok) resolve();
      else reject(new Error(`Worker task failed: ${event.data.error}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Worker crashed: ${event.message}`));
    };
    worker.postMessage(task);
  });
}

// Waits without blocking the event loop until `view[index]` reaches `target`.
export async function waitUntil(
  view: Int32Array,
  index: number,
  target: number,
): Promise<void> {
  const keepAlive = setInterval(() => {}, 0x7fffffff);
  try {
    for (;;) {
      const value = Atomics.load(view, index);
      if (value === target) return;
      const result = Atomics.waitAsync(view, index, value, 1000);
      if (result.async) await result.value;
    }
  } finally {
    clearInterval(keepAlive);
  }
}

// Holds loop workers until all are ready, so their loops really overlap.
export async function openGate(
  gate: Int32Array,
  workers: number,
): Promise<void> {
  await waitUntil(gate, 0, workers);
  Atomics.store(gate, 0, -1);
  Atomics.notify(gate, 0);
}

export async function incrementInWorkers(
  task: "atomic" | "racy" | "mutex",
  n: number,
): Promise<number> {
  const buffer = new SharedArrayBuffer(16);
  const counter = SharedCounter.create({ buffer, byteOffset: 0 });
  Mutex.create({ buffer, byteOffset: 4 });
  const gate = new Int32Array(buffer, 8, 1);
  let value = 0;
  await withWorkers(2, async (workers) => {
    const done = workers.map((worker) =>
      runTask(worker, { task, buffer, counter: 0, mutex: 4, gate: 8, n })
    );
    await openGate(gate, workers.length);
    await Promise.all(done);
    value = counter.value;
  });
  return value;
}
