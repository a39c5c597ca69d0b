/**
 * Options shared by the synchronisation primitives on `SharedArrayBuffer`:
 * where a primitive's state lives, and how long a wait may last.
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
