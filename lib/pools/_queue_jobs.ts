/**
 * What a queue pool and its machines agree on: the queue's default name,
 * what a job carries, and the channel on which callers cancel running jobs.
 * Internal: only `queue_pool.ts`, `machine.ts` and `local_machine.ts` use it.
 *
 * @module
 */

/** The queue a pool and a machine use when not told otherwise. */
export const DEFAULT_QUEUE = "course";

/**
 * A job's data; the job's name is the task's. One input for `run()`, or a
 * chunk of inputs (a `map()` chunk) answered with the array of results.
 */
export interface JobData {
  /** The task's input, for one task. */
  input?: unknown;
  /** The inputs of a chunk; when present, `input` is ignored. */
  inputs?: unknown[];
  /**
   * Longest the task may run, in milliseconds, counted from when a machine
   * starts it; the machine enforces it.
   */
  timeoutMs?: number;
}

/**
 * The Redis pub/sub channel on which a pool publishes the id of a job its
 * caller aborted, so the machine running it cancels it: BullMQ cancels a
 * job only in the process that runs it.
 *
 * @param queue The queue's name.
 * @returns The channel's name.
 */
export function cancelChannel(queue: string): string {
  return `bull:${queue}:cancel`;
}

/**
 * The start of the line a machine prints once it serves the queue.
 *
 * @example
 * ```ts
 * import { MACHINE_READY } from "./_queue_jobs.ts";
 * import assert from "node:assert/strict";
 * assert.ok("machine ready: queue 'course', concurrency 1".startsWith(MACHINE_READY));
 * ```
 */
export const MACHINE_READY = "machine ready";

/**
 * Throws unless `name` can name a BullMQ queue.
 *
 * @param where What was being done.
 * @param name The queue's name.
 * @throws {TypeError} When it is not a non-empty string without `:`.
 */
export function checkQueueName(where: string, name: unknown): void {
  if (typeof name !== "string" || name.length === 0 || name.includes(":")) {
    throw new TypeError(
      `${where}: 'queue' must be a non-empty string without ':', received ${
        JSON.stringify(name)
      }`,
    );
  }
}
