/**
 * A reusable barrier on `SharedArrayBuffer` + `Atomics`.
 *
 * @module
 */

import {
  deadline,
  int32View,
  positiveInt32,
  remaining,
} from "./_shared_memory.ts";
import { DeadlockError } from "./deadlock_error.ts";
import type { SharedPlacementOptions, WaitOptions } from "./options.ts";

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
 * import { Barrier } from "./barrier.ts";
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
   * import { Barrier } from "./barrier.ts";
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
   * import { Barrier } from "./barrier.ts";
   * import { DeadlockError } from "./deadlock_error.ts";
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
