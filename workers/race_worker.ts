/**
 * The worker of `counterRace` (notebook 03): increments one counter in
 * shared memory, with the same `counter[0]++` as the notebook's racers,
 * with `Atomics.add`, or with `counter[0]++` under the toolkit's `Mutex`.
 * Each job gets one reply: `{ ok: true, ms }`, the milliseconds its loop
 * took, or `{ ok: false, message }`.
 *
 * @module
 */

import { Mutex } from "../lib/sync/mutex.ts";

/** A job for this worker; the offsets are byte offsets into `buffer`. */
export interface RaceJob {
  method: "plain" | "atomic" | "mutex";
  buffer: SharedArrayBuffer;
  /** Where the counter is. */
  counter: number;
  /** Where the mutex is (for `"mutex"`). */
  mutex: number;
  /** Where the start-line count is. */
  gate: number;
  /** Workers in the race. */
  workers: number;
  /** Increments this worker makes. */
  increments: number;
  /** Increments between two start lines. */
  chunk: number;
}

/** This worker's answer to a {@linkcode RaceJob}. */
export type RaceReply = { ok: true; ms: number } | {
  ok: false;
  message: string;
};

// A start line between the racing workers only (the main thread takes no
// part, so it cannot steal a core at the wrong moment): each worker counts
// itself in, then spins until every worker has arrived `round + 1` times.
// Spinning, not sleeping: waking from Atomics.wait takes longer than a chunk.
function startLine(gate: Int32Array, workers: number, round: number): void {
  Atomics.add(gate, 0, 1);
  while (Atomics.load(gate, 0) < workers * (round + 1)) {
    // spin
  }
}

function race(job: RaceJob): number {
  const counter = new Int32Array(job.buffer, job.counter, 1);
  const gate = new Int32Array(job.buffer, job.gate, 1);
  const mutex = new Mutex(job.buffer, job.mutex);
  let started = 0;
  // Every chunk starts at the same instant in every worker, so the loops
  // overlap even when the OS scheduled one worker late.
  for (let done = 0, round = 0; done < job.increments; round++) {
    startLine(gate, job.workers, round);
    if (round === 0) started = performance.now();
    const n = Math.min(job.chunk, job.increments - done);
    if (job.method === "plain") {
      for (let i = 0; i < n; i++) counter[0]++;
    } else if (job.method === "atomic") {
      for (let i = 0; i < n; i++) Atomics.add(counter, 0, 1);
    } else {
      for (let i = 0; i < n; i++) {
        using _held = mutex.acquire({ timeoutMs: 10_000 });
        counter[0]++;
      }
    }
    done += n;
  }
  return performance.now() - started;
}

// Typed by hand: `deno check` types this file with the main thread's globals.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<RaceJob>) => void) | null;
  postMessage(reply: RaceReply): void;
};

scope.onmessage = (event) => {
  try {
    scope.postMessage({ ok: true, ms: race(event.data) });
  } catch (error) {
    scope.postMessage({ ok: false, message: String(error) });
  }
};
