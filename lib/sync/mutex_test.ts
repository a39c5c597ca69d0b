import assert from "node:assert/strict";
import { DeadlockError } from "./deadlock_error.ts";
import { Mutex } from "./mutex.ts";
import {
  incrementInWorkers,
  runTask,
  waitUntil,
  withWorkers,
} from "./testdata/worker_helpers.ts";

Deno.test("Mutex makes read-modify-write from two workers exact", async () => {
  assert.equal(await incrementInWorkers("mutex", 50_000), 100_000);
});

Deno.test("Mutex.acquire() throws DeadlockError while a worker holds the lock", async () => {
  const buffer = new SharedArrayBuffer(8);
  const mutex = Mutex.create({ buffer, byteOffset: 0 });
  const flag = new Int32Array(buffer, 4, 1);
  await withWorkers(1, async ([worker]) => {
    await runTask(worker, { task: "hold", buffer, mutex: 0, flag: 4 });
    await waitUntil(flag, 0, 1);
    assert.equal(mutex.locked, true);
    const started = performance.now();
    assert.throws(() => mutex.acquire({ timeoutMs: 50 }), {
      name: "DeadlockError",
      message: "Mutex not acquired within 50 ms, a probable deadlock",
    });
    assert.ok(performance.now() - started >= 49);
    await assert.rejects(mutex.acquireAsync({ timeoutMs: 20 }), DeadlockError);
    assert.equal(mutex.tryAcquire(), undefined);
  });
});

Deno.test("Mutex: using releases the lock at the end of the block, even on throw", () => {
  const mutex = Mutex.create();
  {
    using _lock = mutex.acquire();
    assert.equal(mutex.locked, true);
  }
  assert.equal(mutex.locked, false);
  assert.throws(() => {
    using _lock = mutex.acquire();
    throw new Error("boom");
  }, /boom/);
  assert.equal(mutex.locked, false);
});

Deno.test("Mutex: disposing a handle twice releases once", () => {
  const mutex = Mutex.create();
  const first = mutex.acquire();
  first[Symbol.dispose]();
  using _second = mutex.acquire();
  first[Symbol.dispose]();
  assert.equal(mutex.locked, true);
});

Deno.test("Mutex.release() of an unlocked mutex throws", () => {
  assert.throws(() => Mutex.create().release(), {
    name: "Error",
    message:
      "Cannot release mutex: it is not locked, received a release without a matching acquire",
  });
});

Deno.test("Mutex.acquireAsync() waits for the release and admits one holder at a time", async () => {
  const mutex = Mutex.create();
  const order: string[] = [];
  const held = mutex.acquire();
  const waiters = ["a", "b"].map(async (name) => {
    using _lock = await mutex.acquireAsync({ timeoutMs: 5_000 });
    order.push(`${name} in`);
    await Promise.resolve();
    order.push(`${name} out`);
  });
  order.push("main out");
  held[Symbol.dispose]();
  await Promise.all(waiters);
  assert.equal(order[0], "main out");
  // Whoever got the lock first must have left before the other came in.
  assert.deepEqual(order.slice(1).map((entry) => entry.split(" ")[1]), [
    "in",
    "out",
    "in",
    "out",
  ]);
  assert.equal(mutex.locked, false);
});
