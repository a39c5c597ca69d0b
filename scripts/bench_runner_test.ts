import assert from "node:assert/strict";
import { EXPERIMENT_NAMES, EXPERIMENTS } from "./bench_experiments.ts";
import { progressUnits, runExperiments } from "./bench_runner.ts";

Deno.test("progressUnits() is the experiments' weights in tenths of a second", () => {
  assert.equal(
    progressUnits(EXPERIMENT_NAMES),
    EXPERIMENT_NAMES.reduce((sum, name) => sum + EXPERIMENTS[name].weight, 0) *
      10,
  );
  assert.equal(progressUnits([]), 0);
});

Deno.test("runExperiments() reports the python experiment skipped, with the reason, when Python is missing", async () => {
  const statuses: string[] = [];
  let units = 0;
  const outcomes = await runExperiments(
    ["python"],
    { quick: true, repeats: 1, python: "no-such-python-for-bench" },
    { tick: (done) => units += done, status: (text) => statuses.push(text) },
  );
  assert.deepEqual(Object.keys(outcomes), ["python"]);
  const outcome = outcomes.python!;
  assert.equal(outcome.status, "skipped");
  assert.match(
    (outcome as { reason: string }).reason,
    /'no-such-python-for-bench' was not found on PATH/,
  );
  assert.equal(units, progressUnits(["python"]));
  assert.deepEqual(statuses, ["python (1/1)", "done"]);
});

Deno.test("runExperiments() runs in the suite's order and ticks the whole weight of each", async () => {
  const statuses: string[] = [];
  let units = 0;
  const outcomes = await runExperiments(
    ["cpu", "spawn"],
    { quick: true, repeats: 1, python: "python3" },
    { tick: (done) => units += done, status: (text) => statuses.push(text) },
  );
  assert.deepEqual(Object.keys(outcomes), ["spawn", "cpu"]);
  assert.deepEqual(statuses, ["spawn (1/2)", "cpu (2/2)", "done"]);
  assert.equal(units, progressUnits(["spawn", "cpu"]));
  const cpu = outcomes.cpu!;
  assert.equal(cpu.status, "done");
  if (cpu.status === "done") {
    assert.equal(cpu.figures.length, 1);
    assert.deepEqual(
      cpu.results.map((result) => result.primes),
      [5_133, 5_133, 5_133, 5_133],
    );
    assert.equal(cpu.tables[0].rows.length, 4);
  }
});

Deno.test("runExperiments() names the experiment that failed", async () => {
  await assert.rejects(
    () =>
      runExperiments(
        ["python"],
        { quick: true, repeats: 0, python: "python3" },
        { tick() {}, status() {} },
      ),
    /The python experiment failed: .*'repeats' must be a positive integer, received 0/,
  );
});
