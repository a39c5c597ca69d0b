import assert from "node:assert/strict";
import { compareToBaseline } from "./compare.ts";

Deno.test("compareToBaseline gives speedup, efficiency and throughput per run", () => {
  const rows = compareToBaseline(120, [
    { name: "1 worker", medianMs: 120, units: 1, items: 60 },
    { name: "2 workers", medianMs: 80, units: 2, items: 60 },
    { name: "4 workers", medianMs: 240, units: 4, items: 60 },
  ]);
  assert.deepEqual(rows.map((r) => r.name), [
    "1 worker",
    "2 workers",
    "4 workers",
  ]);
  assert.deepEqual(rows.map((r) => r.speedup), [1, 1.5, 0.5]);
  assert.deepEqual(rows.map((r) => r.efficiency), [1, 0.75, 0.125]);
  assert.deepEqual(rows.map((r) => r.itemsPerSecond), [500, 750, 250]);
});

Deno.test("compareToBaseline names the bad value", () => {
  assert.throws(
    () => compareToBaseline(0, []),
    /'baselineMs' must be a positive number of milliseconds, received 0/,
  );
  assert.throws(
    () =>
      compareToBaseline(10, [{ name: "x", medianMs: NaN, units: 1, items: 1 }]),
    /'x: medianMs' must be a positive number of milliseconds, received NaN/,
  );
  assert.throws(
    () =>
      compareToBaseline(10, [{ name: "y", medianMs: 5, units: 0, items: 1 }]),
    /'y: units' must be a positive integer, received 0/,
  );
  assert.throws(
    () =>
      compareToBaseline(10, [{ name: "z", medianMs: 5, units: 1, items: 1.5 }]),
    /'z: items' must be a positive integer, received 1.5/,
  );
});
