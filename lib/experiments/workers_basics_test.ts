import assert from "node:assert/strict";
import {
  drainQueue,
  itemsPerWorker,
  plannedItemMs,
  poolErrorDemo,
  timelineFigure,
  validateQueueParameters,
  workerLifecycle,
} from "./workers_basics.ts";

const good = { workers: 5, items: 10, itemMs: 100, seed: 7 };

Deno.test("validateQueueParameters names the bad value", () => {
  assert.equal(validateQueueParameters(good), good);
  assert.throws(
    () => validateQueueParameters({ ...good, items: -3 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'items' must be a positive integer, received -3",
    },
  );
  assert.throws(
    () => validateQueueParameters({ ...good, itemMs: 0 }),
    /'itemMs' must be a positive number of milliseconds, received 0/,
  );
  assert.throws(
    () => validateQueueParameters({ ...good, seed: 0.5 }),
    /'seed' must be an integer, received 0.5/,
  );
});

Deno.test("plannedItemMs is seeded and stays within half to one and a half times the mean", () => {
  const a = plannedItemMs(20, 100, 3);
  assert.deepEqual(a, plannedItemMs(20, 100, 3));
  assert.notDeepEqual(a, plannedItemMs(20, 100, 4));
  assert.ok(a.every((ms) => ms >= 50 && ms <= 150));
});

Deno.test("workerLifecycle: create, hello and ready, echo, join, terminate, then silence", async () => {
  const steps = await workerLifecycle({ jobMs: 80, silenceMs: 100 });
  assert.deepEqual(steps.map((s) => s.result), [
    "a Worker object (still loading)",
    "ready",
    JSON.stringify({ kind: "echo", value: "hello" }),
    JSON.stringify({ kind: "echo", value: "hello" }),
    JSON.stringify({ kind: "done", item: 0 }),
    "terminated",
    "no reply",
  ]);
  assert.ok(steps[4].ms >= 79, `join took ${steps[4].ms} ms`);
  assert.ok(steps[6].ms >= 99);
});

Deno.test("poolErrorDemo: the throwing task rejects, the pool keeps serving", async () => {
  const result = await poolErrorDemo("bad input");
  assert.deepEqual(result, {
    error: "Error: bad input",
    next: "still serving",
    completed: 1,
    failed: 1,
  });
});

Deno.test("drainQueue: every item handled once, by a worker in range, in parallel", async () => {
  const result = await drainQueue(good);
  assert.equal(result.records.length, 10);
  assert.deepEqual(result.records.map((r) => r.item).sort((a, b) => a - b), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ]);
  for (const r of result.records) {
    assert.ok(r.worker >= 1 && r.worker <= 5);
    assert.ok(r.endMs - r.startMs >= r.plannedMs - 1, JSON.stringify(r));
  }
  // Each worker holds one item at a time.
  for (let w = 1; w <= 5; w++) {
    const mine = result.records.filter((r) => r.worker === w)
      .sort((a, b) => a.startMs - b.startMs);
    for (let i = 1; i < mine.length; i++) {
      assert.ok(mine[i].startMs >= mine[i - 1].endMs);
    }
  }
  // Five sleeping workers finish well before one would.
  assert.ok(
    result.totalMs < result.plannedTotalMs * 0.75,
    JSON.stringify(result),
  );
  const counts = itemsPerWorker(result, 5);
  assert.equal(counts.reduce((a, b) => a + b, 0), 10);
  assert.ok(counts.every((n) => n >= 1));
});

Deno.test("drainQueue with one worker runs the items in queue order", async () => {
  const result = await drainQueue({
    workers: 1,
    items: 3,
    itemMs: 10,
    seed: 1,
    spin: true,
  });
  assert.deepEqual(result.records.map((r) => r.item), [0, 1, 2]);
  assert.ok(result.totalMs >= result.plannedTotalMs - 1);
  await assert.rejects(
    drainQueue({ ...good, workers: 0 }),
    /'workers'.*received 0/,
  );
});

Deno.test("timelineFigure draws one segment per item on its worker's row", () => {
  const records = [
    { item: 1, worker: 2, plannedMs: 5, startMs: 0, endMs: 5 },
    { item: 0, worker: 1, plannedMs: 3, startMs: 0, endMs: 3 },
  ];
  const figure = timelineFigure(
    { startupMs: 0, totalMs: 5, plannedTotalMs: 8, records },
    "Two items.",
  );
  assert.deepEqual(figure.data.map((t) => t.name), ["item 0", "item 1"]);
  assert.deepEqual(figure.data[1].y, [2, 2]);
  assert.deepEqual(figure.data[1].x, [0, 5]);
  assert.equal(figure.layout.showlegend, false);
});

Deno.test("drainQueue starts its workers in 12 fresh deno test processes", async () => {
  // A fresh process is where a worker's unasked first message can be lost
  // (about one run in three here before the workers waited to be asked).
  const check = new URL("./testdata/fresh_process_workers.ts", import.meta.url);
  const runOnce = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["test", "--allow-all", "--no-check", check.pathname],
      env: { NO_COLOR: "1" },
      signal: AbortSignal.timeout(30_000),
    }).output();
  for (let round = 0; round < 4; round++) {
    for (const output of await Promise.all([runOnce(), runOnce(), runOnce()])) {
      const decoder = new TextDecoder();
      assert.equal(
        output.code,
        0,
        decoder.decode(output.stdout) + decoder.decode(output.stderr),
      );
    }
  }
});
