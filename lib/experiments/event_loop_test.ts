import assert from "node:assert/strict";
import {
  interleavingOrder,
  lagSweep,
  spinnerDemo,
  validateEventLoopParameters,
} from "./event_loop.ts";

const good = {
  tasks: 3,
  steps: 3,
  tickMs: 5,
  busyMs: [0, 20],
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
    () => validateEventLoopParameters({ ...good, lagRepeats: 0 }),
    /'lagRepeats' must be a positive integer, received 0/,
  );
});

Deno.test("interleavingOrder: tasks take turns at each await", async () => {
  for (const yieldWith of ["microtask", "timer"] as const) {
    const order = await interleavingOrder(3, { steps: 2, yieldWith });
    assert.deepEqual(
      order.map((s) => `${s.task}${s.step}`),
      ["A1", "B1", "C1", "A2", "B2", "C2"],
    );
    for (let i = 1; i < order.length; i++) {
      assert.ok(order[i].atMs >= order[i - 1].atMs);
    }
  }
});

Deno.test("interleavingOrder rejects a bad task count", async () => {
  await assert.rejects(
    interleavingOrder(0),
    /'tasks' must be a positive integer of at most 26, received 0/,
  );
  await assert.rejects(interleavingOrder(27), /at most 26/);
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

Deno.test("spinnerDemo: the spinner freezes on the main thread, not with a worker", async () => {
  const [main, worker] = await spinnerDemo(300, { tickMs: 20 });
  assert.equal(main.where, "main thread");
  assert.equal(worker.where, "worker");
  assert.equal(main.ticks, 0);
  assert.ok(main.elapsedMs >= 300);
  // The main thread stays free while the worker works: the spinner ticks.
  assert.ok(worker.ticks >= 1, JSON.stringify(worker));
  assert.equal(worker.frames.length, worker.ticks);
  await assert.rejects(spinnerDemo(0), /'workMs'.*received 0/);
});
