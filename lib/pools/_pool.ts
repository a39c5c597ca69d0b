/**
 * The scheduling core shared by `WorkerPool` and `ProcessPool`: queue,
 * dispatch (queued tiny tasks grouped into one message), timeouts, aborts,
 * replacement of dead runners (their unstarted tasks re-queued), statistics
 * and the idle reaper. The pools only supply a way to spawn one runner.
 * Internal.
 *
 * @module
 */

import {
  deserializeError,
  type ReplyMessage,
  type TaskResult,
  type TasksMessage,
} from "./_messages.ts";
import { assertInteger } from "../util/validate.ts";

/** One running worker or child, as the core sees it. */
export interface Runner {
  /** Sends tasks; throws when they cannot be sent. */
  send(message: TasksMessage, transfer: Transferable[] | undefined): void;
  /**
   * Stops the runner from starting any further task and says how many it
   * has started in all. Without it, the core takes the first unanswered task
   * for the only one started: true of a runner that runs its tasks in order,
   * sends every finished answer before it dies, and reports its death only
   * after those answers (as `ProcessPool`'s children do).
   */
  stopStarting?(): number;
  /** Stops the runner at once; resolves once its resources are released. */
  kill(): Promise<void> | void;
}

/** How a runner reports back to the core. */
export interface RunnerEvents {
  message(message: ReplyMessage): void;
  /** The runner died; `reason` says how. */
  death(reason: string): void;
}

/** Validated settings of a pool. */
export interface CoreSettings {
  size: number;
  maxQueue: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number;
  /** "worker" or "child process", for messages. */
  kind: string;
  /** The task module, for messages. */
  module: string;
  spawn(events: RunnerEvents): Runner;
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
  /** Milliseconds each runner slot spent running tasks, by slot. */
  busyMs: number[];
}

/**
 * About how much work, in milliseconds, one message to a runner carries.
 * Tasks are grouped until a group is worth this much by the pool's latest
 * estimate of a task's cost: enough to make the message cheap beside the
 * work, little enough that an uneven group cannot unbalance the runners.
 */
const GROUP_BUDGET_MS = 1;

const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;

interface Job {
  id: number;
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
  timer: ReturnType<typeof setTimeout> | undefined;
}

interface Slot {
  index: number;
  runner: Runner | undefined;
  ready: boolean;
  /** Tasks sent to the runner and not all answered yet, in order sent. */
  sent: Job[];
  /** Index in `sent` of the first unanswered task, the one running. */
  next: number;
  /** Tasks this runner has answered in all. */
  answered: number;
  busySince: number;
}

/** The shared pool machinery; see the module documentation. */
export class PoolCore {
  #settings: CoreSettings;
  #slots: (Slot | undefined)[];
  #idle: Slot[] = [];
  #live = 0;
  #starting = 0;
  #queue: (Job | undefined)[] = [];
  #head = 0;
  #queued = 0;
  /** Slots with tasks sent and not all answered. */
  #running = 0;
  #nextId = 1;
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
    const slot = this.#idle.pop();
    // Tasks that will start as soon as a runner is up are not "waiting".
    const capacity = this.#settings.size - this.#running;
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
      id: this.#nextId++,
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
      const slot: Slot = {
        index,
        runner: undefined,
        ready: false,
        sent: [],
        next: 0,
        answered: 0,
        busySince: 0,
      };
      this.#slots[index] = slot;
      this.#live++;
      this.#starting++;
      try {
        slot.runner = this.#settings.spawn({
          message: (message) => this.#onMessage(slot, message),
          death: (reason) => this.#onDeath(slot, reason),
        });
      } catch (error) {
        this.#slots[index] = undefined;
        this.#live--;
        this.#starting--;
        this.#failStart(error instanceof Error ? error.message : String(error));
        return;
      }
    }
  }

  #onMessage(slot: Slot, message: ReplyMessage): void {
    if (slot.runner === undefined) return;
    if (message.kind === "results") {
      const taskMs = message.spentMs / message.results.length;
      this.#taskMs = this.#taskMs === Infinity
        ? taskMs
        : (this.#taskMs + taskMs) / 2;
      this.#onResults(slot, message.results);
    } else if (message.kind === "ready") {
      if (slot.ready) return; // a second hello crossed the first answer
      slot.ready = true;
      this.#starting--;
      this.#next(slot);
    } else {
      this.#onDeath(slot, "it closed itself");
    }
  }

  #onResults(slot: Slot, results: TaskResult[]): void {
    if (slot.next >= slot.sent.length) return; // nothing was asked
    for (const result of results) {
      const job = slot.sent[slot.next];
      if (job === undefined || job.id !== result.id) return;
      slot.next++;
      slot.answered++;
      this.#settle(job);
      if (result.ok) {
        this.#completed++;
        job.resolve(result.value);
      } else {
        this.#failed++;
        job.reject(deserializeError(result.error));
      }
    }
    if (slot.next < slot.sent.length) {
      this.#startTimer(slot);
      return;
    }
    this.#release(slot);
    slot.sent = [];
    slot.next = 0;
    this.#next(slot);
  }

  #onDeath(slot: Slot, reason: string): void {
    if (slot.runner === undefined) return;
    if (!slot.ready) {
      this.#kill(slot, reason);
      this.#failStart(reason);
      return;
    }
    this.#kill(slot, `the ${this.#settings.kind} running it died (${reason})`);
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
   * Sends `group` to the free `slot` in one message. When that fails, one
   * input could not be sent: the tasks go one by one, so only that one
   * rejects.
   */
  #send(slot: Slot, group: Job[]): void {
    for (const job of group) {
      job.state = RUNNING;
      job.slot = slot;
    }
    slot.sent = group;
    slot.next = 0;
    slot.busySince = performance.now();
    this.#running++;
    const failure = this.#trySend(slot, group);
    if (failure !== undefined) {
      slot.sent = [];
      for (const job of group) {
        const jobFailure = group.length === 1
          ? failure
          : this.#trySend(slot, [job]);
        if (jobFailure === undefined) {
          slot.sent.push(job);
          continue;
        }
        const { error } = jobFailure;
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
      if (slot.sent.length === 0) {
        this.#release(slot);
        this.#next(slot);
        return;
      }
    }
    this.#startTimer(slot);
  }

  /** Sends `jobs` in one message; returns what was thrown if that failed. */
  #trySend(slot: Slot, jobs: Job[]): { error: unknown } | undefined {
    const transfer = jobs.length === 1
      ? jobs[0].transfer
      : jobs.flatMap((job) => job.transfer ?? []);
    try {
      slot.runner!.send({
        kind: "tasks",
        requests: jobs.map(({ id, task, input, batch }) => ({
          id,
          task,
          input,
          batch,
        })),
        answerEach: this.#settings.taskTimeoutMs !== undefined,
      }, transfer);
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  /** Arms the task timeout of `slot`'s running task. */
  #startTimer(slot: Slot): void {
    const timeout = this.#settings.taskTimeoutMs;
    const job = slot.sent[slot.next];
    if (timeout === undefined || job.timer !== undefined) return;
    job.timer = setTimeout(() => this.#timeOut(job, timeout), timeout);
  }

  /** Marks `slot` free and counts the time it was busy. */
  #release(slot: Slot): void {
    this.#running--;
    this.#busyMs[slot.index] += performance.now() - slot.busySince;
  }

  #settle(job: Job): void {
    job.state = DONE;
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (job.onAbort !== undefined) {
      job.signal!.removeEventListener("abort", job.onAbort);
    }
  }

  /** Gives `slot` the next group of queued tasks, or marks it idle. */
  #next(slot: Slot): void {
    const group = this.#takeGroup();
    if (group.length > 0) {
      this.#send(slot, group);
      return;
    }
    this.#idle.push(slot);
    if (this.#running === 0) this.#armIdleTimer();
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
      if (this.#running === 0 && this.#queued === 0) this.#armIdleTimer();
    } else if (job.state === RUNNING) {
      // A running task cannot be interrupted, only its runner killed.
      this.#settle(job);
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
   * Kills `slot`'s runner. Of the tasks sent to it and not answered, those
   * it had started reject with "Cannot finish task '<name>': " + `why`;
   * those it had not started go back to the front of the queue (or reject,
   * when the pool is closing).
   */
  #kill(slot: Slot, why: string): void {
    const runner = slot.runner;
    if (runner === undefined) return;
    slot.runner = undefined;
    this.#slots[slot.index] = undefined;
    this.#live--;
    if (!slot.ready) this.#starting--;
    else if (slot.sent.length === 0) {
      const at = this.#idle.indexOf(slot);
      if (at !== -1) this.#idle.splice(at, 1);
    }
    const unanswered = slot.sent.slice(slot.next);
    const counted = (runner.stopStarting?.() ?? slot.answered + 1) -
      slot.answered;
    // To its caller, a closed pool's first task was running once sent,
    // whether or not the runner had begun it.
    const started = this.#closed ? Math.max(counted, 1) : counted;
    if (slot.sent.length > 0) this.#release(slot);
    slot.sent = [];
    const requeued: Job[] = [];
    for (let i = 0; i < unanswered.length; i++) {
      const job = unanswered[i];
      if (job.state !== RUNNING) continue; // timed out or aborted
      if (i < started) {
        this.#settle(job);
        this.#failed++;
        job.reject(new Error(`Cannot finish task '${job.task}': ${why}`));
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
        requeued.push(job);
      }
    }
    const death = runner.kill();
    if (death !== undefined) this.#deaths.push(death);
    if (this.#closed) return;
    if (requeued.length > 0) {
      this.#queue.splice(this.#head, 0, ...requeued);
      this.#queued += requeued.length;
      while (this.#queued > 0 && this.#idle.length > 0) {
        this.#next(this.#idle.pop()!);
      }
    }
    this.#grow();
    // Replacements start only on demand, so the survivors may now be idle.
    if (this.#running === 0 && this.#queued === 0) this.#armIdleTimer();
  }

  #armIdleTimer(): void {
    this.#idleSince = performance.now();
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
    if (this.#running > 0 || this.#queued > 0) return;
    const left = this.#idleSince + this.#settings.idleTimeoutMs -
      performance.now();
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

/** Options both pools share. */
export interface CommonOptions {
  size?: number;
  maxQueue?: number;
  taskTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** Validates the shared options and fills in their defaults. */
export function resolveCommonOptions(
  options: CommonOptions,
): Required<Omit<CommonOptions, "taskTimeoutMs">> & {
  taskTimeoutMs: number | undefined;
} {
  const size = options.size ?? navigator.hardwareConcurrency;
  const maxQueue = options.maxQueue ?? Infinity;
  const idleTimeoutMs = options.idleTimeoutMs ?? 1000;
  const taskTimeoutMs = options.taskTimeoutMs;
  checkNumber("size", size);
  assertInteger("Cannot create pool", "size", size);
  checkNumber("maxQueue", maxQueue);
  if (
    !(Number.isSafeInteger(maxQueue) || maxQueue === Infinity) || maxQueue < 0
  ) {
    throw new RangeError(
      `Cannot create pool: 'maxQueue' must be a non-negative integer or Infinity, received ${maxQueue}`,
    );
  }
  if (taskTimeoutMs !== undefined) {
    checkNumber("taskTimeoutMs", taskTimeoutMs);
    if (!Number.isFinite(taskTimeoutMs) || taskTimeoutMs <= 0) {
      throw new RangeError(
        `Cannot create pool: 'taskTimeoutMs' must be a positive finite number, received ${taskTimeoutMs}`,
      );
    }
  }
  checkNumber("idleTimeoutMs", idleTimeoutMs);
  if (Number.isNaN(idleTimeoutMs) || idleTimeoutMs < 0) {
    throw new RangeError(
      `Cannot create pool: 'idleTimeoutMs' must be a non-negative number, received ${idleTimeoutMs}`,
    );
  }
  return { size, maxQueue, taskTimeoutMs, idleTimeoutMs };
}

/** Throws a TypeError unless `value` is a number. */
export function checkNumber(name: string, value: unknown): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create pool: '${name}' must be a number, received ${typeof value}`,
    );
  }
}

/** The task module as a URL; throws a TypeError unless absolute. */
export function toModuleUrl(context: string, module: unknown): URL {
  if (module instanceof URL) return module;
  if (typeof module !== "string") {
    throw new TypeError(
      `${context}: 'module' must be a string or URL, received ${typeof module}`,
    );
  }
  try {
    return new URL(module);
  } catch {
    throw new TypeError(
      `${context}: 'module' must be an absolute URL, received '${module}'`,
    );
  }
}

/** `map()` of both pools: chunked batches, results in input order. */
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
  return parts.length === 1 ? parts[0] : parts.flat() as T[];
}
