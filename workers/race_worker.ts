/**
 * Worker entry point for `lib/experiments/races_and_locks.ts`: increments a counter in
 * shared memory, plainly, atomically or under a mutex; runs a
 * read-sleep-write critical section; or takes two mutexes in a given order
 * to provoke a deadlock. Each message gets one reply:
 * `{ ok: true, value }` or `{ ok: false, name, message }`.
 *
 * @module
 */

import { Barrier } from "../lib/sync/barrier.ts";
import { Mutex } from "../lib/sync/mutex.ts";
import { SharedCounter } from "../lib/sync/shared_counter.ts";

/** A job for this worker; every offset is a byte offset into `buffer`. */
export type RaceJob =
  | {
    job: "increment";
    method: "plain" | "atomic" | "mutex";
    buffer: SharedArrayBuffer;
    counter: number;
    mutex: number;
    gate: number;
    workers: number;
    increments: number;
    chunk: number;
  }
  | {
    job: "readSleepWrite";
    locked: boolean;
    buffer: SharedArrayBuffer;
    counter: number;
    mutex: number;
    gate: number;
    workers: number;
    increments: number;
    sleepMs: number;
  }
  | {
    job: "lockPair";
    buffer: SharedArrayBuffer;
    first: number;
    second: number;
    barrier: number;
    holdMs: number;
    timeoutMs: number;
  };

// A spinning barrier between the loop workers only (the main thread takes no
// part, so it cannot steal a core at the wrong moment): each worker counts
// itself in, then spins until all `workers` have arrived `round + 1` times.
// Spinning, not sleeping: waking from Atomics.wait takes longer than a chunk.
function syncUp(gate: Int32Array, workers: number, round: number): void {
  Atomics.add(gate, 0, 1);
  const target = workers * (round + 1);
  while (Atomics.load(gate, 0) < target) {
    // spin
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs one job.
 *
 * @returns Milliseconds the job's loop or locking took.
 */
async function run(message: RaceJob): Promise<number> {
  switch (message.job) {
    case "increment": {
      const counter = new SharedCounter(message.buffer, message.counter);
      const mutex = new Mutex(message.buffer, message.mutex);
      const gate = new Int32Array(message.buffer, message.gate, 1);
      const { method, increments, chunk, workers } = message;
      let started = 0;
      // Every chunk starts at the same instant in every worker, so the loops
      // overlap even when the OS scheduled one worker late.
      for (let done = 0, round = 0; done < increments; round++) {
        syncUp(gate, workers, round);
        if (round === 0) started = performance.now();
        const n = Math.min(chunk, increments - done);
        if (method === "plain") {
          for (let i = 0; i < n; i++) counter.incrementRacy();
        } else if (method === "atomic") {
          for (let i = 0; i < n; i++) counter.incrementAtomic();
        } else {
          for (let i = 0; i < n; i++) {
            using _lock = mutex.acquire({ timeoutMs: 10_000 });
            counter.incrementRacy();
          }
        }
        done += n;
      }
      return performance.now() - started;
    }
    case "readSleepWrite": {
      const view = new Int32Array(message.buffer, message.counter, 1);
      const mutex = new Mutex(message.buffer, message.mutex);
      syncUp(
        new Int32Array(message.buffer, message.gate, 1),
        message.workers,
        0,
      );
      const started = performance.now();
      for (let i = 0; i < message.increments; i++) {
        using _lock = message.locked
          ? await mutex.acquireAsync({ timeoutMs: 10_000 })
          : undefined;
        const seen = Atomics.load(view, 0);
        await sleep(message.sleepMs);
        Atomics.store(view, 0, seen + 1);
      }
      return performance.now() - started;
    }
    case "lockPair": {
      const first = new Mutex(message.buffer, message.first);
      const second = new Mutex(message.buffer, message.second);
      const barrier = new Barrier(message.buffer, message.barrier);
      const started = performance.now();
      using _first = first.acquire({ timeoutMs: message.timeoutMs });
      // Both workers hold their first lock before either asks for its second.
      barrier.wait({ timeoutMs: message.timeoutMs });
      Atomics.wait(
        new Int32Array(new SharedArrayBuffer(4)),
        0,
        0,
        message.holdMs,
      );
      let failure: Error | undefined;
      try {
        using _second = second.acquire({ timeoutMs: message.timeoutMs });
      } catch (error) {
        failure = error as Error;
      }
      const elapsedMs = performance.now() - started;
      // Neither lets go of its first lock until both have finished trying
      // for the second, so a timeout in one does not rescue the other.
      barrier.wait({ timeoutMs: message.timeoutMs * 2 });
      if (failure) throw Object.assign(failure, { elapsedMs });
      return elapsedMs;
    }
  }
}

// Typed by hand: this module is type-checked together with main-thread code,
// whose globals are the window's, not a worker's.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<RaceJob>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async (event) => {
  const started = performance.now();
  try {
    scope.postMessage({ ok: true, value: await run(event.data) });
  } catch (error) {
    const { name, message, elapsedMs = performance.now() - started } = error as
      & Error
      & { elapsedMs?: number };
    scope.postMessage({ ok: false, name, message, elapsedMs });
  }
};
