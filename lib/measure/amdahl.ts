/**
 * Amdahl's law: the speedup a job can reach on `n` processors when only a
 * fraction `p` of it runs in parallel, and a least-squares fit of `p` to
 * measured speedups.
 *
 * @module
 */

/** One measured point: a processor count and the speedup seen with it. */
export interface SpeedupPoint {
  /** Processors (or workers) that ran the job, a positive number. */
  processors: number;
  /** Measured speedup against one processor. */
  speedup: number;
}

/** The result of {@linkcode fitAmdahl}. */
export interface AmdahlFit {
  /** The fitted parallel fraction `p`, in `[0, 1]`. */
  parallelFraction: number;
  /** The largest speedup the fit allows with unlimited processors: `1 / (1 - p)`. */
  maxSpeedup: number;
  /** Root-mean-square error of the fit over the points, in speedup units. */
  rmse: number;
}

function checkFraction(parallelFraction: number): void {
  if (
    !Number.isFinite(parallelFraction) || parallelFraction < 0 ||
    parallelFraction > 1
  ) {
    throw new RangeError(
      `Cannot apply Amdahl's law: 'parallelFraction' must be a number in [0, 1], received ${parallelFraction}`,
    );
  }
}

function checkProcessors(processors: number): void {
  if (!Number.isFinite(processors) || processors <= 0) {
    throw new RangeError(
      `Cannot apply Amdahl's law: 'processors' must be a positive number, received ${processors}`,
    );
  }
}

/**
 * The speedup Amdahl's law predicts: `1 / ((1 - p) + p / n)`.
 *
 * @param parallelFraction The fraction `p` of the work that runs in parallel, in `[0, 1]`.
 * @param processors The processor count `n`, a positive number.
 * @returns The predicted speedup against one processor.
 * @throws {RangeError} When `parallelFraction` is outside `[0, 1]` or `processors` is not positive.
 *
 * @example
 * ```ts
 * import { amdahlSpeedup } from "./amdahl.ts";
 * import assert from "node:assert/strict";
 * assert.equal(amdahlSpeedup(1, 4), 4);
 * assert.equal(amdahlSpeedup(0.5, 2), 4 / 3);
 * ```
 */
export function amdahlSpeedup(
  parallelFraction: number,
  processors: number,
): number {
  checkFraction(parallelFraction);
  checkProcessors(processors);
  return 1 / ((1 - parallelFraction) + parallelFraction / processors);
}

function sumOfSquares(points: readonly SpeedupPoint[], p: number): number {
  let total = 0;
  for (const { processors, speedup } of points) {
    const error = amdahlSpeedup(p, processors) - speedup;
    total += error * error;
  }
  return total;
}

/**
 * Fits the parallel fraction `p` of Amdahl's law to measured speedups by
 * least squares: a grid search over `[0, 1]`, then golden-section refinement
 * around the best grid point.
 *
 * @param points Measured speedups, at least one, each with a positive processor count.
 * @returns The fitted `p`, the speedup limit it implies, and the fit's error.
 * @throws {RangeError} When `points` is empty or a point is not finite.
 *
 * @example
 * ```ts
 * import { amdahlSpeedup, fitAmdahl } from "./amdahl.ts";
 * import assert from "node:assert/strict";
 * const points = [1, 2, 4, 8].map((processors) => ({
 *   processors,
 *   speedup: amdahlSpeedup(0.9, processors),
 * }));
 * const fit = fitAmdahl(points);
 * assert.ok(Math.abs(fit.parallelFraction - 0.9) < 1e-6);
 * assert.ok(fit.rmse < 1e-6);
 * ```
 */
export function fitAmdahl(points: readonly SpeedupPoint[]): AmdahlFit {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RangeError(
      `Cannot fit Amdahl's law: 'points' must be a non-empty array, received ${
        Array.isArray(points) ? "0 points" : typeof points
      }`,
    );
  }
  points.forEach(({ processors, speedup }, index) => {
    checkProcessors(processors);
    if (!Number.isFinite(speedup)) {
      throw new RangeError(
        `Cannot fit Amdahl's law: point ${index} has a speedup that is not finite, received ${speedup}`,
      );
    }
  });
  const steps = 1000;
  let best = 0;
  for (let i = 1; i <= steps; i++) {
    if (sumOfSquares(points, i / steps) < sumOfSquares(points, best / steps)) {
      best = i;
    }
  }
  let low = Math.max(0, (best - 1) / steps);
  let high = Math.min(1, (best + 1) / steps);
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 60; i++) {
    const left = high - ratio * (high - low);
    const right = low + ratio * (high - low);
    if (sumOfSquares(points, left) <= sumOfSquares(points, right)) high = right;
    else low = left;
  }
  // The minimum may sit on a bound of [0, 1]: keep the bound when it is no worse.
  const parallelFraction = [0, 1].reduce(
    (bestSoFar, bound) =>
      sumOfSquares(points, bound) <= sumOfSquares(points, bestSoFar)
        ? bound
        : bestSoFar,
    (low + high) / 2,
  );
  return {
    parallelFraction,
    maxSpeedup: parallelFraction === 1 ? Infinity : 1 / (1 - parallelFraction),
    rmse: Math.sqrt(sumOfSquares(points, parallelFraction) / points.length),
  };
}
