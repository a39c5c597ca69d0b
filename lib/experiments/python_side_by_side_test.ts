import assert from "node:assert/strict";
import {
  processMapSideBySide,
  pythonPrimes,
  trialDivisionSource,
} from "./python_side_by_side.ts";
import { countPrimes } from "../workloads/workloads.ts";

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
  console.warn(
    "python3 not found: skipping the tests that run the real Python scripts",
  );
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

Deno.test("processMapSideBySide() rejects bad counts, naming them", async () => {
  for (
    const name of ["tasks", "chunkSize", "processes", "repeats", "warmUps"]
  ) {
    const options = { tasks: 10, chunkSize: 2, processes: 1, repeats: 1 };
    await assert.rejects(
      () => processMapSideBySide({ ...options, [name]: 0 }),
      new RangeError(
        `Cannot compare process pool maps: '${name}' must be a positive integer, received 0`,
      ),
    );
  }
});

Deno.test("processMapSideBySide() times ProcessPool.map alone without Python", async () => {
  const run = await processMapSideBySide({
    tasks: 200,
    chunkSize: 20,
    processes: 2,
    repeats: 2,
    warmUps: 2,
    python: "python3-does-not-exist",
  });
  assert.equal(run.python.available, false);
  assert.deepEqual(run.rows.map((row) => row.contender), ["ProcessPool.map"]);
  assert.equal(run.rows[0].samplesMs.length, 2);
  assert.ok(run.rows[0].tasksPerSecond > 0);
});

Deno.test({
  name:
    "processMapSideBySide() times multiprocessing.Pool.map on the same tasks",
  ignore: !pythonFound,
  async fn() {
    const run = await processMapSideBySide({
      tasks: 500,
      chunkSize: 50,
      processes: 2,
      repeats: 2,
      warmUps: 2,
    });
    assert.equal(run.python.available, true);
    assert.deepEqual(run.rows.map((row) => row.contender), [
      "ProcessPool.map",
      "multiprocessing.Pool.map",
    ]);
    for (const row of run.rows) {
      assert.equal(row.samplesMs.length, 2);
      assert.ok(row.samplesMs.every((ms) => ms > 0), row.contender);
    }
  },
});

Deno.test("trialDivisionSource() is countPrimes and isPrime, whole", async () => {
  const source = await trialDivisionSource();
  assert.match(source, /^export function countPrimes\(/);
  assert.match(source, /\nfunction isPrime\(candidate: number\): boolean \{\n/);
  assert.match(source, /divisor \* divisor <= candidate/);
  assert.ok(source.endsWith("\n}\n"), "ends with isPrime's closing brace");
  assert.equal(source.match(/^function |^export function /gm)?.length, 2);
});
