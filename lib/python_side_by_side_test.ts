import assert from "node:assert/strict";
import { pythonPrimes } from "./python_side_by_side.ts";
import { countPrimes } from "./workloads.ts";

async function hasPython(): Promise<boolean> {
  try {
    return (await new Deno.Command("python3", { args: ["--version"] })
      .output()).success;
  } catch {
    return false;
  }
}

const pythonFound = await hasPython();
if (!pythonFound) {
  console.warn("python3 not found: skipping the real Python experiment test");
}

Deno.test("pythonPrimes() reports a missing executable as not available", async () => {
  const run = await pythonPrimes(1_000, { python: "python3-does-not-exist" });
  assert.equal(run.available, false);
  if (!run.available) assert.match(run.reason, /python3-does-not-exist/);
});

Deno.test("pythonPrimes() rejects a bad limit, naming it", async () => {
  await assert.rejects(
    () => pythonPrimes(0),
    RangeError,
    "'limit' must be a positive integer, received 0",
  );
  await assert.rejects(
    () => pythonPrimes(100, { parallelism: 1.5 }),
    /'parallelism' must be a positive integer, received 1.5/,
  );
});

Deno.test({
  name: "pythonPrimes() counts the same primes as countPrimes in every mode",
  ignore: !pythonFound,
  fn: async () => {
    const run = await pythonPrimes(5_000, {
      chunks: 4,
      parallelism: 2,
      repeats: 2,
    });
    assert.ok(run.available);
    assert.match(run.version, /^3\.\d+/);
    assert.deepEqual(run.results.map((r) => r.mode), [
      "sequential",
      "threads",
      "processes",
    ]);
    for (const result of run.results) {
      assert.equal(result.primes, countPrimes(0, 5_000));
      assert.equal(result.samplesMs.length, 2);
      assert.ok(result.medianMs > 0);
    }
    assert.equal(run.results[0].speedup, 1);
  },
});
