/**
 * Speedup, efficiency and throughput of runs against a baseline measured in
 * the same run.
 *
 * @example
 * ```ts
 * import { compareToBaseline } from "./compare.ts";
 * import { timeIt } from "./time_it.ts";
 * import { countPrimes } from "../workloads/workloads.ts";
 * import assert from "node:assert/strict";
 * const one = await timeIt(() => countPrimes(0, 20_000), { repeats: 3 });
 * const [row] = compareToBaseline(one.medianMs, [
 *   { name: "again", medianMs: one.medianMs, units: 1, items: 20_000 },
 * ]);
 * assert.equal(row.speedup, 1);
 * assert.equal(row.efficiency, 1);
 * ```
 *
 * @module
 */

import { assertInteger, assertMilliseconds } from "../util/validate.ts";

const WHERE = "Cannot compare to the baseline";

/** One timed run to compare with a baseline. */
export interface RunToCompare {
  /** What ran, e.g. `"4 workers"`. */
  name: string;
  /** Its median time, in milliseconds. */
  medianMs: number;
  /** How many workers, processes or cores it used, for efficiency. */
  units: number;
  /** How many items it processed, for throughput. */
  items: number;
}

/** A run compared with the baseline. */
export interface Comparison extends RunToCompare {
  /** Baseline time over this run's time: above 1 is faster. */
  speedup: number;
  /** Speedup per unit: 1 is perfect scaling. */
  efficiency: number;
  /** Items per second. */
  itemsPerSecond: number;
}

/**
 * Speedup, efficiency and throughput of runs against a baseline time that
 * was measured in the same run (never a figure from another machine or day).
 *
 * @param baselineMs The baseline's median time, in milliseconds.
 * @param runs The runs to compare.
 * @returns One comparison per run, in order.
 * @throws {RangeError} When a time is not positive and finite, or `units`
 *   or `items` is not a positive integer.
 *
 * @example
 * ```ts
 * import { compareToBaseline } from "./compare.ts";
 * import assert from "node:assert/strict";
 * const [two] = compareToBaseline(100, [
 *   { name: "2 workers", medianMs: 60, units: 2, items: 1000 },
 * ]);
 * assert.equal(two.speedup.toFixed(2), "1.67");
 * assert.equal(two.efficiency.toFixed(2), "0.83");
 * assert.equal(Math.round(two.itemsPerSecond), 16_667);
 * ```
 */
export function compareToBaseline(
  baselineMs: number,
  runs: readonly RunToCompare[],
): Comparison[] {
  assertMilliseconds(WHERE, "baselineMs", baselineMs);
  return runs.map((run) => {
    assertMilliseconds(WHERE, `${run.name}: medianMs`, run.medianMs);
    for (const key of ["units", "items"] as const) {
      assertInteger(WHERE, `${run.name}: ${key}`, run[key]);
    }
    const speedup = baselineMs / run.medianMs;
    return {
      ...run,
      speedup,
      efficiency: speedup / run.units,
      itemsPerSecond: run.items / (run.medianMs / 1000),
    };
  });
}
