import assert from "node:assert/strict";
import {
  asyncTaskFailure,
  childCrash,
  hungWorker,
  measureStartup,
  memoryPerUnitHere,
  SANDBOX_READER_MODULE,
  SLOW_START_MODULE,
  startEchoWorker,
  workerCrash,
  workerStartupByKind,
  workerStartupInChild,
} from "./startup_memory_isolation.ts";
import { WorkerPool } from "../pools/worker_pool.ts";

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
    assert.ok((rows[1].memoryKiB ?? 0) > 0, "a worker grows a program's PSS");
    assert.ok((rows[2].memoryKiB ?? 0) > 1024, "a child uses over 1 MiB");
  }
});

Deno.test("measureStartup() measures every kind's memory the same way", async () => {
  const rows = await measureStartup({ repeats: 1, count: 2, asyncTasks: 100 });
  assert.deepEqual(rows.map((row) => row.memorySource), [
    "PSS growth of a fresh program and its children / 100 tasks",
    "PSS growth of a fresh program and its children / 2 workers",
    "PSS growth of a fresh program and its children / 2 children",
  ]);
  for (const row of rows) {
    assert.equal(
      row.memoryKiB === undefined,
      Deno.build.os !== "linux",
      `${row.kind}: ${row.memoryKiB}`,
    );
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

Deno.test("hungWorker reports progress after the time-out and the next task", async () => {
  const calls: [number, number][] = [];
  await hungWorker(100, {
    onProgress: (done, total) => calls.push([done, total]),
  });
  assert.deepEqual(calls, [[0, 2], [1, 2], [2, 2]]);
});

Deno.test("WorkerPool's taskTimeoutMs does not count the start-up of SLOW_START_MODULE", async () => {
  const { START_DELAY_MS } = await import(SLOW_START_MODULE.href);
  const timeoutMs = 100;
  assert.ok(START_DELAY_MS > timeoutMs, "the start must outlast the timeout");
  await using pool = new WorkerPool(SLOW_START_MODULE, {
    size: 1,
    taskTimeoutMs: timeoutMs,
  });
  const started = performance.now();
  assert.equal(await pool.run("echo", "made it"), "made it");
  assert.ok(performance.now() - started > timeoutMs);
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

async function readIn(permissions: Deno.PermissionOptions, path: string) {
  const worker = new Worker(SANDBOX_READER_MODULE, {
    type: "module",
    deno: { permissions },
  });
  try {
    return await new Promise<{ ok: boolean; name?: string }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage(path);
    });
  } finally {
    worker.terminate();
  }
}

Deno.test("SANDBOX_READER_MODULE reads only with read permission", async () => {
  const path = new URL("../../deno.json", import.meta.url).pathname;
  const denied = await readIn({ read: false, net: false }, path);
  assert.deepEqual([denied.ok, denied.name], [false, "NotCapable"]);
  const allowed = await readIn("inherit", path);
  assert.equal(allowed.ok, true);
});

Deno.test("memoryPerUnitHere() rejects a bad count", async () => {
  await assert.rejects(memoryPerUnitHere("worker", 0), {
    name: "RangeError",
    message:
      "Cannot measure memory: 'count' must be a positive integer, received 0",
  });
});
