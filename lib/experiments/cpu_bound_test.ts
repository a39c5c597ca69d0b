import assert from "node:assert/strict";
import {
  checkCpuBoundParameters,
  chunkSizeSweep,
  COUNT_PRIMES_WORKER,
  cpuBoundExperiment,
  PRIMES_TASKS,
  readAmdahl,
  scalingExperiment,
  type ScalingPoint,
} from "./cpu_bound.ts";
import { amdahlSpeedup } from "../measure/amdahl.ts";
import { ProcessPool } from "../pools/process_pool.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
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

Deno.test("COUNT_PRIMES_WORKER answers each range with its count of primes", async () => {
  const ranges = [[0, 100], [100, 1_000], [1_000, 1_000]];
  for (const [start, end] of ranges) {
    const worker = new Worker(COUNT_PRIMES_WORKER, { type: "module" });
    try {
      const count = await new Promise((resolve, reject) => {
        worker.onmessage = (event) => resolve(event.data);
        worker.onerror = (event) => {
          event.preventDefault();
          reject(new Error(event.message));
        };
        worker.postMessage({ start, end });
      });
      assert.equal(count, countPrimes(start, end), `[${start}, ${end})`);
    } finally {
      worker.terminate();
    }
  }
});

Deno.test("PRIMES_TASKS serves countPrimes to both pools", async () => {
  const inputs = [{ start: 0, end: 100 }, { start: 100, end: 1_000 }];
  const expected = inputs.map(({ start, end }) => countPrimes(start, end));
  await using workers = new WorkerPool(PRIMES_TASKS, { size: 2 });
  assert.deepEqual(await workers.map("countPrimes", inputs), expected);
  await using processes = new ProcessPool(PRIMES_TASKS, { size: 1 });
  assert.deepEqual(await processes.map("countPrimes", inputs), expected);
});

function scalingPoint(
  workers: number,
  speedup: number,
  spread = 0,
): ScalingPoint {
  return {
    workers,
    primes: 1,
    samplesMs: [],
    medianMs: 100 / speedup,
    minMs: 100 / (speedup + spread),
    maxMs: 100 / (speedup - spread),
    speedup,
    minSpeedup: speedup - spread,
    maxSpeedup: speedup + spread,
  };
}

Deno.test("readAmdahl() on two cores fits the one speedup at 2 exactly and ignores oversubscribed points", () => {
  const reading = readAmdahl([
    scalingPoint(1, 1, 0.02),
    scalingPoint(2, 1.9, 0.05),
    scalingPoint(3, 1.5),
    scalingPoint(4, 1.2),
  ], 2);
  assert.deepEqual(reading.coreCounts, [1, 2]);
  // One unknown through the one informative point: p = 2 (1 - 1 / 1.9).
  assert.ok(Math.abs(reading.fit.parallelFraction - 2 * (1 - 1 / 1.9)) < 1e-6);
  assert.ok(reading.fit.rmse < 1e-6);
  assert.ok(
    reading.slowestFit.parallelFraction < reading.fit.parallelFraction &&
      reading.fit.parallelFraction < reading.fastestFit.parallelFraction,
  );
  // A spread of +-0.05 at n = 2 moves the limit 1 / (1 - p) a long way.
  assert.ok(
    reading.fastestFit.maxSpeedup - reading.slowestFit.maxSpeedup > 10,
    `${reading.slowestFit.maxSpeedup} .. ${reading.fastestFit.maxSpeedup}`,
  );
});

Deno.test("readAmdahl() on more cores recovers the p that made the speedups", () => {
  const points = [1, 2, 3, 4, 5, 6, 7, 8].map((workers) =>
    scalingPoint(workers, amdahlSpeedup(0.9, workers))
  );
  const reading = readAmdahl(points, 8);
  assert.deepEqual(reading.coreCounts, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(Math.abs(reading.fit.parallelFraction - 0.9) < 1e-6);
});

Deno.test("readAmdahl() rejects points it cannot read, naming the value", async (t) => {
  const cases: [ScalingPoint[], number, RegExp][] = [
    [[scalingPoint(1, 1)], 0, /'cores' must be a positive integer, received 0/],
    [
      [],
      2,
      /'points' must be a non-empty array of scaling points, received 0 points/,
    ],
    [
      [scalingPoint(2, 1), scalingPoint(4, 1.5)],
      4,
      /the first point must be at 1 worker, since speedups are against it, received 2/,
    ],
  ];
  for (const [points, cores, message] of cases) {
    await t.step(message.source, () => {
      assert.throws(() => readAmdahl(points, cores), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
