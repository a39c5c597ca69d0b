import assert from "node:assert/strict";
import {
  asyncTaskFailure,
  childCrash,
  hungWorker,
  measureStartup,
  measureStartupInProgram,
  sandboxDemo,
  startEchoWorker,
  workerCrash,
  workerStartupByKind,
  workerStartupInChild,
} from "./startup_memory_isolation.ts";

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

Deno.test("measureStartupInProgram measures the three kinds in a deno run child, not in this process", async () => {
  const reports: [number, number][] = [];
  const rows = await measureStartupInProgram({
    repeats: 1,
    count: 1,
    asyncTasks: 1000,
    onProgress: (done, total) => reports.push([done, total]),
  });
  assert.deepEqual(rows.map((row) => row.kind), [
    "async task",
    "worker",
    "child process",
  ]);
  for (const row of rows) assert.ok(row.firstReplyMs > 0, row.kind);
  assert.deepEqual(reports, [[0, 1], [1, 1]]);
});

Deno.test("measureStartupInProgram rejects a bad option before starting anything", async () => {
  await assert.rejects(measureStartupInProgram({ repeats: 0 }), {
    name: "RangeError",
    message:
      "Cannot measure start-up: 'repeats' must be a positive integer, received 0",
  });
});

Deno.test("asyncTaskFailure rejects only its own promise", async () => {
  const row = await asyncTaskFailure();
  assert.equal(row.unit, "async task");
  assert.equal(row.callerSaw, "Error: Task failed on the event loop");
  assert.equal(row.afterwards, "next async task returned 42");
});

Deno.test("workerCrash kills one worker and the pool replaces it", async () => {
  const row = await workerCrash();
  assert.match(row.callerSaw, /died.*Crashed later/);
  assert.equal(row.afterwards, `pool's new worker echoed "still here"`);
});

Deno.test("hungWorker times out no earlier than taskTimeoutMs", async () => {
  const row = await hungWorker(150);
  assert.match(row.callerSaw, /^TimeoutError: .*150 ms/);
  assert.ok(row.elapsedMs >= 149, `elapsed ${row.elapsedMs}`);
  assert.match(row.afterwards, /still here/);
});

Deno.test("workerCrash reports progress after the failure and the next task", async () => {
  const calls: [number, number][] = [];
  await workerCrash({ onProgress: (done, total) => calls.push([done, total]) });
  assert.deepEqual(calls, [[0, 2], [1, 2], [2, 2]]);
});

Deno.test("hungWorker reports progress after warm-up, time-out and next task", async () => {
  const calls: [number, number][] = [];
  await hungWorker(100, {
    onProgress: (done, total) => calls.push([done, total]),
  });
  assert.deepEqual(calls, [[0, 3], [1, 3], [2, 3], [3, 3]]);
});

Deno.test("hungWorker rejects a bad timeout naming it", async () => {
  await assert.rejects(hungWorker(0), {
    name: "RangeError",
    message: /'timeoutMs' must be a positive integer, received 0/,
  });
});

Deno.test("childCrash reports the exit code and recovers", async () => {
  const row = await childCrash();
  assert.match(row.callerSaw, /exited with code 3/);
  assert.equal(row.afterwards, `pool's new child echoed "still here"`);
});

Deno.test("sandboxDemo denies reads only in the sandboxed worker", async () => {
  const demo = await sandboxDemo("deno.json");
  assert.equal(demo.sandboxed.ok, false);
  assert.equal(demo.sandboxed.name, "NotCapable");
  assert.ok(!demo.sandboxed.message?.includes("/deno.json"));
  assert.equal(demo.inherited.ok, true);
  assert.ok((demo.inherited.chars ?? 0) > 0);
  assert.equal(demo.exitCodeWithoutFlag, 70);
});
