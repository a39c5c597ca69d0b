import assert from "node:assert/strict";
import { cpuBoundExperiment } from "./cpu_bound_experiment.ts";

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
