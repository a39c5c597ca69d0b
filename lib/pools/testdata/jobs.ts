/**
 * Jobs for the unit tests of the pool core's parts (`_task_queue.ts`,
 * `_runner_slot.ts`): records as `PoolCore.submit()` makes them, waiting.
 *
 * @module
 */

import { type Job, QUEUED } from "../_pool_types.ts";

/** A waiting job of task `echo` on `input`, with `signal` if given. */
export function fakeJob(input: unknown, signal?: AbortSignal): Job {
  return {
    task: "echo",
    input,
    batch: false,
    transfer: undefined,
    signal,
    onAbort: undefined,
    resolve() {},
    reject() {},
    state: QUEUED,
    slot: undefined,
    seq: 0,
    group: undefined,
    timer: undefined,
  };
}

/** Waiting jobs, one for each of `inputs`. */
export function fakeJobs(inputs: unknown[]): Job[] {
  return inputs.map((input) => fakeJob(input));
}

/** The inputs of `jobs`, to compare with the expected order. */
export function inputsOf(jobs: readonly (Job | undefined)[]): unknown[] {
  return jobs.map((job) => job?.input);
}
