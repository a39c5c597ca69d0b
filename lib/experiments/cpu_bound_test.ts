import assert from "node:assert/strict";
import {
  checkCpuBoundParameters,
  chunkSizeSweep,
  cpuBoundExperiment,
  scalingExperiment,
} from "./cpu_bound.ts";
import { countPrimes } from "../workloads/workloads.ts";

Deno.test("cpuBoundExperiment() finds the same primes in every mode, with the first mode as baseline", async () => {
  const results = await cpuBoundExperiment(20_000, {
    repeats: 2,
    chunks: 5,
    parallelism: 2,
  });
  assert.deepEqual(results.map((result) => result.mode), [
    "sequential",
    "async tasks",
    "workers",
    "processes",
  ]);
  for (const result of results) {
    assert.equal(result.primes, 2_262, result.mode);
    assert.equal(result.samplesMs.length, 2);
    assert.ok(result.medianMs > 0);
  }
  assert.equal(results[0].speedup, 1);
});

Deno.test("cpuBoundExperiment() rejects sizes that are not positive integers, naming the value", async (t) => {
  const cases: [number, object, RegExp][] = [
    [0, {}, /'limit' must be a positive integer, received 0/],
    [1_000, { chunks: -1 }, /'chunks' must be a positive integer, received -1/],
    [
      1_000,
      { parallelism: 1.5 },
      /'parallelism' must be a positive integer, received 1.5/,
    ],
    [
      1_000,
      { parallelism: NaN },
      /'parallelism' must be a positive integer, received NaN/,
    ],
  ];
  for (const [limit, options, message] of cases) {
    await t.step(`${limit} ${JSON.stringify(options)}`, async () => {
      await assert.rejects(
        cpuBoundExperiment(limit, options),
        (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

const good = {
  primesUpTo: 10_000,
  repeats: 2,
  chunks: 8,
  maxWorkers: 4,
  chunkSizes: [10, 1000],
};

Deno.test("checkCpuBoundParameters accepts good knobs and names a bad one", () => {
  checkCpuBoundParameters(good);
  assert.throws(() => checkCpuBoundParameters({ ...good, maxWorkers: 0 }), {
    name: "RangeError",
    message:
      "Cannot run the CPU-bound notebook: 'maxWorkers' must be a positive integer, received 0",
  });
  assert.throws(
    () => checkCpuBoundParameters({ ...good, repeats: 1.5 }),
    /'repeats' must be a positive integer, received 1.5/,
  );
  assert.throws(
    () => checkCpuBoundParameters({ ...good, chunkSizes: [10, -1] }),
    /'chunkSizes\[1\]' must be a positive integer, received -1/,
  );
  assert.throws(
    () => checkCpuBoundParameters({ ...good, chunkSizes: [] }),
    /'chunkSizes' must be a non-empty array/,
  );
});

Deno.test("scalingExperiment measures each worker count and agrees on the count", async () => {
  const seen: number[] = [];
  const points = await scalingExperiment(20_000, {
    workerCounts: [1, 2, 3],
    chunks: 6,
    repeats: 2,
    onPoint: (point) => seen.push(point.workers),
  });
  assert.deepEqual(seen, [1, 2, 3]);
  const expected = countPrimes(0, 20_000);
  for (const point of points) {
    assert.equal(point.primes, expected);
    assert.equal(point.samplesMs.length, 2);
    assert.ok(point.minMs <= point.medianMs && point.medianMs <= point.maxMs);
    assert.ok(point.minSpeedup <= point.speedup);
    assert.ok(point.speedup <= point.maxSpeedup);
  }
  assert.equal(points[0].speedup, 1);
});

Deno.test("scalingExperiment rejects bad options", async () => {
  await assert.rejects(
    () => scalingExperiment(0),
    /'limit' must be a positive integer, received 0/,
  );
  await assert.rejects(
    () => scalingExperiment(100, { workerCounts: [1, 0] }),
    /'workerCounts\[1\]' must be a positive integer, received 0/,
  );
  await assert.rejects(
    () => scalingExperiment(100, { workerCounts: [] }),
    /'workerCounts' must be a non-empty array/,
  );
});

Deno.test("chunkSizeSweep counts chunks per size and agrees on the count", async () => {
  const points = await chunkSizeSweep(20_000, [7, 1000, 50_000], {
    workers: 2,
    repeats: 1,
  });
  assert.deepEqual(points.map((point) => point.chunks), [2858, 20, 1]);
  const expected = countPrimes(0, 20_000);
  for (const point of points) assert.equal(point.primes, expected);
});

Deno.test("chunkSizeSweep: tiny chunks cost more than moderate ones", async () => {
  const [tiny, moderate] = await chunkSizeSweep(50_000, [5, 5_000], {
    workers: 2,
    repeats: 3,
  });
  assert.ok(
    tiny.medianMs > moderate.medianMs,
    `${tiny.medianMs} vs ${moderate.medianMs}`,
  );
});

Deno.test("chunkSizeSweep rejects bad options", async () => {
  await assert.rejects(
    () => chunkSizeSweep(100, [0]),
    /'chunkSizes\[0\]' must be a positive integer, received 0/,
  );
  await assert.rejects(
    () => chunkSizeSweep(100, [10], { workers: 0 }),
    /'workers' must be a positive integer, received 0/,
  );
});
