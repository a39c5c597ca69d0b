import assert from "node:assert/strict";
import { recommend } from "./recommend.ts";

Deno.test("CPU-bound with independent chunks leads to Workers", () => {
  const r = recommend({ cpuBound: true, independentChunks: true });
  assert.equal(r.python, "multiprocessing");
  assert.match(r.choice, /^Workers/);
  assert.deepEqual(r.steps.map((s) => s.answer), ["yes", "yes"]);
});

Deno.test("CPU-bound without independent chunks stays sequential", () => {
  const r = recommend({ cpuBound: true, independentChunks: false });
  assert.match(r.choice, /^Sequential/);
});

Deno.test("neither CPU- nor I/O-bound is sequential", () => {
  const r = recommend({ cpuBound: false, ioBound: false });
  assert.equal(r.choice, "Sequential code");
  assert.equal(r.steps.length, 2);
});

Deno.test("I/O-bound sharing data maps multithreading to async/await", () => {
  const r = recommend({ cpuBound: false, ioBound: true, shareDataOften: true });
  assert.equal(r.python, "multithreading");
  assert.match(r.choice, /^async\/await/);
  assert.match(r.choice, /SharedArrayBuffer/);
});

Deno.test("many and few I/O operations differ", () => {
  const base = { cpuBound: false, ioBound: true, shareDataOften: false };
  const many = recommend({ ...base, manyIoOperations: true });
  const few = recommend({ ...base, manyIoOperations: false });
  assert.equal(many.python, "multithreading");
  assert.match(many.choice, /concurrency limit/);
  assert.equal(few.python, "async/await or sequential");
  assert.equal(many.steps.length, 4);
});

Deno.test("a missing answer on the path is named", () => {
  assert.throws(() => recommend({ cpuBound: true }), {
    name: "TypeError",
    message:
      "Cannot recommend: 'independentChunks' must be true or false on this path, received undefined",
  });
});
