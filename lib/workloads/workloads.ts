/**
 * The course's workloads as plain functions: the same code runs sequentially,
 * as async tasks, inside workers and inside child processes, so every mode
 * computes exactly the same thing.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";

/**
 * Counts the primes `p` with `start <= p < end`, by trial division.
 *
 * Deliberately simple and CPU-bound: no allocation, no I/O, cost grows with
 * the range, so it is a fair unit of work to split into chunks.
 *
 * @param start First number of the range (inclusive), a non-negative integer.
 * @param end End of the range (exclusive), an integer not below `start`.
 * @returns How many primes lie in `[start, end)`.
 * @throws {RangeError} When the bounds are not integers with `0 <= start <= end`.
 *
 * @example
 * ```ts
 * import { countPrimes } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * assert.equal(countPrimes(0, 100), 25);
 * ```
 */
export function countPrimes(start: number, end: number): number {
  assertInteger("Cannot count primes", "start", start, { min: 0 });
  if (!Number.isSafeInteger(end) || end < start) {
    throw new RangeError(
      `Cannot count primes: 'end' must be an integer not below start (${start}), received ${end}`,
    );
  }
  let count = 0;
  for (let candidate = Math.max(start, 2); candidate < end; candidate++) {
    if (isPrime(candidate)) count++;
  }
  return count;
}

function isPrime(candidate: number): boolean {
  if (candidate < 4) return candidate >= 2;
  if (candidate % 2 === 0) return false;
  for (let divisor = 3; divisor * divisor <= candidate; divisor += 2) {
    if (candidate % divisor === 0) return false;
  }
  return true;
}

/**
 * Splits `[start, end)` into consecutive ranges of at most `chunkSize` numbers.
 *
 * @param start First number (inclusive).
 * @param end End (exclusive).
 * @param chunkSize Largest size of one range, a positive integer.
 * @returns The ranges as `[start, end]` pairs, in order, covering the input.
 * @throws {RangeError} When `chunkSize` is not a positive integer.
 *
 * @example
 * ```ts
 * import { splitRange } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitRange(0, 10, 4), [[0, 4], [4, 8], [8, 10]]);
 * ```
 */
export function splitRange(
  start: number,
  end: number,
  chunkSize: number,
): [number, number][] {
  assertInteger("Cannot split range", "chunkSize", chunkSize);
  const ranges: [number, number][] = [];
  for (let low = start; low < end; low += chunkSize) {
    ranges.push([low, Math.min(low + chunkSize, end)]);
  }
  return ranges;
}

/**
 * Estimates π from `samples` random points, using a seeded generator so the
 * same seed gives the same estimate in every mode.
 *
 * @param samples How many points to draw, a positive integer.
 * @param seed Seed of the generator (any 32-bit integer).
 * @returns The estimate of π.
 * @throws {RangeError} When `samples` is not a positive integer.
 *
 * @example
 * ```ts
 * import { monteCarloPi } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * const estimate = monteCarloPi(100_000, 42);
 * assert.ok(Math.abs(estimate - Math.PI) < 0.05);
 * assert.equal(estimate, monteCarloPi(100_000, 42));
 * ```
 */
export function monteCarloPi(samples: number, seed: number): number {
  assertInteger("Cannot estimate pi", "samples", samples);
  const random = seededRandom(seed);
  let inside = 0;
  for (let i = 0; i < samples; i++) {
    const x = random();
    const y = random();
    if (x * x + y * y <= 1) inside++;
  }
  return (4 * inside) / samples;
}

/**
 * A small, fast seeded pseudo-random generator (mulberry32), for workloads
 * that must be reproducible. Not for cryptography.
 *
 * @param seed Any 32-bit integer.
 * @returns A function giving numbers in `[0, 1)`.
 *
 * @example
 * ```ts
 * import { seededRandom } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * assert.equal(seededRandom(7)(), seededRandom(7)());
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Keeps the current thread busy for `ms` milliseconds: a CPU-bound stand-in
 * for work of a known length. It blocks the event loop on purpose.
 *
 * @param ms How long to spin, a non-negative finite number of milliseconds.
 * @returns How many loop iterations ran (so the work is not optimised away).
 * @throws {RangeError} When `ms` is negative or not finite.
 *
 * @example
 * ```ts
 * import { busyLoop } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * const started = performance.now();
 * busyLoop(5);
 * assert.ok(performance.now() - started >= 5);
 * ```
 */
export function busyLoop(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `Cannot spin: 'ms' must be a non-negative number of milliseconds, received ${ms}`,
    );
  }
  const deadline = performance.now() + ms;
  let iterations = 0;
  while (performance.now() < deadline) iterations++;
  return iterations;
}

/**
 * Builds `count` small records and serialises them with `JSON.stringify`:
 * the everyday kind of CPU work (building and encoding data) a server does
 * per request. 6 000 records take about a millisecond on one core of this
 * project's 2-core VM.
 *
 * @param count How many records, a non-negative integer.
 * @returns The length of the JSON text.
 * @throws {RangeError} When `count` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { stringifyRecords } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stringifyRecords(0), 2); // "[]"
 * assert.ok(stringifyRecords(10) > stringifyRecords(1));
 * ```
 */
export function stringifyRecords(count: number): number {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot stringify records: 'count' must be a non-negative integer, received ${count}`,
    );
  }
  const records = new Array(count);
  for (let i = 0; i < count; i++) {
    records[i] = {
      id: i,
      name: `record ${i}`,
      tags: ["a", "b", String(i % 7)],
      score: i * 0.5,
    };
  }
  return JSON.stringify(records).length;
}

/**
 * Waits `ms` milliseconds without blocking: an I/O-bound stand-in.
 *
 * @param ms How long to wait, a non-negative finite number of milliseconds.
 * @param signal Aborts the wait, rejecting with `signal.reason`.
 * @returns A promise that resolves after `ms` milliseconds.
 *
 * @example
 * ```ts
 * import { sleep } from "./workloads.ts";
 * import assert from "node:assert/strict";
 * const started = performance.now();
 * await sleep(10);
 * assert.ok(performance.now() - started >= 9);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!Number.isFinite(ms) || ms < 0) {
    return Promise.reject(
      new RangeError(
        `Cannot sleep: 'ms' must be a non-negative number of milliseconds, received ${ms}`,
      ),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
