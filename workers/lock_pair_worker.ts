/**
 * The worker of notebook 03's deadlock: takes two of the toolkit's mutexes,
 * one after the other, each with a timeout, and answers what happened.
 *
 * With `meet` set, it waits at a barrier (for the other worker) once it holds
 * its first lock, so both hold one before either asks for its second, and
 * again before letting go, so that one worker's timeout cannot free the
 * other. The job's offsets are byte offsets into `shared`.
 *
 * @module
 */

import { Barrier } from "../lib/sync/barrier.ts";
import { Mutex } from "../lib/sync/mutex.ts";

// How long a worker waits at the barrier for the other to arrive: long, as
// the other may still be starting; the locks have their own timeout.
const MEET_TIMEOUT_MS = 30_000;

/** A job for this worker. */
export interface LockPairJob {
  shared: SharedArrayBuffer;
  /** Where the lock to take first is. */
  first: number;
  /** Where the lock to take second is. */
  second: number;
  /** Where the barrier is, used when `meet` is set. */
  barrier: number;
  /** Whether to meet the other worker at the barrier. */
  meet: boolean;
  /** How long to wait for each lock, in milliseconds. */
  timeoutMs: number;
}

/** What happened: `"got both"` or the error's name, and when. */
export interface LockPairReply {
  outcome: string;
  message: string;
  /** From the first request to success or giving up, in milliseconds. */
  ms: number;
}

function takeBoth(job: LockPairJob): LockPairReply {
  const { shared, timeoutMs } = job;
  const barrier = new Barrier(shared, job.barrier);
  const started = performance.now();
  using _first = new Mutex(shared, job.first).acquire({ timeoutMs });
  if (job.meet) barrier.wait({ timeoutMs: MEET_TIMEOUT_MS });
  let reply: LockPairReply;
  try {
    using _second = new Mutex(shared, job.second).acquire({ timeoutMs });
    reply = { outcome: "got both", message: "", ms: 0 };
  } catch (error) {
    const { name, message } = error as Error;
    reply = { outcome: name, message, ms: 0 };
  }
  reply.ms = performance.now() - started;
  if (job.meet) barrier.wait({ timeoutMs: MEET_TIMEOUT_MS });
  return reply;
}

// Typed by hand: `deno check` types this file with the main thread's globals.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<LockPairJob>) => void) | null;
  postMessage(reply: LockPairReply): void;
};

scope.onmessage = (event) => scope.postMessage(takeBoth(event.data));
