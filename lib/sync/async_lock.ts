/**
 * A lock for async tasks on one thread, built on a queue of promises.
 *
 * @module
 */

/**
 * A lock for async tasks on one thread: `acquire()` resolves when every
 * earlier holder has released. No shared memory, no `Atomics`: a queue of
 * promises.
 *
 * @example
 * ```ts
 * import { AsyncLock } from "./async_lock.ts";
 * import assert from "node:assert/strict";
 * const lock = new AsyncLock();
 * const order: string[] = [];
 * const first = await lock.acquire();
 * const second = lock.acquire().then((release) => { order.push("second"); release(); });
 * order.push("first");
 * first();
 * await second;
 * assert.deepEqual(order, ["first", "second"]);
 * ```
 */
export class AsyncLock {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Waits for the lock.
   *
   * @returns A promise of the function that releases it.
   */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const turn = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => released);
    return turn;
  }
}
