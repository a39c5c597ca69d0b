import assert from "node:assert/strict";
import {
  busyLoop,
  countPrimes,
  monteCarloPi,
  sleep,
  splitRange,
} from "./workloads.ts";

Deno.test("countPrimes() counts the primes of a range, end exclusive", () => {
  assert.equal(countPrimes(0, 2), 0);
  assert.equal(countPrimes(2, 3), 1);
  assert.equal(countPrimes(0, 1_000), 168);
  assert.equal(countPrimes(0, 100_000), 9_592);
});

Deno.test("countPrimes() of split chunks adds up to the whole range", () => {
  const total = splitRange(0, 50_000, 7_000)
    .map(([start, end]) => countPrimes(start, end))
    .reduce((sum, count) => sum + count, 0);
  assert.equal(total, countPrimes(0, 50_000));
});

Deno.test("countPrimes() rejects bad bounds, naming the value", async (t) => {
  const cases: [number, number, RegExp][] = [
    [-1, 10, /'start' must be a non-negative integer, received -1/],
    [1.5, 10, /'start' must be a non-negative integer, received 1.5/],
    [10, 5, /'end' must be an integer not below start \(10\), received 5/],
    [0, NaN, /'end' must be an integer not below start \(0\), received NaN/],
  ];
  for (const [start, end, message] of cases) {
    await t.step(`[${start}, ${end})`, () => {
      assert.throws(() => countPrimes(start, end), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

Deno.test("splitRange() rejects chunk sizes that are not positive integers", () => {
  for (const chunkSize of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => splitRange(0, 10, chunkSize), RangeError);
  }
});

Deno.test("monteCarloPi() gives the same estimate for the same seed", () => {
  assert.equal(monteCarloPi(10_000, 1), monteCarloPi(10_000, 1));
  assert.notEqual(monteCarloPi(10_000, 1), monteCarloPi(10_000, 2));
});

Deno.test("busyLoop() and sleep() reject negative durations", async () => {
  assert.throws(
    () => busyLoop(-1),
    /'ms' must be a non-negative number of milliseconds, received -1/,
  );
  await assert.rejects(
    sleep(NaN),
    /'ms' must be a non-negative number of milliseconds, received NaN/,
  );
});

Deno.test("sleep() rejects with the signal's reason when aborted", async () => {
  const controller = new AbortController();
  const waiting = sleep(60_000, controller.signal);
  controller.abort(new Error("stop waiting"));
  await assert.rejects(waiting, /stop waiting/);
  await assert.rejects(
    sleep(1, AbortSignal.abort(new Error("already"))),
    /already/,
  );
});
