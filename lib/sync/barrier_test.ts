import assert from "node:assert/strict";
import { Barrier } from "./barrier.ts";
import { DeadlockError } from "./deadlock_error.ts";
import { runTask, withWorkers } from "./testdata/worker_helpers.ts";

Deno.test("Barrier releases all parties together, round after round", async () => {
  const rounds = 200;
  const buffer = new SharedArrayBuffer(Barrier.byteLength + 8 + 4 * rounds);
  const barrier = Barrier.create(3, { buffer, byteOffset: 0 });
  const violations = new Int32Array(buffer, 12, 1);
  const leaders = new Int32Array(buffer, 16, 1);
  const arrivals = new Int32Array(buffer, 20, rounds);
  await withWorkers(3, async (workers) => {
    await Promise.all(workers.map((worker) =>
      runTask(worker, {
        task: "barrier",
        buffer,
        barrier: 0,
        rounds,
        arrivals: 20,
        violations: 12,
        leaders: 16,
      })
    ));
  });
  assert.equal(violations[0], 0);
  assert.equal(leaders[0], rounds);
  assert.equal(barrier.generation, rounds);
  assert.deepEqual([...arrivals], Array(rounds).fill(3));
});

Deno.test("Barrier.wait() times out, withdraws, and still works afterwards", () => {
  const barrier = Barrier.create(2);
  assert.throws(() => barrier.wait({ timeoutMs: 5 }), {
    name: "DeadlockError",
    message:
      "Barrier not passed within 5 ms, only 0 of the other 1 parties arrived, a probable deadlock",
  });
  assert.throws(() => barrier.wait({ timeoutMs: 5 }), DeadlockError);
  assert.equal(barrier.generation, 0);
  const single = Barrier.create(1);
  assert.equal(single.wait(), true);
  assert.equal(single.generation, 1);
});
