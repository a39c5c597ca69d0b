/**
 * A futex-style mutual-exclusion lock on `SharedArrayBuffer` + `Atomics`.
 *
 * Its blocking `acquire()` uses `Atomics.wait`, which Deno allows on the main
 * thread too (browsers do not); `acquireAsync()` uses `Atomics.waitAsync` for
 * code that must keep its event loop running.
 *
 * @module
 */

import {
  deadline,
  int32View,
  once,
  remaining,
  waitAsync,
} from "./_shared_memory.ts";
import { DeadlockError } from "./deadlock_error.ts";
import type { SharedPlacementOptions, WaitOptions } from "./options.ts";

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
 * import { Mutex } from "./mutex.ts";
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
   * import { Mutex } from "./mutex.ts";
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
   * import { Mutex } from "./mutex.ts";
   * import assert from "node:assert/strict";
   * const mutex = Mutex.create();
   * using _lock = mutex.tryAcquire();
   * assert.equal(mutex.tryAcquire(), undefined);
   * ```
   */
  tryAcquire(): Disposable | undefined {
    return this.#lock() ? once(() => this.release()) : undefined;
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
   * import { Mutex } from "./mutex.ts";
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
    if (!this.#lock()) {
      for (const left of this.#waitsWhileContended(until, options)) {
        Atomics.wait(this.#view, 0, CONTENDED, left);
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
   * import { Mutex } from "./mutex.ts";
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
    if (!this.#lock()) {
      for (const left of this.#waitsWhileContended(until, options)) {
        await waitAsync(this.#view, 0, CONTENDED, left);
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
   * import { Mutex } from "./mutex.ts";
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

  /** Takes the lock if it is free; says whether it did. */
  #lock(): boolean {
    return Atomics.compareExchange(this.#view, 0, UNLOCKED, LOCKED) ===
      UNLOCKED;
  }

  /**
   * The waiting half of both acquires, once the lock was found taken: marks
   * it contended, which tells the holder to notify, and yields the
   * milliseconds the caller should sleep (`Atomics.wait` or
   * `Atomics.waitAsync`), retrying after each sleep until it holds the lock
   * or `until` passes. A generator, so that one protocol serves the
   * blocking and the async wait; the free lock never gets here.
   */
  *#waitsWhileContended(
    until: number,
    options: WaitOptions,
  ): Generator<number, void, void> {
    while (Atomics.exchange(this.#view, 0, CONTENDED) !== UNLOCKED) {
      const left = remaining(until);
      if (left === 0) throw this.#timedOut(options);
      yield left;
    }
  }

  #timedOut(options: WaitOptions): DeadlockError {
    return new DeadlockError(
      `Mutex not acquired within ${options.timeoutMs} ms, a probable deadlock`,
    );
  }
}
