import assert from "node:assert/strict";
import {
  checkPositiveIntegers,
  measureStartup,
  measureWorkerPhases,
  measureWorkerPhasesIn,
  processRssKiB,
  startEchoWorker,
  workerStartupByKind,
  workerStartupInChild,
} from "./startup_cost.ts";

Deno.test("checkPositiveIntegers names the bad value", () => {
  checkPositiveIntegers({ a: 1, b: 2 });
  assert.throws(() => checkPositiveIntegers({ workers: 0 }), {
    name: "RangeError",
    message:
      "Invalid parameter: 'workers' must be a positive integer, received 0",
  });
  assert.throws(() => checkPositiveIntegers({ repeats: 1.5 }), RangeError);
});

Deno.test("measureStartup measures all three kinds", async () => {
  const rows = await measureStartup({ repeats: 2, count: 2, asyncTasks: 1000 });
  assert.deepEqual(rows.map((r) => r.samplesMs.length), [1, 2, 2]);
  assert.deepEqual(rows.map((r) => r.kind), [
    "async task",
    "worker",
    "child process",
  ]);
  for (const row of rows) assert.ok(row.firstReplyMs > 0, row.kind);
  // An async task is far cheaper to start than a worker or a process.
  assert.ok(rows[0].firstReplyMs < rows[1].firstReplyMs);
  assert.ok(rows[0].firstReplyMs < rows[2].firstReplyMs);
  if (Deno.build.os === "linux") {
    assert.ok((rows[2].memoryKiB ?? 0) > 1024, "a child uses over 1 MiB");
  }
});

Deno.test("measureStartup reports progress after every step", async () => {
  const calls: [number, number][] = [];
  await measureStartup({
    repeats: 2,
    count: 1,
    asyncTasks: 10,
    onProgress: (done, total) => calls.push([done, total]),
  });
  // 1 async step, 2 worker starts, 1 workers alive, 2 child starts, 1 children alive.
  assert.deepEqual(calls, Array.from({ length: 8 }, (_, done) => [done, 7]));
});

Deno.test("measureStartup rejects a bad count", async () => {
  await assert.rejects(measureStartup({ count: 0 }), {
    name: "RangeError",
    message: /'count' must be a positive integer, received 0/,
  });
});

Deno.test("startEchoWorker rejects a module that throws", async () => {
  await assert.rejects(
    startEchoWorker("data:application/javascript,throw new Error('nope')"),
    /Worker failed to start/,
  );
});

Deno.test("processRssKiB reads this process or returns undefined", () => {
  const rss = processRssKiB(Deno.pid);
  if (Deno.build.os === "linux") assert.ok(rss !== undefined && rss > 0);
  assert.equal(processRssKiB(-1), undefined);
});

Deno.test("workerStartupByKind times four sources and a parallel start", async () => {
  const result = await workerStartupByKind({ repeats: 1, parallel: 2 });
  assert.deepEqual(result.bySource.map((s) => s.source), [
    "file URL (.ts)",
    "file URL (.js)",
    "data: URL",
    "blob: URL",
  ]);
  assert.equal(result.parallel, 2);
  assert.ok(result.parallelMs > 0);
});

Deno.test("workerStartupByKind reports progress after every start", async () => {
  const calls: [number, number][] = [];
  await workerStartupByKind({
    repeats: 2,
    parallel: 3,
    onProgress: (done, total) => calls.push([done, total]),
  });
  // 4 sources x 2 single starts, then one parallel start.
  assert.deepEqual(calls, Array.from({ length: 10 }, (_, done) => [done, 9]));
});

Deno.test("workerStartupInChild returns the child's measurement", async () => {
  const result = await workerStartupInChild({ repeats: 1, parallel: 1 });
  assert.equal(result.bySource.length, 4);
  assert.equal(result.parallel, 1);
});

Deno.test("measureWorkerPhases splits a worker's start into its phases", async () => {
  const phases = await measureWorkerPhases();
  assert.ok(phases.toTopLevelMs > 0, JSON.stringify(phases));
  assert.ok(phases.toFirstMessageMs >= 0, JSON.stringify(phases));
  // The reply comes after both stamps (1 ms slack: two clocks' rounding).
  assert.ok(
    phases.toReplyMs + 1 >= phases.toTopLevelMs + phases.toFirstMessageMs,
    JSON.stringify(phases),
  );
});

Deno.test("measureWorkerPhasesIn runs the probe as a program and in a REPL", async () => {
  for (const runner of ["program", "repl"] as const) {
    const phases = await measureWorkerPhasesIn(runner);
    assert.deepEqual(Object.keys(phases).sort(), [
      "toFirstMessageMs",
      "toReplyMs",
      "toTopLevelMs",
    ]);
    assert.ok(phases.toReplyMs > 0, `${runner}: ${JSON.stringify(phases)}`);
  }
});
