/**
 * Internal helpers of the synchronisation primitives: argument checks that
 * name the bad value, shared-memory views, deadlines and waits.
 *
 * @module
 */

import type { WaitOptions } from "./options.ts";

export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" || typeof value === "function") {
    return (value as { constructor?: { name?: string } }).constructor?.name ??
      "Object";
  }
  return String(value);
}

export function int32View(
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

export function positiveInt32(
  what: string,
  name: string,
  value: unknown,
): number {
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

export function deadline(action: string, options: WaitOptions): number {
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

export function remaining(until: number): number {
  return Math.max(0, until - performance.now());
}

export async function waitAsync(
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

export function once(release: () => void): Disposable {
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
