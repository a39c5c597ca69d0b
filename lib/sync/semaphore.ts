/**
 * A counting semaphore on `SharedArrayBuffer` + `Atomics`, blocking or async.
 *
 * @module
 */

import {
  deadline,
  int32View,
  once,
  positiveInt32,
  remaining,
  waitAsync,
} from "./_shared_memory.ts";
import { DeadlockError } from "./deadlock_error.ts";
import type { SharedPlacementOptions, WaitOptions } from "./options.ts";

/**
 * A counting semaphore in 8 bytes of shared memory: at most `permits`
 * holders at once.
 *
 * @example
 * ```ts
 * import { Semaphore } from "./semaphore.ts";
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
   * import { Semaphore } from "./semaphore.ts";
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
    return this.#take() ? once(() => this.release()) : undefined;
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
   * import { DeadlockError } from "./deadlock_error.ts";
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   * const semaphore = Semaphore.create(1);
   * using _permit = semaphore.acquire();
   * assert.throws(() => semaphore.acquire({ timeoutMs: 1 }), DeadlockError);
   * ```
   */
  acquire(options: WaitOptions = {}): Disposable {
    const until = deadline("acquire semaphore", options);
    if (!this.#take()) {
      for (const left of this.#waitsForPermit(until, options)) {
        Atomics.wait(this.#view, 0, 0, left);
      }
    }
    return once(() => this.release());
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
   * import { Semaphore } from "./semaphore.ts";
   * import assert from "node:assert/strict";
   * const semaphore = Semaphore.create(1);
   * using _permit = await semaphore.acquireAsync();
   * assert.equal(semaphore.available, 0);
   * ```
   */
  async acquireAsync(options: WaitOptions = {}): Promise<Disposable> {
    const until = deadline("acquire semaphore", options);
    if (!this.#take()) {
      for (const left of this.#waitsForPermit(until, options)) {
        await waitAsync(this.#view, 0, 0, left);
      }
    }
    return once(() => this.release());
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

  /** Takes a free permit, if there is one. */
  #take(): boolean {
    for (;;) {
      const free = Atomics.load(this.#view, 0);
      if (free === 0) return false;
      if (Atomics.compareExchange(this.#view, 0, free, free - 1) === free) {
        return true;
      }
    }
  }

  /**
   * The waiting half of both acquires, once no permit was free: yields the
   * milliseconds the caller should sleep while none is (`Atomics.wait` or
   * `Atomics.waitAsync`), retrying after each sleep until it holds a permit
   * or `until` passes. A generator, so that one protocol serves the
   * blocking and the async wait; a free permit never gets here.
   */
  *#waitsForPermit(
    until: number,
    options: WaitOptions,
  ): Generator<number, void, void> {
    do {
      const left = remaining(until);
      if (left === 0) throw this.#timedOut(options);
      yield left;
    } while (!this.#take());
  }

  #timedOut(options: WaitOptions): DeadlockError {
    return new DeadlockError(
      `Semaphore permit not acquired within ${options.timeoutMs} ms, a probable deadlock`,
    );
  }
}
