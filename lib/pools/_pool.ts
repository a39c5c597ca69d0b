/**
 * The scheduling core shared by `WorkerPool` and `ProcessPool`: queue,
 * dispatch (queued tiny tasks grouped into one message, one group sent
 * ahead while a backlog waits), timeouts, aborts, replacement of dead
 * runners (the tasks they had not started re-queued, never run twice),
 * statistics and the idle reaper. The pools only supply a way to spawn one
 * runner. Internal.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";
import {
  deserializeError,
  type HelloMessage,
  packTasks,
  type ReplyMessage,
  type ResultsMessage,
  type SerializedError,
  type TasksMessage,
} from "./_messages.ts";

/** One running worker or child, as the core sees it. */
export interface Runner {
  /** Sends tasks; throws when they cannot be sent. */
  send(message: TasksMessage, transfer: Transferable[] | undefined): void;
  /**
   * Stops the runner from starting any further task and says, at once, how
   * many it has started in all (a worker counts them in shared memory).
   * A runner without it (a child process) is killed first and judged once
   * its death has been reported, after every answer it sent before.
   */
  stopStarting?(): number;
  /** Stops the runner at once; resolves once its resources are released. */
  kill(): Promise<void> | void;
}

/** How a runner reports back to the core. */
export interface RunnerEvents {
  message(message: ReplyMessage): void;
  /**
   * The runner died; `reason` says how. A runner that can tell how many
   * tasks it had started in all says so in `started`. Reported after every
   * message the runner sent before it died.
   */
  death(reason: string, started?: number): void;
}

/** What a runner is told when it starts. */
export type RunnerSettings = Pick<HelloMessage, "concurrency" | "answerEach">;

/** Validated settings of a pool. */
export interface CoreSettings {
  size: number;
  maxQueue: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number;
  /** Tasks each runner runs at once. */
  concurrency: number;
  /** "worker" or "child process", for messages. */
  kind: string;
  /** The task module, for messages. */
  module: string;
  spawn(events: RunnerEvents, settings: RunnerSettings): Runner;
}

/** Options of one task. */
export interface RunOptions {
  signal?: AbortSignal;
  transfer?: Transferable[];
}

/** Counters returned by `stats()`. */
export interface PoolStats {
  /** Tasks (or `map()` chunks) that resolved. */
  completed: number;
  /** Tasks (or `map()` chunks) that rejected after being started. */
  failed: number;
  /** Tasks waiting for a free runner. */
  queued: number;
  /**
   * Milliseconds each runner slot spent running tasks, by its runners' own
   * clocks (messages in transit not counted), by slot.
   */
  busyMs: number[];
}

/**
 * About how much work, in milliseconds, one message to a runner carries.
 * Tasks are grouped until a group is worth this much by the pool's latest
 * estimate of a task's cost: enough to make the message cheap beside the
 * work, little enough that an uneven group cannot unbalance the runners.
 */
const GROUP_BUDGET_MS = 1;

/**
 * About how much work, in milliseconds, a busy runner may hold sent ahead
 * of its lanes while a backlog waits (one group at least): enough that it
 * never idles while this thread is slow to answer, on a loaded machine
 * too, little enough that the last tasks do not wait behind another
 * runner's.
 */
const AHEAD_BUDGET_MS = 3;

const QUEUED = 0;
const RUNNING = 1;
/** Answered. */
const DONE = 2;
/** Settled while running, without an answer: timed out or aborted. */
const CUT = 3;

/** A runner not yet ready, ready, killed but not yet judged, or gone. */
const STARTING = 0;
const READY = 1;
const DYING = 2;
const DEAD = 3;

interface Job {
  task: string;
  input: unknown;
  batch: boolean;
  transfer: Transferable[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  state: number;
  slot: Slot | undefined;
  /** Its place among the tasks sent to its runner, from 0. */
  seq: number;
  group: Group | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Tasks sent in one message. */
interface Group {
  unanswered: number;
}

interface Slot {
  index: number;
  runner: Runner;
  state: number;
  /** Tasks sent, from the first unanswered one's neighbourhood on. */
  sent: Job[];
  /** `seq` of `sent[0]`. */
  base: number;
  /** Index in `sent` at or before the first unanswered task. */
  next: number;
  /** `seq` the next task sent will get. */
  seq: number;
  /** Tasks sent and not answered. */
  unanswered: number;
  /** Messages sent with tasks not all answered. */
  groups: number;
  /** In the free list. */
  free: boolean;
  /** Why the core killed it, for the tasks judged when it has died. */
  why: string;
}

/** The shared pool machinery; see the module documentation. */
export class PoolCore {
  #settings: CoreSettings;
  #concurrency: number;
  #slots: (Slot | undefined)[];
  /** Ready runners with a free lane: fewer than `concurrency` groups. */
  #free: Slot[] = [];
  #live = 0;
  #starting = 0;
  /** Killed child runners whose tasks are judged when their death comes. */
  #dying = new Set<Slot>();
  #queue: (Job | undefined)[] = [];
  #head = 0;
  #queued = 0;
  /** Slots with tasks unanswered. */
  #busy = 0;
  /** Lanes taken: each slot's groups, up to `concurrency`. */
  #lanes = 0;
  #completed = 0;
  #failed = 0;
  #busyMs: number[];
  /** Latest estimate of one task's cost in a runner, in ms, for grouping. */
  #taskMs = Infinity;
  #closed = false;
  #startError: Error | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #idleSince = 0;
  #deaths: Promise<void>[] = [];

  constructor(settings: CoreSettings) {
    this.#settings = settings;
    this.#concurrency = settings.concurrency;
    this.#slots = new Array(settings.size).fill(undefined);
    this.#busyMs = new Array(settings.size).fill(0);
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
      this.#queued >= this.#settings.maxQueue + capacity
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
      this.#queued++;
      this.#grow();
      this.#sendAhead();
    }
    return promise;
  }

  /** Rejects queued and running tasks, then kills every runner. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
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
      queued: this.#queued,
      busyMs: this.#busyMs.slice(),
    };
  }

  #grow(): void {
    while (
      this.#live < this.#settings.size && this.#starting < this.#queued
    ) {
      const index = this.#slots.indexOf(undefined);
      this.#live++;
      this.#starting++;
      let slot: Slot | undefined;
      try {
        const runner = this.#settings.spawn({
          message: (message) => this.#onMessage(slot!, message),
          death: (reason, started) => this.#onDeath(slot!, reason, started),
        }, {
          concurrency: this.#concurrency,
          answerEach: this.#settings.taskTimeoutMs !== undefined,
        });
        slot = {
          index,
          runner,
          state: STARTING,
          sent: [],
          base: 0,
          next: 0,
          seq: 0,
          unanswered: 0,
          groups: 0,
          free: false,
          why: "",
        };
        this.#slots[index] = slot;
      } catch (error) {
        this.#live--;
        this.#starting--;
        this.#failStart(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }

  #onMessage(slot: Slot, message: ReplyMessage): void {
    if (slot.state === DEAD) return;
    if (message.kind === "results") {
      // The runner's own clock: time running tasks, not messages in transit.
      this.#busyMs[slot.index] += message.spentMs;
      const taskMs = message.spentMs / message.values.length;
      this.#taskMs = this.#taskMs === Infinity
        ? taskMs
        : (this.#taskMs + taskMs) / 2;
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

  #onResults(slot: Slot, message: ResultsMessage): void {
    const { first, ids, values, failed } = message;
    let nextFailed = 0;
    for (let i = 0; i < values.length; i++) {
      const ok = failed === undefined || failed[nextFailed] !== i;
      if (!ok) nextFailed++;
      const job =
        slot.sent[(ids === undefined ? first + i : ids[i]) - slot.base];
      // Settled already: timed out or aborted (and its runner killed).
      if (job === undefined || job.state !== RUNNING || job.slot !== slot) {
        continue;
      }
      this.#answered(slot, job);
      this.#settle(job);
      if (ok) {
        this.#completed++;
        job.resolve(values[i]);
      } else {
        this.#failed++;
        job.reject(deserializeError(values[i] as SerializedError));
      }
    }
    this.#advance(slot);
    if (slot.state !== READY) return;
    this.#startTimers(slot);
    this.#fill(slot);
  }

  /** Counts `job` of `slot` answered, and frees its lane if it was last. */
  #answered(slot: Slot, job: Job): void {
    slot.unanswered--;
    if (--job.group!.unanswered === 0) {
      if (slot.groups-- <= this.#concurrency) this.#lanes--;
    }
  }

  /** Moves `slot.next` past answered tasks; forgets them when all are. */
  #advance(slot: Slot): void {
    const sent = slot.sent;
    let next = slot.next;
    while (next < sent.length && sent[next].state === DONE) next++;
    if (slot.unanswered === 0) {
      if (sent.length > 0) this.#busy--;
      slot.base += sent.length;
      slot.sent = [];
      slot.next = 0;
    } else if (next > 1024 && next * 2 > sent.length) {
      slot.base += next;
      slot.sent = sent.slice(next);
      slot.next = 0;
    } else slot.next = next;
  }

  #onDeath(slot: Slot, reason: string, started: number | undefined): void {
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
    for (let i = this.#head; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      if (job === undefined || job.state !== QUEUED) continue;
      this.#settle(job);
      job.reject(errorFor(job));
    }
    this.#queue = [];
    this.#head = 0;
    this.#queued = 0;
  }

  /**
   * Sends `group` to `slot`, which has a lane free or sends ahead, in one
   * message. When that fails, one input could not be sent: the tasks go one
   * by one, so only that one rejects.
   */
  #send(slot: Slot, group: Job[]): void {
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
  #unfree(slot: Slot): void {
    this.#free.splice(this.#free.lastIndexOf(slot), 1);
    slot.free = false;
  }

  /** What the last failed `#trySend` threw. */
  #sendError: unknown;

  /** Sends `jobs` in one message; says whether that worked. */
  #trySend(slot: Slot, jobs: Job[]): boolean {
    const transfer = jobs.length === 1
      ? jobs[0].transfer
      : jobs.flatMap((job) => job.transfer ?? []);
    const seq = slot.seq;
    try {
      slot.runner.send(packTasks(seq, jobs), transfer);
    } catch (error) {
      this.#sendError = error;
      return false;
    }
    const group: Group = { unanswered: jobs.length };
    if (slot.sent.length === 0) slot.base = seq;
    for (const job of jobs) {
      job.state = RUNNING;
      job.slot = slot;
      job.seq = slot.seq++;
      job.group = group;
      slot.sent.push(job);
    }
    slot.unanswered += jobs.length;
    if (++slot.groups <= this.#concurrency) this.#lanes++;
    return true;
  }

  /**
   * Arms the task timeout of each of `slot`'s running tasks: the first
   * `concurrency` unanswered ones.
   */
  #startTimers(slot: Slot): void {
    const timeout = this.#settings.taskTimeoutMs;
    if (timeout === undefined) return;
    let running = 0;
    for (
      let i = slot.next;
      i < slot.sent.length && running < this.#concurrency;
      i++
    ) {
      const job = slot.sent[i];
      if (job.state !== RUNNING) continue;
      running++;
      if (job.timer === undefined) {
        job.timer = setTimeout(() => this.#timeOut(job, timeout), timeout);
      }
    }
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
  #fill(slot: Slot): void {
    const concurrency = this.#concurrency;
    while (this.#queued > 0 && slot.groups < concurrency) {
      this.#send(slot, this.#takeGroup());
    }
    while (this.#queued > 0 && this.#mayGoAhead(slot)) {
      this.#send(slot, this.#takeGroup());
    }
    if (slot.groups < concurrency && !slot.free && slot.state === READY) {
      slot.free = true;
      this.#free.push(slot);
    }
    if (this.#busy === 0 && this.#queued === 0) this.#armIdleTimer();
  }

  /**
   * Whether `slot` may take a group ahead of its lanes (one, then more up
   * to {@linkcode AHEAD_BUDGET_MS} of work): it waits in the runner instead
   * of a round trip away. Only while every runner is up and busy, so none
   * idles meanwhile, and never next to a task with a signal:
   * aborting it kills its runner, and a task waiting in that runner could
   * not be told from a started one.
   */
  #mayGoAhead(slot: Slot): boolean {
    const concurrency = this.#concurrency;
    return slot.state === READY && slot.groups >= concurrency &&
      (slot.groups === concurrency ||
        slot.unanswered * this.#taskMs < AHEAD_BUDGET_MS) &&
      this.#free.length === 0 && this.#starting === 0 &&
      slot.sent.at(-1)?.signal === undefined &&
      this.#nextQueued()?.signal === undefined;
  }

  /**
   * Sends a first group ahead to each runner that holds none: as tasks are
   * submitted one by one, deeper would mean a message per task. Runners
   * take more, in groups, as their answers come.
   */
  #sendAhead(): void {
    if (this.#free.length > 0 || this.#starting > 0) return;
    for (const slot of this.#slots) {
      if (this.#queued === 0) return;
      if (
        slot !== undefined && slot.groups === this.#concurrency &&
        this.#mayGoAhead(slot)
      ) {
        this.#send(slot, this.#takeGroup());
      }
    }
  }

  /** The first task waiting in the queue. */
  #nextQueued(): Job | undefined {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      if (job !== undefined && job.state === QUEUED) return job;
    }
    return undefined;
  }

  /**
   * Takes the next tasks for one runner: about {@linkcode GROUP_BUDGET_MS}
   * of work, at most an even share of the queue among the runners, and a
   * task with a signal always alone, so that aborting it never stops a
   * runner that holds other tasks.
   */
  #takeGroup(): Job[] {
    const limit = Math.min(
      Math.ceil(this.#queued / this.#settings.size),
      Math.max(1, Math.floor(GROUP_BUDGET_MS / this.#taskMs)),
    );
    const group: Job[] = [];
    while (this.#queued > 0 && group.length < limit) {
      const job = this.#queue[this.#head];
      const waiting = job !== undefined && job.state === QUEUED;
      if (waiting && job.signal !== undefined && group.length > 0) break;
      this.#queue[this.#head++] = undefined;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (!waiting) continue; // a hole left by an aborted task
      this.#queued--;
      group.push(job);
      if (job.signal !== undefined) break;
    }
    return group;
  }

  #abort(job: Job): void {
    if (job.state === QUEUED) {
      // Left in the array as a hole; dispatch skips it.
      this.#settle(job);
      this.#queued--;
      job.reject(job.signal!.reason);
      if (this.#busy === 0 && this.#queued === 0) this.#armIdleTimer();
    } else if (job.state === RUNNING) {
      // A running task cannot be interrupted, only its runner killed.
      this.#settle(job);
      job.state = CUT;
      this.#failed++;
      job.reject(job.signal!.reason);
      this.#kill(
        job.slot!,
        `the ${this.#settings.kind} running it was stopped because task '${job.task}' was aborted`,
      );
    }
  }

  #timeOut(job: Job, timeout: number): void {
    if (job.state !== RUNNING) return;
    job.timer = undefined;
    this.#settle(job);
    job.state = CUT;
    this.#failed++;
    job.reject(
      new DOMException(
        `Cannot finish task '${job.task}': it timed out after ${timeout} ms`,
        "TimeoutError",
      ),
    );
    this.#kill(
      job.slot!,
      `the ${this.#settings.kind} running it was stopped because task '${job.task}' timed out`,
    );
  }

  /**
   * Kills `slot`'s runner (`dead` when it has died already). Its tasks
   * that had started reject with "Cannot finish task '<name>': " + `why`,
   * those it had not started go back to the front of the queue (or reject,
   * when the pool is closing). A runner that cannot tell at once which it
   * had started is judged when its death is reported.
   */
  #kill(slot: Slot, why: string, dead = false, started?: number): void {
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
  #judge(slot: Slot, started: number | undefined): void {
    this.#dying.delete(slot);
    slot.state = DEAD;
    const sent = slot.sent;
    let startedBefore = started ?? Infinity;
    if (
      started === undefined &&
      (this.#settings.taskTimeoutMs !== undefined || this.#closed)
    ) {
      let running = 0;
      for (let i = slot.next; i < sent.length; i++) {
        const state = sent[i].state;
        if (
          (state === RUNNING || state === CUT) &&
          ++running === this.#concurrency
        ) {
          startedBefore = sent[i].seq + 1;
          break;
        }
      }
    }
    const requeued: Job[] = [];
    let first = true;
    for (let i = slot.next; i < sent.length; i++) {
      const job = sent[i];
      if (job.state !== RUNNING) continue; // answered, timed out or aborted
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
    if (slot.unanswered > 0) this.#busy--;
    slot.unanswered = 0;
    this.#lanes -= Math.min(slot.groups, this.#concurrency);
    slot.groups = 0;
    slot.sent = [];
    if (requeued.length > 0) {
      this.#queue.splice(this.#head, 0, ...requeued);
      this.#queued += requeued.length;
    }
  }

  /** After a runner is gone: dispatch what waits, start replacements. */
  #afterLoss(): void {
    if (this.#closed) return;
    for (let i = this.#free.length - 1; i >= 0 && this.#queued > 0; i--) {
      this.#fill(this.#free[i]);
    }
    this.#grow();
    // Replacements start only on demand, so the survivors may now be idle.
    if (this.#busy === 0 && this.#queued === 0) this.#armIdleTimer();
  }

  #armIdleTimer(): void {
    // Milliseconds are fine enough here, and Date.now() is the cheaper clock.
    this.#idleSince = Date.now();
    if (
      this.#idleTimer !== undefined || this.#closed ||
      !Number.isFinite(this.#settings.idleTimeoutMs)
    ) return;
    this.#setIdleTimer(this.#settings.idleTimeoutMs);
  }

  #setIdleTimer(ms: number): void {
    const timer = setTimeout(() => this.#onIdleTimer(), ms);
    // The runners already keep the process alive; this timer must not.
    Deno.unrefTimer(timer);
    this.#idleTimer = timer;
  }

  #onIdleTimer(): void {
    this.#idleTimer = undefined;
    if (this.#busy > 0 || this.#queued > 0) return;
    const left = this.#idleSince + this.#settings.idleTimeoutMs - Date.now();
    if (left > 1) {
      this.#setIdleTimer(left);
      return;
    }
    for (const slot of this.#slots) {
      if (slot !== undefined) this.#kill(slot, "the pool was idle");
    }
  }
}

/**
 * The rejection every pool gives a task it cannot take: a name that is not
 * a string, or a closed pool; `undefined` when the task may go on.
 */
export function refuseTask(
  task: unknown,
  closed: boolean,
): Promise<never> | undefined {
  if (typeof task !== "string") {
    return Promise.reject(
      new TypeError(
        `Cannot run task: 'task' must be a string, received ${typeof task}`,
      ),
    );
  }
  if (closed) {
    return Promise.reject(
      new Error(`Cannot run task '${task}': the pool is closed`),
    );
  }
  return undefined;
}

/**
 * `map()` of every pool: the inputs in chunks, each chunk submitted as one
 * batch, the results joined in input order.
 */
export async function mapChunks<T>(
  core: Pick<PoolCore, "submit">,
  size: number,
  task: string,
  inputs: Iterable<unknown>,
  options: { signal?: AbortSignal; chunkSize?: number } | undefined,
): Promise<T[]> {
  if (
    inputs === null || inputs === undefined ||
    typeof (inputs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot map task '${task}': 'inputs' must be iterable, received ${
        inputs === null ? "null" : typeof inputs
      }`,
    );
  }
  const items = Array.isArray(inputs) ? inputs : Array.from(inputs);
  let chunkSize = options?.chunkSize;
  if (chunkSize !== undefined) {
    if (typeof chunkSize !== "number") {
      throw new TypeError(
        `Cannot map task '${task}': 'chunkSize' must be a number, received ${typeof chunkSize}`,
      );
    }
    assertInteger(`Cannot map task '${task}'`, "chunkSize", chunkSize);
  }
  chunkSize ??= Math.max(1, Math.ceil(items.length / (size * 4)));
  const runOptions = { signal: options?.signal };
  const chunks: Promise<unknown>[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    chunks.push(
      core.submit(
        task,
        items.slice(start, start + chunkSize),
        runOptions,
        true,
      ),
    );
  }
  const parts = await Promise.all(chunks) as T[][];
  // concat copies arrays of numbers wholesale; flat() goes one by one.
  return parts.length === 1 ? parts[0] : ([] as T[]).concat(...parts);
}
