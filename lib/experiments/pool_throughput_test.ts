import assert from "node:assert/strict";
import {
  poolLatency,
  poolOnMillisecondTasks,
  poolThroughput,
} from "./pool_throughput.ts";

Deno.test("poolThroughput() measures every contender that runs here on the same tasks and workers, and says why others cannot", async () => {
  const { rows, skipped } = await poolThroughput({
    tasks: 50,
    workers: 2,
    repeats: 3,
    startTimeoutMs: 5_000,
  });
  const measured = rows.map((row) => row.contender);
  // Ours always run; which pools from npm do depends on Deno.
  assert.deepEqual(measured.slice(0, 3), [
    "raw postMessage",
    "WorkerPool.run",
    "WorkerPool.map",
  ]);
  assert.deepEqual(
    [...measured, ...skipped.map((row) => row.contender)].sort(),
    [
      "WorkerPool.map",
      "WorkerPool.run",
      "piscina.run",
      "poolifier-web-worker.execute",
      "raw postMessage",
      "tinypool.run",
      "tinypool.run (useAtomics: false)",
      "workerpool.exec",
    ],
  );
  for (const { reason } of skipped) assert.ok(reason.length > 0);
  for (const row of rows) {
    assert.equal(row.tasks, 50);
    assert.equal(row.workers, 2);
    assert.equal(row.samplesMs.length, 3);
    assert.ok(row.samplesMs.every((ms) => ms > 0), row.contender);
    const sorted = [...row.samplesMs].sort((a, b) => a - b);
    assert.equal(row.medianMs, sorted[1]);
    assert.equal(row.tasksPerSecond, 50 / (row.medianMs / 1000));
  }
});

Deno.test("poolLatency() measures one task at a time for the floor, WorkerPool and piscina", async () => {
  const rows = await poolLatency({ rounds: 10, repeats: 2 });
  assert.deepEqual(rows.map((row) => row.contender), [
    "raw postMessage",
    "WorkerPool.run",
    "piscina.run",
  ]);
  for (const row of rows) {
    assert.equal(row.samplesUs.length, 2);
    assert.ok(row.samplesUs.every((us) => us > 0), row.contender);
    assert.equal(row.medianUs, (row.samplesUs[0] + row.samplesUs[1]) / 2);
  }
});

Deno.test("poolOnMillisecondTasks() runs the same tasks in one thread and through each contender", async () => {
  const rows = await poolOnMillisecondTasks({
    tasks: 30,
    records: 50,
    workers: 2,
    repeats: 2,
  });
  assert.deepEqual(rows.map((row) => row.contender), [
    "one thread",
    "raw postMessage",
    "WorkerPool.run",
    "WorkerPool.map",
  ]);
  for (const row of rows) {
    assert.equal(row.samplesMs.length, 2);
    assert.equal(row.tasksPerSecond, 30 / (row.medianMs / 1000));
    assert.equal(row.speedup, rows[0].medianMs / row.medianMs);
  }
});

Deno.test("poolThroughput() and poolLatency() reject bad options", async (t) => {
  const cases: [string, () => Promise<unknown>, string][] = [
    [
      "tasks 0",
      () => poolThroughput({ tasks: 0, workers: 1, repeats: 1 }),
      "Cannot measure pool throughput: 'tasks' must be a positive integer, received 0",
    ],
    [
      "workers 1.5",
      () => poolThroughput({ tasks: 1, workers: 1.5, repeats: 1 }),
      "Cannot measure pool throughput: 'workers' must be a positive integer, received 1.5",
    ],
    [
      "repeats NaN",
      () => poolThroughput({ tasks: 1, workers: 1, repeats: NaN }),
      "Cannot measure pool throughput: 'repeats' must be a positive integer, received NaN",
    ],
    [
      "rounds -1",
      () => poolLatency({ rounds: -1, repeats: 1 }),
      "Cannot measure pool latency: 'rounds' must be a positive integer, received -1",
    ],
    [
      "repeats as a string",
      () => poolLatency({ rounds: 1, repeats: "3" as never }),
      `Cannot measure pool latency: 'repeats' must be a positive integer, received "3"`,
    ],
  ];
  for (const [name, call, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(call(), { name: "RangeError", message });
    });
  }
});
