import assert from "node:assert/strict";
import { lagSweep, validateEventLoopParameters } from "./event_loop.ts";

const good = {
  tasks: 3,
  steps: 3,
  tickMs: 5,
  busyMs: [0, 20],
  awaits: 1000,
  loopItems: 10_000,
  chunkItems: 1000,
  workMs: 100,
  spinnerTickMs: 20,
  lagRepeats: 3,
};

Deno.test("validateEventLoopParameters accepts good parameters", () => {
  assert.equal(validateEventLoopParameters(good), good);
});

Deno.test("validateEventLoopParameters names the bad value", () => {
  assert.throws(
    () => validateEventLoopParameters({ ...good, steps: 1.5 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'steps' must be a positive integer, received 1.5",
    },
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, tickMs: 0 }),
    /'tickMs' must be a positive number of milliseconds, received 0/,
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, busyMs: [10, -1] }),
    /'busyMs\[1\]' must be a non-negative number of milliseconds, received -1/,
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, workMs: NaN }),
    /'workMs'.*NaN/,
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, tasks: 27 }),
    /'tasks' must be a positive integer of at most 26, received 27/,
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, chunkItems: 0 }),
    /'chunkItems' must be a positive integer, received 0/,
  );
  assert.throws(
    () => validateEventLoopParameters({ ...good, lagRepeats: 0 }),
    /'lagRepeats' must be a positive integer, received 0/,
  );
});

Deno.test("lagSweep measures each busy time in order and reports each", async () => {
  const seen: number[] = [];
  const sweep = await lagSweep([30, 0], {
    onResult: (r) => seen.push(r.busyMs),
  });
  assert.deepEqual(sweep.map((r) => r.busyMs), [30, 0]);
  assert.deepEqual(seen, [30, 0]);
  assert.ok(sweep[0].maxGapMs >= 28);
  await assert.rejects(lagSweep([]), /'busyMs' must be a non-empty list/);
  await assert.rejects(
    lagSweep([1], { repeats: 0 }),
    /'repeats' must be a positive integer, received 0/,
  );
});
