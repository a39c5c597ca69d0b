/**
 * The queue of tasks waiting for a runner: first in, first out, with a
 * task aborted while it waits taken out in O(1) (left behind as a hole that
 * taking skips), tasks taken a group at a time, and the unstarted tasks of
 * a lost runner put back at the front. Internal.
 *
 * @module
 */

import { type Job, QUEUED } from "./_pool_types.ts";

/**
 * The waiting {@linkcode Job}s of a pool, in order. A job counts as waiting
 * while its `state` is {@linkcode QUEUED}; one that leaves that state while
 * in the queue (aborted) stays in the array as a hole, and
 * {@linkcode TaskQueue.prototype.remove} counts it out.
 */
export class TaskQueue {
  /**
   * The jobs not yet taken, from `#head` on (`undefined` before it), holes
   * among them.
   */
  #jobs: (Job | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** How many jobs wait: holes not counted. */
  get size(): number {
    return this.#size;
  }

  /** Adds the waiting `job` at the back. */
  push(job: Job): void {
    this.#jobs.push(job);
    this.#size++;
  }

  /**
   * Counts out a job of the queue that no longer waits: its caller has
   * already moved it out of {@linkcode QUEUED}. It stays in the array as a
   * hole, which taking skips.
   */
  remove(_job: Job): void {
    this.#size--;
  }

  /** The first job waiting, without taking it. */
  peek(): Job | undefined {
    for (let i = this.#head; i < this.#jobs.length; i++) {
      const job = this.#jobs[i];
      if (job !== undefined && job.state === QUEUED) return job;
    }
    return undefined;
  }

  /**
   * Takes up to `limit` waiting jobs from the front, in order, and a job
   * with a signal always alone, so that aborting it never stops a runner
   * that holds other tasks.
   */
  take(limit: number): Job[] {
    const group: Job[] = [];
    while (this.#size > 0 && group.length < limit) {
      const job = this.#jobs[this.#head];
      const waiting = job !== undefined && job.state === QUEUED;
      if (waiting && job.signal !== undefined && group.length > 0) break;
      this.#jobs[this.#head++] = undefined;
      if (this.#head > 1024 && this.#head * 2 > this.#jobs.length) {
        this.#jobs = this.#jobs.slice(this.#head);
        this.#head = 0;
      }
      if (!waiting) continue; // a hole left by an aborted task
      this.#size--;
      group.push(job);
      if (job.signal !== undefined) break;
    }
    return group;
  }

  /**
   * Puts `jobs`, waiting again (a lost runner had not started them), back
   * at the front, in their order, ahead of every job that waits.
   */
  putBack(jobs: Job[]): void {
    this.#jobs.splice(this.#head, 0, ...jobs);
    this.#size += jobs.length;
  }

  /** Empties the queue; returns the jobs that were waiting, in order. */
  drain(): Job[] {
    const waiting: Job[] = [];
    for (let i = this.#head; i < this.#jobs.length; i++) {
      const job = this.#jobs[i];
      if (job !== undefined && job.state === QUEUED) waiting.push(job);
    }
    this.#jobs = [];
    this.#head = 0;
    this.#size = 0;
    return waiting;
  }
}
