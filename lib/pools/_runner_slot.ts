/**
 * One of a pool's runner slots: its runner and the record of the tasks sent
 * to it, by sequence number, until they are answered: which message each
 * came in, which lanes they hold, which are running. Internal.
 *
 * @module
 */

import {
  CUT,
  DONE,
  type Group,
  type Job,
  type Runner,
  RUNNING,
} from "./_pool_types.ts";

// A runner not yet ready, ready, killed but not yet judged, or gone.
/** The runner has not said it is ready yet. */
export const STARTING = 0;
/** The runner takes tasks. */
export const READY = 1;
/** Killed, its tasks not yet judged: a child whose death is still to come. */
export const DYING = 2;
/** Gone, its tasks judged. */
export const DEAD = 3;

/**
 * A runner and the tasks sent to it. Each task sent gets the next sequence
 * number, which the runner's answers name it by; each message takes one of
 * the runner's `concurrency` lanes until all its tasks are answered, and
 * messages beyond those wait in the runner, sent ahead.
 */
export class RunnerSlot {
  /** Its place among the pool's slots. */
  readonly index: number;
  /** The worker or child process in the slot. */
  readonly runner: Runner;
  /** `STARTING`, `READY`, `DYING` or `DEAD`. */
  state: number = STARTING;
  /** In the free list. */
  free = false;
  /** Why the core killed it, for the tasks judged when it has died. */
  why = "";
  /** Tasks sent, from the first unanswered one's neighbourhood on. */
  #sent: Job[] = [];
  /** `seq` of `#sent[0]`. */
  #base = 0;
  /** Index in `#sent` at or before the first unanswered task. */
  #next = 0;
  /** `seq` the next task sent will get. */
  #seq = 0;
  /** Tasks sent and not answered. */
  #unanswered = 0;
  /** Messages sent with tasks not all answered. */
  #groups = 0;
  #concurrency: number;

  /** A slot for `runner`, which runs `concurrency` tasks at once. */
  constructor(index: number, runner: Runner, concurrency: number) {
    this.index = index;
    this.runner = runner;
    this.#concurrency = concurrency;
  }

  /** The sequence number the next task sent will get. */
  get seq(): number {
    return this.#seq;
  }

  /** Tasks sent and not answered. */
  get unanswered(): number {
    return this.#unanswered;
  }

  /** Messages sent with tasks not all answered. */
  get groups(): number {
    return this.#groups;
  }

  /** Lanes taken: the messages unanswered, up to `concurrency`. */
  get lanes(): number {
    return Math.min(this.#groups, this.#concurrency);
  }

  /** The task sent last; `undefined` once every task sent is answered. */
  get last(): Job | undefined {
    return this.#sent.at(-1);
  }

  /**
   * Records `jobs` as sent in one message, running, numbered from
   * {@linkcode RunnerSlot.prototype.seq}; says whether the message took a
   * lane (it did not when sent ahead).
   */
  record(jobs: Job[]): boolean {
    const group: Group = { unanswered: jobs.length };
    if (this.#sent.length === 0) this.#base = this.#seq;
    for (const job of jobs) {
      job.state = RUNNING;
      job.slot = this;
      job.seq = this.#seq++;
      job.group = group;
      this.#sent.push(job);
    }
    this.#unanswered += jobs.length;
    return ++this.#groups <= this.#concurrency;
  }

  /** The task sent as `seq`; `undefined` once forgotten. */
  job(seq: number): Job | undefined {
    return this.#sent[seq - this.#base];
  }

  /**
   * Counts the running `job` answered; says whether that freed a lane: it
   * was the last unanswered of its message.
   */
  answered(job: Job): boolean {
    this.#unanswered--;
    return --job.group!.unanswered === 0 &&
      this.#groups-- <= this.#concurrency;
  }

  /**
   * Moves past answered tasks; forgets them when all are. Says whether the
   * slot has just become idle: it had tasks and has none unanswered.
   */
  advance(): boolean {
    const sent = this.#sent;
    let next = this.#next;
    while (next < sent.length && sent[next].state === DONE) next++;
    if (this.#unanswered === 0) {
      this.#base += sent.length;
      this.#sent = [];
      this.#next = 0;
      return sent.length > 0;
    }
    if (next > 1024 && next * 2 > sent.length) {
      this.#base += next;
      this.#sent = sent.slice(next);
      this.#next = 0;
    } else this.#next = next;
    return false;
  }

  /**
   * Arms a `timeout` ms timer, calling `onTimeout`, for each running task
   * without one: the first `concurrency` unanswered ones.
   */
  startTimers(
    timeout: number,
    onTimeout: (job: Job, timeout: number) => void,
  ): void {
    const sent = this.#sent;
    let running = 0;
    for (
      let i = this.#next;
      i < sent.length && running < this.#concurrency;
      i++
    ) {
      const job = sent[i];
      if (job.state !== RUNNING) continue;
      running++;
      if (job.timer === undefined) {
        job.timer = setTimeout(() => onTimeout(job, timeout), timeout);
      }
    }
  }

  /**
   * The sequence number after the first `concurrency` unanswered tasks that
   * were running or cut (timed out or aborted): of a runner that answers
   * each task before it starts the next, only those can have started.
   * `Infinity` when there are fewer.
   */
  startedBefore(): number {
    const sent = this.#sent;
    let running = 0;
    for (let i = this.#next; i < sent.length; i++) {
      const state = sent[i].state;
      if (
        (state === RUNNING || state === CUT) &&
        ++running === this.#concurrency
      ) {
        return sent[i].seq + 1;
      }
    }
    return Infinity;
  }

  /**
   * Forgets every task sent; returns those still running (neither answered
   * nor cut), in the order they were sent.
   */
  forget(): Job[] {
    const running: Job[] = [];
    for (let i = this.#next; i < this.#sent.length; i++) {
      const job = this.#sent[i];
      if (job.state === RUNNING) running.push(job);
    }
    this.#unanswered = 0;
    this.#groups = 0;
    this.#base = this.#seq;
    this.#sent = [];
    this.#next = 0;
    return running;
  }
}
