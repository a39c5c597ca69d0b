/**
 * Timing with warm-up and repeats: the one way every experiment is measured.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";

/** Options of {@linkcode timeIt}. */
export interface TimeItOptions {
  /**
   * Runs made first and thrown away, so JIT compilation is not measured.
   * @default {1}
   */
  warmup?: number;
  /**
   * Measured runs.
   * @default {5}
   */
  repeats?: number;
}

/** The samples of a timed function and their summary, in milliseconds. */
export interface Timing<T> {
  /** Every measured run's duration, in order. */
  samplesMs: number[];
  /** The median run. */
  medianMs: number;
  /** The fastest run. */
  minMs: number;
  /** The slowest run. */
  maxMs: number;
  /** What the last run returned. */
  result: T;
}

/**
 * Times `work` after warm-up runs, over several repeats.
 *
 * @param work The function to time; may be async.
 * @param options Warm-up and repeat counts.
 * @returns The samples, median, minimum and maximum in milliseconds, and the last result.
 * @throws {RangeError} When `repeats` is not a positive integer or `warmup` is negative.
 *
 * @example
 * ```ts
 * import { timeIt } from "./time_it.ts";
 * import assert from "node:assert/strict";
 * const timing = await timeIt(() => 6 * 7, { repeats: 3 });
 * assert.equal(timing.result, 42);
 * assert.equal(timing.samplesMs.length, 3);
 * assert.ok(timing.minMs <= timing.medianMs && timing.medianMs <= timing.maxMs);
 * ```
 */
export async function timeIt<T>(
  work: () => T | Promise<T>,
  options: TimeItOptions = {},
): Promise<Timing<T>> {
  const { warmup = 1, repeats = 5 } = options;
  assertInteger("Cannot time", "repeats", repeats);
  assertInteger("Cannot time", "warmup", warmup, { min: 0 });
  for (let i = 0; i < warmup; i++) await work();
  const samplesMs: number[] = [];
  let result!: T;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    result = await work();
    samplesMs.push(performance.now() - started);
  }
  return {
    samplesMs,
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    result,
  };
}

/**
 * The median of some numbers: the middle one, or the mean of the middle two.
 *
 * @param values At least one number.
 * @returns The median.
 * @throws {RangeError} When `values` is empty.
 *
 * @example
 * ```ts
 * import { median } from "./time_it.ts";
 * import assert from "node:assert/strict";
 * assert.equal(median([3, 1, 2]), 2);
 * assert.equal(median([4, 1, 3, 2]), 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new RangeError("Cannot take the median: 'values' is empty");
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}
