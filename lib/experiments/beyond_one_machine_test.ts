import assert from "node:assert/strict";
import {
  hopCost,
  killRecovery,
  machineSpeedup,
  whenDistributionPays,
} from "./beyond_one_machine.ts";

Deno.test("beyond_one_machine experiments reject bad sizes, naming them", async (t) => {
  for (const bad of [0, -1, 1.5, NaN]) {
    await t.step(`${bad}`, async () => {
      await assert.rejects(machineSpeedup(bad), {
        name: "RangeError",
        message:
          `Cannot run the machine speedup experiment: 'limit' must be a positive integer, received ${bad}`,
      });
      await assert.rejects(
        machineSpeedup(100, { machines: [1, bad] }),
        RangeError,
      );
      await assert.rejects(hopCost({ rounds: bad }), {
        name: "RangeError",
        message:
          `Cannot measure the price of the hop: 'rounds' must be a positive integer, received ${bad}`,
      });
      await assert.rejects(whenDistributionPays({ slots: bad }), RangeError);
      await assert.rejects(killRecovery({ lockDurationsMs: [bad] }), {
        name: "RangeError",
        message:
          `Cannot measure recovery from a killed machine: 'lockDurationsMs' must be a positive integer, received ${bad}`,
      });
    });
  }
  await t.step("task sizes", async () => {
    await assert.rejects(whenDistributionPays({ taskSizesMs: [1, 0] }), {
      name: "RangeError",
      message:
        "Cannot measure when distribution pays: 'taskSizesMs' must be a positive number of milliseconds, received 0",
    });
  });
});

Deno.test("killRecovery() gets every result back exactly once after a SIGKILL", async () => {
  // A 2 s lock: even a busy host renews in time, so only the dead machine's
  // job stalls.
  const [row] = await killRecovery({
    lockDurationsMs: [2_000],
    tasks: 8,
    taskMs: 100,
  });
  assert.deepEqual([row.results, row.failed, row.exactlyOnce], [8, 0, true]);
  // When the victim held a job, BullMQ reported it stalled and it ran again
  // after the kill; a victim caught between jobs loses nothing.
  if (row.lostJob !== undefined) {
    assert.ok(row.stalledJobs >= 1);
    assert.ok(row.stalledAfterMs !== undefined);
    assert.ok(row.rerunAfterMs! >= row.stalledAfterMs!);
  }
});
