/**
 * Test-only worker for the tests of `lib/sync/`: wraps the shared primitives it is
 * sent and runs one task on them, then posts `{ ok: true }` or
 * `{ ok: false, error }` back.
 *
 * @module
 */

import { Barrier } from "../barrier.ts";
import { Mutex } from "../mutex.ts";
import { Semaphore } from "../semaphore.ts";
import { SharedCounter } from "../shared_counter.ts";

/** A task for this worker; every offset is a byte offset into `buffer`. */
export type SharedTask =
  | {
    task: "atomic" | "racy";
    buffer: SharedArrayBuffer;
    counter: number;
    n: number;
    gate: number;
  }
  | {
    task: "mutex";
    buffer: SharedArrayBuffer;
    counter: number;
    mutex: number;
    n: number;
    gate: number;
  }
  | { task: "hold"; buffer: SharedArrayBuffer; mutex: number; flag: number }
  | {
    task: "semaphore";
    buffer: SharedArrayBuffer;
    semaphore: number;
    current: number;
    max: number;
    n: number;
  }
  | {
    task: "barrier";
    buffer: SharedArrayBuffer;
    barrier: number;
    rounds: number;
    arrivals: number;
    violations: number;
    leaders: number;
  };

function cell(buffer: SharedArrayBuffer, byteOffset: number): Int32Array {
  return new Int32Array(buffer, byteOffset, 1);
}

// Every loop worker first reports ready, then blocks on the gate until the
// test opens it, so that both workers really run their loops at once.
function passGate(buffer: SharedArrayBuffer, gate: number): void {
  const view = cell(buffer, gate);
  Atomics.add(view, 0, 1);
  Atomics.notify(view, 0);
  while (Atomics.load(view, 0) >= 0) {
    Atomics.wait(view, 0, Atomics.load(view, 0), 1000);
  }
}

function run(message: SharedTask): void {
  switch (message.task) {
    case "atomic": {
      const counter = new SharedCounter(message.buffer, message.counter);
      passGate(message.buffer, message.gate);
      for (let i = 0; i < message.n; i++) counter.incrementAtomic();
      return;
    }
    case "racy": {
      const counter = new SharedCounter(message.buffer, message.counter);
      passGate(message.buffer, message.gate);
      for (let i = 0; i < message.n; i++) counter.incrementRacy();
      return;
    }
    case "mutex": {
      const counter = new SharedCounter(message.buffer, message.counter);
      const mutex = new Mutex(message.buffer, message.mutex);
      passGate(message.buffer, message.gate);
      for (let i = 0; i < message.n; i++) {
        using _lock = mutex.acquire({ timeoutMs: 10_000 });
        counter.incrementRacy();
      }
      return;
    }
    case "hold": {
      const mutex = new Mutex(message.buffer, message.mutex);
      mutex.acquire();
      const flag = cell(message.buffer, message.flag);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      return;
    }
    case "semaphore": {
      const semaphore = new Semaphore(message.buffer, message.semaphore);
      const current = cell(message.buffer, message.current);
      const max = cell(message.buffer, message.max);
      for (let i = 0; i < message.n; i++) {
        using _permit = semaphore.acquire({ timeoutMs: 10_000 });
        const inside = Atomics.add(current, 0, 1) + 1;
        for (let seen = Atomics.load(max, 0); inside > seen;) {
          const swapped = Atomics.compareExchange(max, 0, seen, inside);
          if (swapped === seen) break;
          seen = swapped;
        }
        Atomics.sub(current, 0, 1);
      }
      return;
    }
    case "barrier": {
      const barrier = new Barrier(message.buffer, message.barrier);
      const arrivals = new Int32Array(
        message.buffer,
        message.arrivals,
        message.rounds,
      );
      const violations = cell(message.buffer, message.violations);
      const leaders = cell(message.buffer, message.leaders);
      for (let round = 0; round < message.rounds; round++) {
        Atomics.add(arrivals, round, 1);
        if (barrier.wait({ timeoutMs: 10_000 })) Atomics.add(leaders, 0, 1);
        // Everyone let through must see every party of this round arrived.
        if (Atomics.load(arrivals, round) !== barrier.parties) {
          Atomics.add(violations, 0, 1);
        }
      }
      return;
    }
  }
}

// Typed by hand: this module is type-checked together with main-thread code,
// whose globals are the window's, not a worker's.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<SharedTask>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  try {
    run(event.data);
    scope.postMessage({ ok: true });
  } catch (error) {
    scope.postMessage({ ok: false, error: String(error) });
  }
};
