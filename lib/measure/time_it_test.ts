import assert from "node:assert/strict";
import { timeIt } from "./time_it.ts";

Deno.test("timeIt() runs warm-up runs first and measures only the repeats", async () => {
  const calls: number[] = [];
  let call = 0;
  const timing = await timeIt(() => {
    calls.push(++call);
    return call;
  }, { warmup: 2, repeats: 3 });
  assert.deepEqual(calls, [1, 2, 3, 4, 5]);
  assert.equal(timing.samplesMs.length, 3);
  assert.equal(timing.result, 5);
});

Deno.test("timeIt() takes the median of an even number of samples as the mean of the middle two", async () => {
  const timing = await timeIt(() => undefined, { warmup: 0, repeats: 4 });
  const sorted = [...timing.samplesMs].sort((a, b) => a - b);
  assert.equal(timing.medianMs, (sorted[1] + sorted[2]) / 2);
});

Deno.test("timeIt() rejects bad repeat and warm-up counts, naming the value", async (t) => {
  const cases: [object, RegExp][] = [
    [{ repeats: 0 }, /'repeats' must be a positive integer, received 0/],
    [{ repeats: 1.5 }, /'repeats' must be a positive integer, received 1.5/],
    [{ repeats: NaN }, /'repeats' must be a positive integer, received NaN/],
    [{ warmup: -1 }, /'warmup' must be a non-negative integer, received -1/],
  ];
  for (const [options, message] of cases) {
    await t.step(JSON.stringify(options), async () => {
      await assert.rejects(timeIt(() => 1, options), (error: Error) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
