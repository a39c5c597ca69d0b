/**
 * The error a shared primitive's wait throws when it times out.
 *
 * @module
 */

/**
 * Thrown when a wait on a shared primitive times out: the lock, permit or
 * barrier was not obtained in time, most likely because of a deadlock.
 *
 * @example
 * ```ts
 * import { DeadlockError } from "./deadlock_error.ts";
 * import { Mutex } from "./mutex.ts";
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
