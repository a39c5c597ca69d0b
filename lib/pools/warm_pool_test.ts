import assert from "node:assert/strict";
import { borrowWorkerPool, closeWarmPools } from "./warm_pool.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

Deno.test("borrowWorkerPool() outside the kernel lends a fresh pool and closes it", async () => {
  let lent;
  {
    await using borrowed = borrowWorkerPool(TASKS, 1);
    lent = borrowed.pool;
    assert.equal(await lent.run("echo", "hi"), "hi");
  }
  await assert.rejects(lent.run("echo", 1), /closed/);
  await using other = borrowWorkerPool(TASKS, 1);
  assert.notEqual(other.pool, lent);
});

Deno.test("borrowWorkerPool() with keepWarm lends the same pool per module and size", async () => {
  try {
    let first;
    {
      await using borrowed = borrowWorkerPool(TASKS, 2, { keepWarm: true });
      first = borrowed.pool;
      assert.deepEqual(await first.map("echo", [1, 2, 3]), [1, 2, 3]);
    }
    await using again = borrowWorkerPool(TASKS, 2, { keepWarm: true });
    assert.equal(again.pool, first);
    assert.equal(await again.pool.run("echo", 4), 4); // still open
    await using smaller = borrowWorkerPool(TASKS, 1, { keepWarm: true });
    assert.notEqual(smaller.pool, first);
  } finally {
    await closeWarmPools();
  }
  await using fresh = borrowWorkerPool(TASKS, 2, { keepWarm: true });
  assert.equal(fresh.pool.stats().completed, 0); // a new pool after closing
  await closeWarmPools();
});

Deno.test("borrowWorkerPool() names a bad size", () => {
  assert.throws(() => borrowWorkerPool(TASKS, 0), RangeError);
});
