import assert from "node:assert/strict";
import { DeadlockError } from "./deadlock_error.ts";
import { Semaphore } from "./semaphore.ts";
import { runTask, withWorkers } from "./testdata/worker_helpers.ts";

Deno.test("Semaphore never lets more than its permits in across workers", async () => {
  const buffer = new SharedArrayBuffer(16);
  const semaphore = Semaphore.create(2, { buffer, byteOffset: 0 });
  const max = new Int32Array(buffer, 12, 1);
  await withWorkers(3, async (workers) => {
    await Promise.all(workers.map((worker) =>
      runTask(worker, {
        task: "semaphore",
        buffer,
        semaphore: 0,
        current: 8,
        max: 12,
        n: 20_000,
      })
    ));
  });
  assert.ok(max[0] >= 1 && max[0] <= 2, `max concurrent holders ${max[0]}`);
  assert.equal(semaphore.available, 2);
});

Deno.test("Semaphore: acquire times out, release without acquire throws", async () => {
  const semaphore = Semaphore.create(1);
  {
    using _permit = semaphore.acquire();
    assert.throws(() => semaphore.acquire({ timeoutMs: 5 }), {
      name: "DeadlockError",
      message: "Semaphore permit not acquired within 5 ms, a probable deadlock",
    });
    await assert.rejects(
      semaphore.acquireAsync({ timeoutMs: 5 }),
      DeadlockError,
    );
  }
  assert.equal(semaphore.available, 1);
  assert.throws(() => semaphore.release(), {
    name: "Error",
    message:
      "Cannot release semaphore: all 1 permits are already free, received a release without a matching acquire",
  });
});
