import assert from "node:assert/strict";
import {
  asyncTaskFailure,
  childCrash,
  hungWorker,
  sandboxDemo,
  workerCrash,
} from "./isolation.ts";

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
