/**
 * The scheduling core shared by `WorkerPool` and `ProcessPool`: queue,
 * dispatch, timeouts, aborts, replacement of dead runners, statistics and the
 * idle reaper. The pools only supply a way to spawn one runner. Internal.
 *
 * @module
 */

import {
  deserializeError,
  type ReplyMessage,
  type TaskRequest,
} from "./_messages.ts";

/** One running worker or child, as the core sees it. */
export interface Runner {
  /** Sends a request; throws when the input cannot be sent. */
  send(request: TaskRequest, transfer: Transferable[] | undefined): void;
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
  job: Job | undefined;
  startedAt: number;
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
  #running = 0;
  #nextId = 1;
  #completed = 0;
  #failed = 0;
  #busyMs: number[];
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
    if (typeof task !== "string") {
      return Promise.reject(
        new TypeError(
          `Cannot run task: 'task' must be a string, received ${typeof task}`,
        ),
      );
    }
    if (this.#closed) {
      return Promise.reject(
        new Error(`Cannot run task '${task}': the pool is closed`),
      );
    }
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
      if (!this.#start(slot, job)) this.#next(slot);
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
      for (let i = this.#head; i < this.#queue.length; i++) {
        const job = this.#queue[i];
        if (job === undefined || job.state !== QUEUED) continue;
        this.#settle(job);
        job.reject(
          new Error(
            `Cannot run task '${job.task}': the pool was closed before it started`,
          ),
        );
      }
      this.#queue = [];
      this.#head = 0;
      this.#queued = 0;
      for (const slot of this.#slots) {
        if (slot !== undefined) {
          this.#kill(
            slot,
            `Cannot finish task: the pool was closed while it was running`,
          );
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
        job: undefined,
        startedAt: 0,
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
    if (message.kind === "result") {
      const job = slot.job;
      if (job === undefined || job.id !== message.id) return;
      this.#finish(slot, job);
      if (message.ok) {
        this.#completed++;
        job.resolve(message.value);
      } else {
        this.#failed++;
        job.reject(deserializeError(message.error));
      }
      this.#next(slot);
    } else if (message.kind === "ready") {
      if (slot.ready) return; // a second hello crossed the first answer
      slot.ready = true;
      this.#starting--;
      this.#next(slot);
    } else {
      this.#onDeath(slot, "it closed itself");
    }
  }

  #onDeath(slot: Slot, reason: string): void {
    if (slot.runner === undefined) return;
    if (!slot.ready) {
      this.#kill(slot, reason);
      this.#failStart(reason);
      return;
    }
    const job = slot.job;
    this.#kill(
      slot,
      job === undefined
        ? ""
        : `Cannot finish task '${job.task}': the ${this.#settings.kind} running it died (${reason})`,
    );
  }

  #failStart(reason: string): void {
    this.#startError ??= new Error(
      `Cannot start ${this.#settings.kind}: task module '${this.#settings.module}' failed to load (${reason})`,
    );
    for (let i = this.#head; i < this.#queue.length; i++) {
      const job = this.#queue[i];
      if (job === undefined || job.state !== QUEUED) continue;
      this.#settle(job);
      job.reject(this.#startError);
    }
    this.#queue = [];
    this.#head = 0;
    this.#queued = 0;
  }

  /** Starts `job` on `slot`; false when the input could not be sent. */
  #start(slot: Slot, job: Job): boolean {
    job.state = RUNNING;
    job.slot = slot;
    slot.job = job;
    this.#running++;
    slot.startedAt = performance.now();
    try {
      slot.runner!.send(
        { id: job.id, task: job.task, input: job.input, batch: job.batch },
        job.transfer,
      );
    } catch (error) {
      this.#finish(slot, job);
      job.reject(
        new TypeError(
          `Cannot run task '${job.task}': the input could not be sent to the ${this.#settings.kind} (${
            error instanceof Error ? error.message : String(error)
          })`,
          { cause: error },
        ),
      );
      return false;
    }
    const timeout = this.#settings.taskTimeoutMs;
    if (timeout !== undefined) {
      job.timer = setTimeout(() => this.#timeOut(job, timeout), timeout);
    }
    return true;
  }

  #finish(slot: Slot, job: Job): void {
    this.#settle(job);
    slot.job = undefined;
    this.#running--;
    this.#busyMs[slot.index] += performance.now() - slot.startedAt;
  }

  #settle(job: Job): void {
    job.state = DONE;
    if (job.timer !== undefined) clearTimeout(job.timer);
    if (job.onAbort !== undefined) {
      job.signal!.removeEventListener("abort", job.onAbort);
    }
  }

  /** Gives `slot` the next queued job, or marks it idle. */
  #next(slot: Slot): void {
    while (this.#queued > 0) {
      const job = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (job === undefined || job.state !== QUEUED) continue;
      this.#queued--;
      if (this.#start(slot, job)) return;
    }
    this.#idle.push(slot);
    if (this.#running === 0) this.#armIdleTimer();
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
      const slot = job.slot!;
      this.#finish(slot, job);
      this.#failed++;
      job.reject(job.signal!.reason);
      this.#kill(slot, "");
    }
  }

  #timeOut(job: Job, timeout: number): void {
    if (job.state !== RUNNING) return;
    const slot = job.slot!;
    job.timer = undefined;
    this.#finish(slot, job);
    this.#failed++;
    job.reject(
      new DOMException(
        `Cannot finish task '${job.task}': it timed out after ${timeout} ms`,
        "TimeoutError",
      ),
    );
    this.#kill(slot, "");
  }

  /** Kills `slot`'s runner, rejecting its job (if any) with `message`. */
  #kill(slot: Slot, message: string): void {
    const runner = slot.runner;
    if (runner === undefined) return;
    slot.runner = undefined;
    this.#slots[slot.index] = undefined;
    this.#live--;
    if (!slot.ready) this.#starting--;
    else if (slot.job === undefined) {
      const at = this.#idle.indexOf(slot);
      if (at !== -1) this.#idle.splice(at, 1);
    }
    const job = slot.job;
    if (job !== undefined) {
      this.#finish(slot, job);
      this.#failed++;
      job.reject(new Error(message));
    }
    const death = runner.kill();
    if (death !== undefined) this.#deaths.push(death);
    if (this.#closed) return;
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
      if (slot !== undefined) this.#kill(slot, "");
    }
  }
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
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot create pool: 'size' must be a positive integer, received ${size}`,
    );
  }
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
  core: PoolCore,
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
    if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(
        `Cannot map task '${task}': 'chunkSize' must be a positive integer, received ${chunkSize}`,
      );
    }
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
