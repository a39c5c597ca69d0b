import assert from "node:assert/strict";
import { measureWorkload, recommend } from "./choosing.ts";
import { myWorkload } from "../../workers/my_workload.ts";

Deno.test("recommend() sends CPU-bound independent chunks to Workers", () => {
  const r = recommend({
    cpuBound: true,
    independentChunks: true,
    needIsolation: false,
  });
  assert.equal(r.leaf, "workers");
  assert.equal(r.python, "multiprocessing");
  assert.match(r.choice, /^Workers: a WorkerPool/);
  assert.deepEqual(r.steps.map((s) => s.answer), ["yes", "yes", "no"]);
});

Deno.test("recommend() sends chunks that need isolation to child processes", () => {
  const r = recommend({
    cpuBound: true,
    independentChunks: true,
    needIsolation: true,
  });
  assert.equal(r.leaf, "child processes");
  assert.equal(r.python, "multiprocessing");
  assert.match(r.choice, /ProcessPool.*Deno\.Command/);
});

Deno.test("CPU-bound without independent chunks stays sequential", () => {
  const r = recommend({ cpuBound: true, independentChunks: false });
  assert.equal(r.leaf, "sequential");
  assert.match(r.choice, /^Sequential/);
});

Deno.test("neither CPU- nor I/O-bound is sequential", () => {
  const r = recommend({ cpuBound: false, ioBound: false });
  assert.equal(r.leaf, "sequential");
  assert.equal(r.choice, "Sequential code");
  assert.equal(r.steps.length, 2);
});

Deno.test("I/O-bound sharing data maps multithreading to async/await", () => {
  const r = recommend({ cpuBound: false, ioBound: true, shareDataOften: true });
  assert.equal(r.leaf, "event loop");
  assert.equal(r.python, "multithreading");
  assert.match(r.choice, /^async\/await/);
  assert.match(r.choice, /SharedArrayBuffer/);
});

Deno.test("many and few I/O operations differ", () => {
  const base = { cpuBound: false, ioBound: true, shareDataOften: false };
  const many = recommend({ ...base, manyIoOperations: true });
  const few = recommend({ ...base, manyIoOperations: false });
  assert.deepEqual([many.leaf, few.leaf], ["event loop", "event loop"]);
  assert.equal(many.python, "multithreading");
  assert.match(many.choice, /concurrency limit/);
  assert.equal(few.python, "async/await or sequential");
  assert.equal(many.steps.length, 4);
});

Deno.test("recommend() names a missing answer on the path", () => {
  assert.throws(() => recommend({ cpuBound: true }), {
    name: "TypeError",
    message:
      "Cannot recommend: 'independentChunks' must be true or false on this path, received undefined",
  });
  assert.throws(
    () => recommend({ cpuBound: true, independentChunks: true }),
    {
      name: "TypeError",
      message:
        "Cannot recommend: 'needIsolation' must be true or false on this path, received undefined",
    },
  );
});

const inputs = [1, 2, 3].map((seed) => ({ steps: 10_000, seed }));

Deno.test("measureWorkload runs every mode with equal outputs", async () => {
  const report = await measureWorkload("myWorkload", inputs, {
    size: 2,
    repeats: 1,
  });
  assert.deepEqual(report.results.map((r) => r.mode), [
    "sequential",
    "async tasks",
    "workers",
    "processes",
  ]);
  assert.deepEqual(report.outputs, inputs.map(myWorkload));
  assert.equal(report.results[0].speedup, 1);
  const fastest = Math.min(...report.results.map((r) => r.medianMs));
  assert.equal(
    report.results.find((r) => r.mode === report.winner)?.medianMs,
    fastest,
  );
});

Deno.test("measureWorkload reports progress after every run", async () => {
  const calls: [number, number][] = [];
  await measureWorkload("myWorkload", inputs, {
    size: 1,
    repeats: 2,
    onProgress: (done, total) => calls.push([done, total]),
  });
  // 4 modes x (1 warm-up + 2 measured runs).
  assert.deepEqual(calls, Array.from({ length: 13 }, (_, done) => [done, 12]));
});

Deno.test("measureWorkload names an unknown task", async () => {
  await assert.rejects(measureWorkload("nope", inputs), {
    name: "RangeError",
    message: /task 'nope' is not in the module's 'tasks'/,
  });
});

Deno.test("measureWorkload rejects a bad size", async () => {
  await assert.rejects(measureWorkload("myWorkload", inputs, { size: 0 }), {
    message: /'size' must be a positive integer, received 0/,
  });
});

Deno.test("myWorkload is seeded", () => {
  assert.equal(
    myWorkload({ steps: 1000, seed: 7 }),
    myWorkload({ steps: 1000, seed: 7 }),
  );
});

Deno.test("recommend() reaches every leaf drawn in deno_decision_flowchart.mmd", async () => {
  const chart = await Deno.readTextFile(
    new URL(
      "../../notebooks/figures/deno_decision_flowchart.mmd",
      import.meta.url,
    ),
  );
  const drawn: Record<string, RegExp> = {
    "event loop": /\[Event loop<br\/>/,
    workers: /\[Workers<br\/>/,
    "child processes": /\[Child processes<br\/>/,
    sequential: /\[Sequential code/,
  };
  const reached = new Set([
    recommend({ cpuBound: true, independentChunks: false }),
    recommend({
      cpuBound: true,
      independentChunks: true,
      needIsolation: false,
    }),
    recommend({ cpuBound: true, independentChunks: true, needIsolation: true }),
    recommend({ cpuBound: false, ioBound: true, shareDataOften: true }),
  ].map((r) => r.leaf));
  assert.deepEqual([...reached].sort(), Object.keys(drawn).sort());
  for (const [leaf, box] of Object.entries(drawn)) {
    assert.match(chart, box, `the chart draws the ${leaf} leaf`);
  }
});
