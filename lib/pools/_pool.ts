/**
 * The scheduling core shared by `WorkerPool` and `ProcessPool`: dispatch
 * (queued tiny tasks grouped into one message, one group sent ahead while a
 * backlog waits), timeouts, aborts, replacement of dead runners (the tasks
 * they had not started re-queued, never run twice), statistics and the
 * idle reaper. The pools only supply a way to spawn one runner. Internal.
 *
 * `PoolCore` ties together parts with one job each: the queue of waiting
 * tasks (`_task_queue.ts`), each runner's record of the tasks sent to it
 * (`_runner_slot.ts`), the estimate of a task's cost that sizes messages
 * (`_task_cost.ts`) and the idle reaper's clock (`_idle_timer.ts`); the
 * types they share are in `_pool_types.ts`.
 *
 * @module
 */

import {
  deserializeError,
  packTasks,
  type ReplyMessage,
  type ResultsMessage,
  type SerializedError,
} from "./_messages.ts";
import { IdleTimer } from "./_idle_timer.ts";
import { refuseTask } from "./_map_chunks.ts";
import {
  type CoreSettings,
  CUT,
  DONE,
  type Job,
  type PoolStats,
  QUEUED,
  RUNNING,
  type RunOptions,
} from "./_pool_types.ts";
import { DEAD, DYING, READY, RunnerSlot, STARTING } from "./_runner_slot.ts";
import { TaskCost } from "./_task_cost.ts";
import { TaskQueue } from "./_task_queue.ts";

export type {
  CoreSettings,
  PoolStats,
  Runner,
  RunnerEvents,
  RunnerSettings,
  RunOptions,
} from "./_pool_types.ts";

/** The shared pool machinery; see the module documentation. */
export class PoolCore {
  #settings: CoreSettings;
  #concurrency: number;
  #slots: (RunnerSlot | undefined)[];
  /** Ready runners with a free lane: fewer than `concurrency` groups. */
  #free: RunnerSlot[] = [];
  #live = 0;
  #starting = 0;
  /** Killed child runners whose tasks are judged when their death comes. */
  #dying = new Set<RunnerSlot>();
  #queue = new TaskQueue();
  /** Slots with tasks unanswered. */
  #busy = 0;
  /** Lanes taken: each slot's groups, up to `concurrency`. */
  #lanes = 0;
  #completed = 0;
  #failed = 0;
  #busyMs: number[];
  #cost = new TaskCost();
  #closed = false;
  #startError: Error | undefined;
  #idle: IdleTimer;
  #deaths: Promise<void>[] = [];

  /** Times out one of a slot's tasks; made once, for every timer. */
  #onTimeout = (job: Job, timeout: number): void => this.#timeOut(job, timeout);

  constructor(settings: CoreSettings) {
    this.#settings = settings;
    this.#concurrency = settings.concurrency;
    this.#slots = new Array(settings.size).fill(undefined);
    this.#busyMs = new Array(settings.size).fill(0);
    this.#idle = new IdleTimer(
      settings.idleTimeoutMs,
      () => this.#busy === 0 && this.#queue.size === 0,
      () => {
        for (const slot of this.#slots) {
          if (slot !== undefined) this.#kill(slot, "the pool was idle");
        }
      },
    );
  }

  /** Submits one task, or one batch of inputs when `batch` is set. */
  submit(
    task: string,
    input: unknown,
    options: RunOptions | undefined,
    batch: boolean,
  ): Promise<unknown> {
    const refused = refuseTask(task, this.#closed);
    if (refused !== undefined) return refused;
    if (this.#startError !== undefined) {
      return Promise.reject(this.#startError);
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.#free.at(-1);
    // Tasks that will start as soon as a runner is up are not "waiting".
    const capacity = this.#settings.size * this.#concurrency - this.#lanes;
    if (
      slot === undefined &&
      this.#queue.size >= this.#settings.maxQueue + capacity
    ) {
      return Promise.reject(
        new RangeError(
          `Cannot run task '${task}': the queue is full (maxQueue ${this.#settings.maxQueue}), received one task too many`,
        ),
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const job: Job = {
      task,
      input,
      batch,
      transfer: options?.transfer,
      signal,
      onAbort: undefined,
      resolve,
      reject,
      state: QUEUED,
      slot: undefined,
      seq: 0,
      group: undefined,
      timer: undefined,
    };
    if (signal !== undefined) {
      job.onAbort = () => this.#abort(job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    if (slot !== undefined) {
      this.#send(slot, [job]);
    } else {
      this.#queue.push(job);
      this.#grow();
      this.#sendAhead();
    }
    return promise;
  }

  /** Rejects queued and running tasks, then kills every runner. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#idle.stop();
      this.#rejectQueue(
        (job) =>
          new Error(
            `Cannot run task '${job.task}': the pool was closed before it started`,
          ),
      );
      for (const slot of this.#dying) this.#judge(slot, undefined);
      for (const slot of this.#slots) {
        if (slot !== undefined) {
          this.#kill(slot, "the pool was closed while it was running");
        }
      }
    }
    return Promise.all(this.#deaths).then(() => {});
  }

  /** A snapshot of the counters. */
  stats(): PoolStats {
    return {
      completed: this.#completed,
      failed: this.#failed,
      queued: this.#queue.size,
      busyMs: this.#busyMs.slice(),
    };
  }

  #grow(): void {
    while (
      this.#live < this.#settings.size && this.#starting < this.#queue.size
    ) {
      const index = this.#slots.indexOf(undefined);
      this.#live++;
      this.#starting++;
      let slot: RunnerSlot | undefined;
      try {
        const runner = this.#settings.spawn({
          message: (message) => this.#onMessage(slot!, message),
          death: (reason, started) => this.#onDeath(slot!, reason, started),
        }, {
          concurrency: this.#concurrency,
          answerEach: this.#settings.taskTimeoutMs !== undefined,
        });
        slot = new RunnerSlot(index, runner, this.#concurrency);
        this.#slots[index] = slot;
      } catch (error) {
        this.#live--;
        this.#starting--;
        this.#failStart(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }

  #onMessage(slot: RunnerSlot, message: ReplyMessage): void {
    if (slot.state === DEAD) return;
    if (message.kind === "results") {
      // The runner's own clock: time running tasks, not messages in transit.
      this.#busyMs[slot.index] += message.spentMs;
      this.#cost.add(message.spentMs, message.values.length);
      this.#onResults(slot, message);
    } else if (message.kind === "ready") {
      if (slot.state !== STARTING) return; // a second hello was answered
      slot.state = READY;
      this.#starting--;
      this.#fill(slot);
    } else if (slot.state === READY) {
      this.#kill(slot, this.#died("it closed itself"), false);
    }
  }

  #onResults(slot: RunnerSlot, message: ResultsMessage): void {
    const { first, ids, values, failed } = message;
    let nextFailed = 0;
    for (let i = 0; i < values.length; i++) {
      const ok = failed === undefined || failed[nextFailed] !== i;
      if (!ok) nextFailed++;
      const job = slot.job(ids === undefined ? first + i : ids[i]);
      // Settled already: timed out or aborted (and its runner killed).
      if (job === undefined || job.state !== RUNNING || job.slot !== slot) {
        continue;
      }
      if (slot.answered(job)) this.#lanes--;
      this.#settle(job);
      if (ok) {
        this.#completed++;
        job.resolve(values[i]);
      } else {
        this.#failed++;
        job.reject(deserializeError(values[i] as SerializedError));
      }
    }
    if (slot.advance()) this.#busy--;
    if (slot.state !== READY) return;
    this.#startTimers(slot);
    this.#fill(slot);
  }

  #onDeath(
    slot: RunnerSlot,
    reason: string,
    started: number | undefined,
  ): void {
    if (slot.state === STARTING) {
      this.#kill(slot, reason, true);
      this.#failStart(reason);
    } else if (slot.state === READY) {
      this.#kill(slot, this.#died(reason), true, started);
    } else if (slot.state === DYING) {
      this.#judge(slot, started);
      this.#afterLoss();
    }
  }

  #died(reason: string): string {
    return `the ${this.#settings.kind} running it died (${reason})`;
  }

  #failStart(reason: string): void {
    this.#startError ??= new Error(
      `Cannot start ${this.#settings.kind}: task module '${this.#settings.module}' failed to load (${reason})`,
    );
    const error = this.#startError;
    this.#rejectQueue(() => error);
  }

  #rejectQueue(errorFor: (job: Job) => Error): void {
    for (const job of this.#queue.drain()) {
      this.#settle(job);
      job.reject(errorFor(job));
    }
  }

  /**
   * Sends `group` to `slot`, which has a lane free or sends ahead, in one
   * message. When that fails, one input could not be sent: the tasks go one
   * by one, so only that one rejects.
   */
  #send(slot: RunnerSlot, group: Job[]): void {
    if (slot.unanswered === 0) this.#busy++;
    if (!this.#trySend(slot, group)) {
      for (const job of group) {
        const error = group.length === 1
          ? this.#sendError
          : this.#trySend(slot, [job])
          ? undefined
          : this.#sendError;
        if (error === undefined) continue;
        this.#settle(job);
        job.reject(
          new TypeError(
            `Cannot run task '${job.task}': the input could not be sent to the ${this.#settings.kind} (${
              error instanceof Error ? error.message : String(error)
            })`,
            { cause: error },
          ),
        );
      }
      if (slot.unanswered === 0) this.#busy--;
    }
    if (slot.free && slot.groups >= this.#concurrency) this.#unfree(slot);
    this.#startTimers(slot);
  }

  /** Takes `slot` off the free list. */
  #unfree(slot: RunnerSlot): void {
    this.#free.splice(this.#free.lastIndexOf(slot), 1);
    slot.free = false;
  }

  /** What the last failed `#trySend` threw. */
  #sendError: unknown;

  /** Sends `jobs` in one message; says whether that worked. */
  #trySend(slot: RunnerSlot, jobs: Job[]): boolean {
    const transfer = jobs.length === 1
      ? jobs[0].transfer
      : jobs.flatMap((job) => job.transfer ?? []);
    try {
      slot.runner.send(packTasks(slot.seq, jobs), transfer);
    } catch (error) {
      this.#sendError = error;
      return false;
    }
    if (slot.record(jobs)) this.#lanes++;
    return true;
  }

  /**
   * Arms the task timeout of each of `slot`'s running tasks: the first
   * `concurrency` unanswered ones.
   */
  #startTimers(slot: RunnerSlot): void {
    const timeout = this.#settings.taskTimeoutMs;
    if (timeout !== undefined) slot.startTimers(timeout, this.#onTimeout);
  }

  #settle(job: Job): void {
    job.state = DONE;
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (job.onAbort !== undefined) {
      job.signal!.removeEventListener("abort", job.onAbort);
    }
  }

  /**
   * Gives the ready `slot` groups of queued tasks while it has a free lane,
   * then one more to start as soon as a lane frees while a backlog waits;
   * lists it as free if a lane stays free.
   */
  #fill(slot: RunnerSlot): void {
    const concurrency = this.#concurrency;
    while (this.#queue.size > 0 && slot.groups < concurrency) {
      this.#send(slot, this.#takeGroup());
    }
    while (this.#queue.size > 0 && this.#mayGoAhead(slot)) {
      this.#send(slot, this.#takeGroup());
    }
    if (slot.groups < concurrency && !slot.free && slot.state === READY) {
      slot.free = true;
      this.#free.push(slot);
    }
    if (this.#busy === 0 && this.#queue.size === 0) this.#idle.arm();
  }

  /**
   * Whether `slot` may take a group ahead of its lanes (one, then more up
   * to `AHEAD_BUDGET_MS` of work): it waits in the runner instead of a
   * round trip away. Only while every runner is up and busy, so none idles
   * meanwhile, and never next to a task with a signal: aborting it kills
   * its runner, and a task waiting in that runner could not be told from a
   * started one.
   */
  #mayGoAhead(slot: RunnerSlot): boolean {
    const concurrency = this.#concurrency;
    return slot.state === READY && slot.groups >= concurrency &&
      (slot.groups === concurrency ||
        this.#cost.mayHoldMore(slot.unanswered)) &&
      this.#free.length === 0 && this.#starting === 0 &&
      slot.last?.signal === undefined &&
      this.#queue.peek()?.signal === undefined;
  }

  /**
   * Sends a first group ahead to each runner that holds none: as tasks are
   * submitted one by one, deeper would mean a message per task. Runners
   * take more, in groups, as their answers come.
   */
  #sendAhead(): void {
    if (this.#free.length > 0 || this.#starting > 0) return;
    for (const slot of this.#slots) {
      if (this.#queue.size === 0) return;
      if (
        slot !== undefined && slot.groups === this.#concurrency &&
        this.#mayGoAhead(slot)
      ) {
        this.#send(slot, this.#takeGroup());
      }
    }
  }

  /**
   * Takes the next tasks for one runner: about `GROUP_BUDGET_MS` of work,
   * at most an even share of the queue among the runners, and a task with a
   * signal always alone, so that aborting it never stops a runner that
   * holds other tasks.
   */
  #takeGroup(): Job[] {
    const queue = this.#queue;
    return queue.take(this.#cost.groupSize(queue.size, this.#settings.size));
  }

  #abort(job: Job): void {
    if (job.state === QUEUED) {
      // Left in the queue as a hole; dispatch skips it.
      this.#settle(job);
      this.#queue.remove(job);
      job.reject(job.signal!.reason);
      if (this.#busy === 0 && this.#queue.size === 0) this.#idle.arm();
    } else if (job.state === RUNNING) {
      // A running task cannot be interrupted, only its runner killed.
      this.#cut(job, job.signal!.reason, "was aborted");
    }
  }

  #timeOut(job: Job, timeout: number): void {
    if (job.state !== RUNNING) return;
    job.timer = undefined;
    this.#cut(
      job,
      new DOMException(
        `Cannot finish task '${job.task}': it timed out after ${timeout} ms`,
        "TimeoutError",
      ),
      "timed out",
    );
  }

  /** Rejects the running `job` with `reason` and kills its runner. */
  #cut(job: Job, reason: unknown, what: string): void {
    this.#settle(job);
    job.state = CUT;
    this.#failed++;
    job.reject(reason);
    this.#kill(
      job.slot!,
      `the ${this.#settings.kind} running it was stopped because task '${job.task}' ${what}`,
    );
  }

  /**
   * Kills `slot`'s runner (`dead` when it has died already). Its tasks
   * that had started reject with "Cannot finish task '<name>': " + `why`,
   * those it had not started go back to the front of the queue (or reject,
   * when the pool is closing). A runner that cannot tell at once which it
   * had started is judged when its death is reported.
   */
  #kill(slot: RunnerSlot, why: string, dead = false, started?: number): void {
    if (slot.state === DYING || slot.state === DEAD) return;
    if (slot.state === STARTING) this.#starting--;
    this.#slots[slot.index] = undefined;
    this.#live--;
    if (slot.free) this.#unfree(slot);
    slot.why = why;
    const stopStarting = slot.runner.stopStarting;
    if (stopStarting !== undefined) started = stopStarting.call(slot.runner);
    const waitForDeath = !dead && started === undefined &&
      slot.unanswered > 0 && !this.#closed;
    slot.state = DYING;
    if (waitForDeath) this.#dying.add(slot);
    else this.#judge(slot, started);
    const death = slot.runner.kill();
    if (death !== undefined) this.#deaths.push(death);
    if (!waitForDeath) this.#afterLoss();
  }

  /**
   * Settles the unanswered tasks of the killed `slot`. `started` is how
   * many tasks its runner had started in all, when known. Otherwise, of a
   * runner that answers each task before it starts the next (with a task
   * timeout) only the first `concurrency` unanswered tasks can have started,
   * and of any other all of them; a closing pool, which runs nothing more,
   * says so of the first `concurrency` alone.
   */
  #judge(slot: RunnerSlot, started: number | undefined): void {
    this.#dying.delete(slot);
    slot.state = DEAD;
    const startedBefore = started ??
      (this.#settings.taskTimeoutMs !== undefined || this.#closed
        ? slot.startedBefore()
        : Infinity);
    if (slot.unanswered > 0) this.#busy--;
    this.#lanes -= slot.lanes;
    const requeued: Job[] = [];
    let first = true;
    for (const job of slot.forget()) {
      // To its caller, a closed pool's first task was running once sent,
      // whether or not the runner had begun it.
      if (job.seq < startedBefore || (this.#closed && first)) {
        this.#settle(job);
        this.#failed++;
        job.reject(new Error(`Cannot finish task '${job.task}': ${slot.why}`));
      } else if (this.#closed) {
        this.#settle(job);
        job.reject(
          new Error(
            `Cannot run task '${job.task}': the pool was closed before it started`,
          ),
        );
      } else {
        job.state = QUEUED;
        job.slot = undefined;
        job.group = undefined;
        if (job.timer !== undefined) clearTimeout(job.timer);
        job.timer = undefined;
        requeued.push(job);
      }
      first = false;
    }
    if (requeued.length > 0) this.#queue.putBack(requeued);
  }

  /** After a runner is gone: dispatch what waits, start replacements. */
  #afterLoss(): void {
    if (this.#closed) return;
    for (let i = this.#free.length - 1; i >= 0 && this.#queue.size > 0; i--) {
      this.#fill(this.#free[i]);
    }
    this.#grow();
    // Replacements start only on demand, so the survivors may now be idle.
    if (this.#busy === 0 && this.#queue.size === 0) this.#idle.arm();
  }
}
