/**
 * A 32-bit counter in shared memory, with a racy and an atomic increment.
 *
 * @module
 */

import { int32View } from "./_shared_memory.ts";
import type { SharedPlacementOptions } from "./options.ts";

/**
 * A 32-bit integer counter in shared memory, with a racy and an atomic
 * increment to show lost updates side by side.
 *
 * @example
 * ```ts
 * import { SharedCounter } from "./shared_counter.ts";
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
   * import { SharedCounter } from "./shared_counter.ts";
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
