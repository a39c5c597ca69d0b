import assert from "node:assert/strict";
import { WorkerPool } from "./worker_pool.ts";
import { runPoolScript, withTaskModule } from "./testdata/scripts.ts";

// What both pools do is tested once, over both, in task_pool_test.ts.

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

Deno.test("WorkerPool.run() transfers the listed objects", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  const echoed = await pool.run<ArrayBuffer>("echo", buffer, {
    transfer: [buffer],
  });
  assert.equal(buffer.byteLength, 0);
  assert.deepEqual([...new Uint8Array(echoed)], [1, 2, 3]);
});

Deno.test("WorkerPool spawned and closed 100 times leaves nothing running", async () => {
  for (let i = 0; i < 100; i++) {
    const pool = new WorkerPool(TASKS, { size: 2 });
    assert.equal(await pool.run("echo", i), i);
    await pool.close();
  }
  // The test sanitizers fail this test if a worker or timer is left behind.
});

Deno.test("WorkerPool asks again until a module that awaits before expose() answers", async () => {
  await using pool = new WorkerPool(
    new URL("./testdata/late_expose_tasks.ts", import.meta.url),
    { size: 1 },
  );
  assert.equal(await pool.run("double", 21), 42);
});

Deno.test("WorkerPool workers get the permissions given", async () => {
  await withTaskModule(
    `{ canRead: async () => (await Deno.permissions.query({ name: "read" })).state }`,
    async (module) => {
      // In a program of its own: without the flag, Deno would exit the runner.
      const output = await runPoolScript(
        `const url = new URL(${JSON.stringify(module.href)});
        await using inherit = new WorkerPool(url, { size: 1 });
        await using none = new WorkerPool(url, { size: 1, permissions: "none" });
        console.log(await inherit.run("canRead"), await none.run("canRead"));`,
        ["--unstable-worker-options"],
      );
      assert.match(output.trim(), /^granted (prompt|denied)$/);
    },
  );
});
