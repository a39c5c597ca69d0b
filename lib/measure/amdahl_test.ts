import assert from "node:assert/strict";
import { amdahlSpeedup, fitAmdahl } from "./amdahl.ts";
import { seededRandom } from "../workloads/workloads.ts";

Deno.test("amdahlSpeedup is 1 on one processor and n when all is parallel", () => {
  for (const p of [0, 0.3, 0.9, 1]) assert.equal(amdahlSpeedup(p, 1), 1);
  for (const n of [1, 2, 8, 64]) assert.equal(amdahlSpeedup(1, n), n);
  assert.equal(amdahlSpeedup(0, 64), 1);
});

Deno.test("amdahlSpeedup approaches 1 / (1 - p) with many processors", () => {
  assert.ok(Math.abs(amdahlSpeedup(0.95, 1e9) - 20) < 1e-6);
});

Deno.test("amdahlSpeedup rejects a bad fraction or processor count", () => {
  assert.throws(() => amdahlSpeedup(1.5, 2), {
    name: "RangeError",
    message:
      "Cannot apply Amdahl's law: 'parallelFraction' must be a number in [0, 1], received 1.5",
  });
  assert.throws(
    () => amdahlSpeedup(0.5, 0),
    /'processors' must be a positive number, received 0/,
  );
});

Deno.test("fitAmdahl recovers p from exact synthetic speedups", () => {
  for (const p of [0, 0.25, 0.5, 0.8, 0.99, 1]) {
    const points = [1, 2, 3, 4, 6, 8].map((processors) => ({
      processors,
      speedup: amdahlSpeedup(p, processors),
    }));
    const fit = fitAmdahl(points);
    assert.ok(
      Math.abs(fit.parallelFraction - p) < 1e-6,
      `expected ${p}, fitted ${fit.parallelFraction}`,
    );
    assert.ok(fit.rmse < 1e-6);
  }
});

Deno.test("fitAmdahl recovers p from seeded noisy speedups", () => {
  const random = seededRandom(42);
  const points = [];
  for (let repeat = 0; repeat < 20; repeat++) {
    for (const processors of [1, 2, 4, 8]) {
      const noise = 1 + (random() - 0.5) * 0.04;
      points.push({
        processors,
        speedup: amdahlSpeedup(0.9, processors) * noise,
      });
    }
  }
  const fit = fitAmdahl(points);
  assert.ok(
    Math.abs(fit.parallelFraction - 0.9) < 0.01,
    `fitted ${fit.parallelFraction}`,
  );
  assert.ok(Math.abs(fit.maxSpeedup - 10) < 1.5);
  assert.ok(fit.rmse > 0 && fit.rmse < 0.2);
});

Deno.test("fitAmdahl clamps to [0, 1] when speedups are below 1 or above linear", () => {
  assert.equal(
    fitAmdahl([{ processors: 2, speedup: 0.5 }, {
      processors: 4,
      speedup: 0.4,
    }])
      .parallelFraction,
    0,
  );
  const superLinear = fitAmdahl([{ processors: 2, speedup: 3 }]);
  assert.equal(superLinear.parallelFraction, 1);
  assert.equal(superLinear.maxSpeedup, Infinity);
});

Deno.test("fitAmdahl rejects no points and non-finite speedups", () => {
  assert.throws(() => fitAmdahl([]), {
    name: "RangeError",
    message:
      "Cannot fit Amdahl's law: 'points' must be a non-empty array, received 0 points",
  });
  assert.throws(
    () => fitAmdahl([{ processors: 2, speedup: NaN }]),
    /point 0 has a speedup that is not finite, received NaN/,
  );
});
