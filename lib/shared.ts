/**
 * Synchronisation primitives on `SharedArrayBuffer` and `Atomics`: a counter,
 * a mutex, a semaphore and a barrier. Each one keeps all of its state in
 * shared memory, so the main thread and workers can wrap the same bytes after
 * the buffer has been posted: `create()` allocates and initialises, the
 * constructor wraps memory that is already initialised.
 *
 * The blocking methods use `Atomics.wait`, which Deno allows on the main
 * thread too (browsers do not); the `*Async` variants use `Atomics.waitAsync`
 * for code that must keep its event loop running.
 *
 * @module
 */

/** Where a primitive's state lives: for `create()` methods. */
export interface SharedPlacementOptions {
  /**
   * Memory to initialise the primitive in, instead of a fresh buffer of
   * exactly the primitive's `byteLength`.
   * @default {undefined}
   */
  buffer?: SharedArrayBuffer;
  /**
   * Byte offset of the primitive's state in `buffer`, a multiple of 4.
   * @default {0}
   */
  byteOffset?: number;
}

/** Options of the blocking and async waits ({@linkcode Mutex.acquire} and others). */
export interface WaitOptions {
  /**
   * Longest wait in milliseconds before giving up with a
   * {@linkcode DeadlockError}; `Infinity` waits for ever.
   * @default {Infinity}
   */
  timeoutMs?: number;
}

/**
 * Thrown when a wait on a shared primitive times out: the lock, permit or
 * barrier was not obtained in time, most likely because of a deadlock.
 *
 * @example
 * ```ts
 * import { DeadlockError, Mutex } from "./shared.ts";
 * import assert from "node:assert/strict";
 * const mutex = Mutex.create();
 * using _held = mutex.acquire();
 * assert.throws(() => mutex.acquire({ timeoutMs: 1 }), DeadlockError);
 * ```
 */
export class DeadlockError extends Error {
  /**
   * Creates the error.
   *
   * @param message What was not obtained, and within how long.
   */
  constructor(message: string) {
    super(message);
    this.name = "DeadlockError";
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" || typeof value === "function") {
    return (value as { constructor?: { name?: string } }).constructor?.name ??
      "Object";
  }
  return String(value);
}

function int32View(
  what: string,
  buffer: unknown,
  byteOffset: unknown,
  byteLength: number,
): Int32Array {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(
      `Cannot create ${what}: 'buffer' must be a SharedArrayBuffer, received ${
        describe(buffer)
      }`,
    );
  }
  if (typeof byteOffset !== "number") {
    throw new TypeError(
      `Cannot create ${what}: 'byteOffset' must be a number, received ${
        describe(byteOffset)
      }`,
    );
  }
  if (!Number.isSafeInteger(byteOffset) || byteOffset % 4 !== 0) {
    throw new RangeError(
      `Cannot create ${what}: 'byteOffset' must be a non-negative multiple of 4, received ${byteOffset}`,
    );
  }
  if (byteOffset < 0 || byteOffset + byteLength > buffer.byteLength) {
    throw new RangeError(
      `Cannot create ${what}: 'byteOffset' must leave ${byteLength} bytes in a buffer of ${buffer.byteLength} bytes, received ${byteOffset}`,
    );
  }
  return new Int32Array(buffer, byteOffset, byteLength / 4);
}

function positiveInt32(what: string, name: string, value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create ${what}: '${name}' must be a number, received ${
        describe(value)
      }`,
    );
  }
  if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw new RangeError(
      `Cannot create ${what}: '${name}' must be a positive 32-bit integer, received ${value}`,
    );
  }
  return value;
}

function deadline(action: string, options: WaitOptions): number {
  const { timeoutMs = Infinity } = options;
  if (
    typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0
  ) {
    throw new RangeError(
      `Cannot ${action}: 'timeoutMs' must be a non-negative number of milliseconds, received ${
        describe(timeoutMs)
      }`,
    );
  }
  return performance.now() + timeoutMs;
}

function remaining(until: number): number {
  return Math.max(0, until - performance.now());
}

async function waitAsync(
  view: Int32Array,
  index: number,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const result = Atomics.waitAsync(view, index, expected, timeoutMs);
  if (!result.async) return;
  // Deno does not count a pending Atomics.waitAsync as work, so without a
  // timer the event loop could end (and the promise never settle) while the
  // only thing left to do is wait for another thread.
  const keepAlive = setInterval(() => {}, 0x7fffffff);
  try {
    await result.value;
  } finally {
    clearInterval(keepAlive);
  }
}

function once(release: () => void): Disposable {
  let released = false;
  return {
    [Symbol.dispose]() {
      // Disposing twice must not release a lock some other thread now holds.
      if (released) return;
      released = true;
      release();
    },
  };
}

/**
 * A 32-bit integer counter in shared memory, with a racy and an atomic
 * increment to show lost updates side by side.
 *
 * @example
 * ```ts
 * import { SharedCounter } from "./shared.ts";
 * import assert from "node:assert/strict";
 * const counter = SharedCounter.create();
 * counter.incrementAtomic();
 * counter.incrementRacy();
 * assert.equal(counter.value, 2);
 * const sameMemory = new SharedCounter(counter.buffer, counter.byteOffset);
 * assert.equal(sameMemory.value, 2);
 * ```
 */
export class SharedCounter {
  /** Bytes of shared memory one counter needs. */
  static readonly byteLength = 4;

  /**
   * Allocates (or places into `options.buffer`) a counter starting at 0.
   *
   * @param options Where to put the counter.
   * @returns The new counter.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range.
   *
   * @example
   * ```ts
   * import { SharedCounter } from "./shared.ts";
   * import assert from "node:assert/strict";
   * assert.equal(SharedCounter.create().value, 0);
   * ```
   */
  static create(options: SharedPlacementOptions = {}): SharedCounter {
    const {
      buffer = new SharedArrayBuffer(SharedCounter.byteLength),
      byteOffset = 0,
    } = options;
    const counter = new SharedCounter(buffer, byteOffset);
    counter.reset();
    return counter;
  }

  #view: Int32Array;

  /**
   * Wraps a counter already in shared memory.
   *
   * @param buffer The shared memory.
   * @param byteOffset Where the counter is, a multiple of 4.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range.
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.#view = int32View(
      "counter",
      buffer,
      byteOffset,
      SharedCounter.byteLength,
    );
  }

  /** The shared memory holding the counter. */
  get buffer(): SharedArrayBuffer {
    return this.#view.buffer as SharedArrayBuffer;
  }

  /** Where the counter is in {@linkcode SharedCounter.buffer}. */
  get byteOffset(): number {
    return this.#view.byteOffset;
  }

  /** The current value, read atomically. */
  get value(): number {
    return Atomics.load(this.#view, 0);
  }

  /**
   * Adds one with a plain read, add and write: two threads doing this at
   * once can both read the same value and lose one of the updates.
   */
  incrementRacy(): void {
    this.#view[0] = this.#view[0] + 1;
  }

  /**
   * Adds one atomically: never loses an update.
   *
   * @returns The value after the increment.
   */
  incrementAtomic(): number {
    return Atomics.add(this.#view, 0, 1) + 1;
  }

  /** Sets the counter back to 0. */
  reset(): void {
    Atomics.store(this.#view, 0, 0);
  }
}

const UNLOCKED = 0;
const LOCKED = 1;
// Locked, and some thread may be sleeping on the lock: only then does
// release() pay for an Atomics.notify.
const CONTENDED = 2;

/**
 * A mutual-exclusion lock in 4 bytes of shared memory (a futex-style lock:
 * compare-and-exchange when free, `Atomics.wait` when taken). Not
 * re-entrant, and not owned: any thread may release it.
 *
 * @example
 * ```ts
 * import { Mutex } from "./shared.ts";
 * import assert from "node:assert/strict";
 * const mutex = Mutex.create();
 * {
 *   using _lock = mutex.acquire();
 *   assert.equal(mutex.locked, true);
 * }
 * assert.equal(mutex.locked, false);
 * ```
 */
export class Mutex {
  /** Bytes of shared memory one mutex needs. */
  static readonly byteLength = 4;

  /**
   * Allocates (or places into `options.buffer`) an unlocked mutex.
   *
   * @param options Where to put the mutex.
   * @returns The new mutex.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range.
   *
   * @example
   * ```ts
   * import { Mutex } from "./shared.ts";
   * import assert from "node:assert/strict";
   * assert.equal(Mutex.create().locked, false);
   * ```
   */
  static create(options: SharedPlacementOptions = {}): Mutex {
    const { buffer = new SharedArrayBuffer(Mutex.byteLength), byteOffset = 0 } =
      options;
    const mutex = new Mutex(buffer, byteOffset);
    Atomics.store(mutex.#view, 0, UNLOCKED);
    return mutex;
  }

  #view: Int32Array;

  /**
   * Wraps a mutex already in shared memory.
   *
   * @param buffer The shared memory.
   * @param byteOffset Where the mutex is, a multiple of 4.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range.
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.#view = int32View("mutex", buffer, byteOffset, Mutex.byteLength);
  }

  /** The shared memory holding the mutex. */
  get buffer(): SharedArrayBuffer {
    return this.#view.buffer as SharedArrayBuffer;
  }

  /** Where the mutex is in {@linkcode Mutex.buffer}. */
  get byteOffset(): number {
    return this.#view.byteOffset;
  }

  /** Whether some thread holds the lock right now (a snapshot, for tests and displays). */
  get locked(): boolean {
    return Atomics.load(this.#view, 0) !== UNLOCKED;
  }

  /**
   * Takes the lock without waiting, if it is free.
   *
   * @returns A handle releasing the lock when disposed, or `undefined` if the lock is taken.
   *
   * @example
   * ```ts
   * import { Mutex } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const mutex = Mutex.create();
   * using _lock = mutex.tryAcquire();
   * assert.equal(mutex.tryAcquire(), undefined);
   * ```
   */
  tryAcquire(): Disposable | undefined {
    if (Atomics.compareExchange(this.#view, 0, UNLOCKED, LOCKED) !== UNLOCKED) {
      return undefined;
    }
    return once(() => this.release());
  }

  /**
   * Takes the lock, blocking the thread (`Atomics.wait`) while another holds it.
   *
   * @param options How long to wait at most.
   * @returns A handle releasing the lock when disposed: `using lock = mutex.acquire()`.
   * @throws {DeadlockError} When the lock was not acquired within `timeoutMs`.
   * @throws {RangeError} When `timeoutMs` is negative or NaN.
   *
   * @example
   * ```ts
   * import { Mutex } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const mutex = Mutex.create();
   * const lock = mutex.acquire({ timeoutMs: 100 });
   * assert.equal(mutex.locked, true);
   * lock[Symbol.dispose]();
   * assert.equal(mutex.locked, false);
   * ```
   */
  acquire(options: WaitOptions = {}): Disposable {
    const until = deadline("acquire mutex", options);
    let state = Atomics.compareExchange(this.#view, 0, UNLOCKED, LOCKED);
    if (state !== UNLOCKED) {
      // Marking the lock contended before sleeping tells the holder to notify.
      if (state !== CONTENDED) {
        state = Atomics.exchange(this.#view, 0, CONTENDED);
      }
      while (state !== UNLOCKED) {
        const left = remaining(until);
        if (left === 0) throw this.#timedOut(options);
        Atomics.wait(this.#view, 0, CONTENDED, left);
        state = Atomics.exchange(this.#view, 0, CONTENDED);
      }
    }
    return once(() => this.release());
  }

  /**
   * Takes the lock without blocking the event loop (`Atomics.waitAsync`).
   *
   * @param options How long to wait at most.
   * @returns A promise of a handle releasing the lock when disposed.
   * @throws {DeadlockError} When the lock was not acquired within `timeoutMs` (as a rejection).
   * @throws {RangeError} When `timeoutMs` is negative or NaN (as a rejection).
   *
   * @example
   * ```ts
   * import { Mutex } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const mutex = Mutex.create();
   * const first = mutex.acquire();
   * const second = mutex.acquireAsync();
   * first[Symbol.dispose]();
   * using _lock = await second;
   * assert.equal(mutex.locked, true);
   * ```
   */
  async acquireAsync(options: WaitOptions = {}): Promise<Disposable> {
    const until = deadline("acquire mutex", options);
    let state = Atomics.compareExchange(this.#view, 0, UNLOCKED, LOCKED);
    if (state !== UNLOCKED) {
      if (state !== CONTENDED) {
        state = Atomics.exchange(this.#view, 0, CONTENDED);
      }
      while (state !== UNLOCKED) {
        const left = remaining(until);
        if (left === 0) throw this.#timedOut(options);
        await waitAsync(this.#view, 0, CONTENDED, left);
        state = Atomics.exchange(this.#view, 0, CONTENDED);
      }
    }
    return once(() => this.release());
  }

  /**
   * Releases the lock and wakes one waiting thread, if any. Prefer disposing
   * the handle `acquire()` returned.
   *
   * @throws {Error} When the mutex is not locked.
   *
   * @example
   * ```ts
   * import { Mutex } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const mutex = Mutex.create();
   * mutex.acquire();
   * mutex.release();
   * assert.throws(() => mutex.release(), /not locked/);
   * ```
   */
  release(): void {
    const state = Atomics.exchange(this.#view, 0, UNLOCKED);
    if (state === UNLOCKED) {
      throw new Error(
        "Cannot release mutex: it is not locked, received a release without a matching acquire",
      );
    }
    if (state === CONTENDED) Atomics.notify(this.#view, 0, 1);
  }

  #timedOut(options: WaitOptions): DeadlockError {
    return new DeadlockError(
      `Mutex not acquired within ${options.timeoutMs} ms, a probable deadlock`,
    );
  }
}

/**
 * A counting semaphore in 8 bytes of shared memory: at most `permits`
 * holders at once.
 *
 * @example
 * ```ts
 * import { Semaphore } from "./shared.ts";
 * import assert from "node:assert/strict";
 * const semaphore = Semaphore.create(2);
 * using _first = semaphore.acquire();
 * using _second = semaphore.acquire();
 * assert.equal(semaphore.available, 0);
 * assert.equal(semaphore.tryAcquire(), undefined);
 * ```
 */
export class Semaphore {
  /** Bytes of shared memory one semaphore needs. */
  static readonly byteLength = 8;

  /**
   * Allocates (or places into `options.buffer`) a semaphore with all
   * `permits` available.
   *
   * @param permits Most holders at once, a positive 32-bit integer.
   * @param options Where to put the semaphore.
   * @returns The new semaphore.
   * @throws {TypeError} When `permits` is not a number or `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `permits` is not a positive integer, or `byteOffset` is not a multiple of 4 or out of range.
   *
   * @example
   * ```ts
   * import { Semaphore } from "./shared.ts";
   * import assert from "node:assert/strict";
   * assert.equal(Semaphore.create(3).permits, 3);
   * ```
   */
  static create(
    permits: number,
    options: SharedPlacementOptions = {},
  ): Semaphore {
    positiveInt32("semaphore", "permits", permits);
    const {
      buffer = new SharedArrayBuffer(Semaphore.byteLength),
      byteOffset = 0,
    } = options;
    const view = int32View(
      "semaphore",
      buffer,
      byteOffset,
      Semaphore.byteLength,
    );
    Atomics.store(view, 0, permits);
    Atomics.store(view, 1, permits);
    return new Semaphore(buffer, byteOffset);
  }

  // [available permits, total permits]
  #view: Int32Array;

  /**
   * Wraps a semaphore already in shared memory (made by {@linkcode Semaphore.create}).
   *
   * @param buffer The shared memory.
   * @param byteOffset Where the semaphore is, a multiple of 4.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range, or the memory holds no semaphore.
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.#view = int32View(
      "semaphore",
      buffer,
      byteOffset,
      Semaphore.byteLength,
    );
    const permits = Atomics.load(this.#view, 1);
    if (permits < 1) {
      throw new RangeError(
        `Cannot create semaphore: the memory at byte ${byteOffset} must hold a semaphore made by Semaphore.create(), received permits ${permits}`,
      );
    }
  }

  /** The shared memory holding the semaphore. */
  get buffer(): SharedArrayBuffer {
    return this.#view.buffer as SharedArrayBuffer;
  }

  /** Where the semaphore is in {@linkcode Semaphore.buffer}. */
  get byteOffset(): number {
    return this.#view.byteOffset;
  }

  /** Most holders at once. */
  get permits(): number {
    return Atomics.load(this.#view, 1);
  }

  /** Permits free right now (a snapshot). */
  get available(): number {
    return Atomics.load(this.#view, 0);
  }

  /**
   * Takes a permit without waiting, if one is free.
   *
   * @returns A handle giving the permit back when disposed, or `undefined` if none is free.
   */
  tryAcquire(): Disposable | undefined {
    for (;;) {
      const free = Atomics.load(this.#view, 0);
      if (free === 0) return undefined;
      if (Atomics.compareExchange(this.#view, 0, free, free - 1) === free) {
        return once(() => this.release());
      }
    }
  }

  /**
   * Takes a permit, blocking the thread (`Atomics.wait`) while none is free.
   *
   * @param options How long to wait at most.
   * @returns A handle giving the permit back when disposed.
   * @throws {DeadlockError} When no permit was acquired within `timeoutMs`.
   * @throws {RangeError} When `timeoutMs` is negative or NaN.
   *
   * @example
   * ```ts
   * import { DeadlockError, Semaphore } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const semaphore = Semaphore.create(1);
   * using _permit = semaphore.acquire();
   * assert.throws(() => semaphore.acquire({ timeoutMs: 1 }), DeadlockError);
   * ```
   */
  acquire(options: WaitOptions = {}): Disposable {
    const until = deadline("acquire semaphore", options);
    for (;;) {
      const permit = this.tryAcquire();
      if (permit) return permit;
      const left = remaining(until);
      if (left === 0) throw this.#timedOut(options);
      Atomics.wait(this.#view, 0, 0, left);
    }
  }

  /**
   * Takes a permit without blocking the event loop (`Atomics.waitAsync`).
   *
   * @param options How long to wait at most.
   * @returns A promise of a handle giving the permit back when disposed.
   * @throws {DeadlockError} When no permit was acquired within `timeoutMs` (as a rejection).
   * @throws {RangeError} When `timeoutMs` is negative or NaN (as a rejection).
   *
   * @example
   * ```ts
   * import { Semaphore } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const semaphore = Semaphore.create(1);
   * using _permit = await semaphore.acquireAsync();
   * assert.equal(semaphore.available, 0);
   * ```
   */
  async acquireAsync(options: WaitOptions = {}): Promise<Disposable> {
    const until = deadline("acquire semaphore", options);
    for (;;) {
      const permit = this.tryAcquire();
      if (permit) return permit;
      const left = remaining(until);
      if (left === 0) throw this.#timedOut(options);
      await waitAsync(this.#view, 0, 0, left);
    }
  }

  /**
   * Gives a permit back and wakes one waiting thread. Prefer disposing the
   * handle `acquire()` returned.
   *
   * @throws {Error} When every permit is already free (more releases than acquires).
   */
  release(): void {
    const permits = Atomics.load(this.#view, 1);
    for (;;) {
      const free = Atomics.load(this.#view, 0);
      if (free >= permits) {
        throw new Error(
          `Cannot release semaphore: all ${permits} permits are already free, received a release without a matching acquire`,
        );
      }
      if (Atomics.compareExchange(this.#view, 0, free, free + 1) === free) {
        Atomics.notify(this.#view, 0, 1);
        return;
      }
    }
  }

  #timedOut(options: WaitOptions): DeadlockError {
    return new DeadlockError(
      `Semaphore permit not acquired within ${options.timeoutMs} ms, a probable deadlock`,
    );
  }
}

// The barrier's arrivals and round share one 32-bit word, so that arriving,
// completing a round and withdrawing are each a single compare-and-exchange:
// with two words a thread could read the old round, then count itself into
// the next one.
const STATE = 0;
const ROUNDS = 1;
const PARTIES = 2;
const ARRIVALS_MASK = 0xffff;
const MAX_PARTIES = 0xffff;

function arrivalsOf(state: number): number {
  return state & ARRIVALS_MASK;
}

function roundOf(state: number): number {
  return state >>> 16;
}

function packState(round: number, arrivals: number): number {
  return ((round & 0xffff) << 16) | arrivals;
}

/**
 * A reusable barrier in 12 bytes of shared memory: `wait()` blocks until
 * `parties` threads have called it, then lets them all go and resets for
 * the next round.
 *
 * @example
 * ```ts
 * import { Barrier } from "./shared.ts";
 * import assert from "node:assert/strict";
 * const barrier = Barrier.create(1);
 * assert.equal(barrier.wait(), true);
 * assert.equal(barrier.wait(), true);
 * assert.equal(barrier.generation, 2);
 * ```
 */
export class Barrier {
  /** Bytes of shared memory one barrier needs. */
  static readonly byteLength = 12;

  /**
   * Allocates (or places into `options.buffer`) a barrier for `parties` threads.
   *
   * @param parties Threads that must arrive before any may go, an integer from 1 to 65 535.
   * @param options Where to put the barrier.
   * @returns The new barrier.
   * @throws {TypeError} When `parties` is not a number or `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `parties` is out of range, or `byteOffset` is not a multiple of 4 or out of range.
   *
   * @example
   * ```ts
   * import { Barrier } from "./shared.ts";
   * import assert from "node:assert/strict";
   * assert.equal(Barrier.create(4).parties, 4);
   * ```
   */
  static create(
    parties: number,
    options: SharedPlacementOptions = {},
  ): Barrier {
    positiveInt32("barrier", "parties", parties);
    if (parties > MAX_PARTIES) {
      throw new RangeError(
        `Cannot create barrier: 'parties' must be at most ${MAX_PARTIES}, received ${parties}`,
      );
    }
    const {
      buffer = new SharedArrayBuffer(Barrier.byteLength),
      byteOffset = 0,
    } = options;
    const view = int32View("barrier", buffer, byteOffset, Barrier.byteLength);
    Atomics.store(view, STATE, 0);
    Atomics.store(view, ROUNDS, 0);
    Atomics.store(view, PARTIES, parties);
    return new Barrier(buffer, byteOffset);
  }

  #view: Int32Array;

  /**
   * Wraps a barrier already in shared memory (made by {@linkcode Barrier.create}).
   *
   * @param buffer The shared memory.
   * @param byteOffset Where the barrier is, a multiple of 4.
   * @throws {TypeError} When `buffer` is not a `SharedArrayBuffer`.
   * @throws {RangeError} When `byteOffset` is not a multiple of 4 or out of range, or the memory holds no barrier.
   */
  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    this.#view = int32View("barrier", buffer, byteOffset, Barrier.byteLength);
    const parties = Atomics.load(this.#view, PARTIES);
    if (parties < 1 || parties > MAX_PARTIES) {
      throw new RangeError(
        `Cannot create barrier: the memory at byte ${byteOffset} must hold a barrier made by Barrier.create(), received parties ${parties}`,
      );
    }
  }

  /** The shared memory holding the barrier. */
  get buffer(): SharedArrayBuffer {
    return this.#view.buffer as SharedArrayBuffer;
  }

  /** Where the barrier is in {@linkcode Barrier.buffer}. */
  get byteOffset(): number {
    return this.#view.byteOffset;
  }

  /** Threads that must arrive before any may go. */
  get parties(): number {
    return Atomics.load(this.#view, PARTIES);
  }

  /** How many rounds have completed. */
  get generation(): number {
    return Atomics.load(this.#view, ROUNDS);
  }

  /**
   * Arrives at the barrier and blocks (`Atomics.wait`) until all `parties`
   * have arrived in this round.
   *
   * @param options How long to wait at most.
   * @returns `true` in exactly one party per round (the last to arrive), `false` in the others.
   * @throws {DeadlockError} When the round did not complete within `timeoutMs`; the arrival is withdrawn.
   * @throws {RangeError} When `timeoutMs` is negative or NaN.
   *
   * @example
   * ```ts
   * import { Barrier, DeadlockError } from "./shared.ts";
   * import assert from "node:assert/strict";
   * const barrier = Barrier.create(2);
   * assert.throws(() => barrier.wait({ timeoutMs: 1 }), DeadlockError);
   * assert.throws(() => barrier.wait({ timeoutMs: 1 }), DeadlockError);
   * ```
   */
  wait(options: WaitOptions = {}): boolean {
    const until = deadline("wait at barrier", options);
    const view = this.#view;
    const parties = Atomics.load(view, PARTIES);
    let round: number;
    for (;;) {
      const state = Atomics.load(view, STATE);
      round = roundOf(state);
      const arrivals = arrivalsOf(state);
      const last = arrivals + 1 === parties;
      const next = last
        ? packState(round + 1, 0)
        : packState(round, arrivals + 1);
      if (Atomics.compareExchange(view, STATE, state, next) !== state) continue;
      if (last) {
        Atomics.add(view, ROUNDS, 1);
        Atomics.notify(view, STATE);
        return true;
      }
      break;
    }
    for (;;) {
      const state = Atomics.load(view, STATE);
      if (roundOf(state) !== round) return false;
      const left = remaining(until);
      if (left === 0) {
        if (Atomics.compareExchange(view, STATE, state, state - 1) === state) {
          throw this.#timedOut(options, arrivalsOf(state) - 1);
        }
        continue;
      }
      // Other arrivals change the word too; waking early for them is harmless.
      Atomics.wait(view, STATE, state, left);
    }
  }

  #timedOut(options: WaitOptions, others: number): DeadlockError {
    const parties = Atomics.load(this.#view, PARTIES);
    return new DeadlockError(
      `Barrier not passed within ${options.timeoutMs} ms, only ${others} of the other ${
        parties - 1
      } parties arrived, a probable deadlock`,
    );
  }
}
