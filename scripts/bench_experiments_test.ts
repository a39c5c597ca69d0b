import assert from "node:assert/strict";
import { EXPERIMENT_NAMES, EXPERIMENTS } from "./bench_experiments.ts";

Deno.test("EXPERIMENTS has one entry per name, each with a title and a positive weight", () => {
  assert.deepEqual(Object.keys(EXPERIMENTS), EXPERIMENT_NAMES);
  for (const name of EXPERIMENT_NAMES) {
    assert.equal(EXPERIMENTS[name].name, name);
    assert.ok(EXPERIMENTS[name].title.length > 0, name);
    assert.ok(EXPERIMENTS[name].weight > 0, name);
  }
});

Deno.test("EXPERIMENTS.cpu finds the same primes in every mode and charts their speedups", async () => {
  const measured = await EXPERIMENTS.cpu.run(
    { quick: true, repeats: 1, python: "python3" },
    () => {},
  );
  assert.ok(!("skipped" in measured), "the cpu experiment never skips");
  assert.deepEqual(
    measured.results.map((result) => result.primes),
    [5_133, 5_133, 5_133, 5_133],
  );
  assert.equal(measured.figures.length, 1);
  assert.deepEqual(measured.figures[0].data[0].x, [
    "sequential",
    "async tasks",
    "workers",
    "processes",
  ]);
  assert.deepEqual(Object.keys(measured.tables[0].rows[0]), [
    "mode",
    "primes",
    "median (ms)",
    "speedup",
  ]);
});

Deno.test("EXPERIMENTS.python is skipped, with the reason, when the Python executable is missing", async () => {
  const measured = await EXPERIMENTS.python.run(
    { quick: true, repeats: 1, python: "no-such-python-for-bench" },
    () => {},
  );
  assert.deepEqual(measured, {
    skipped: "'no-such-python-for-bench' was not found on PATH",
  });
});
