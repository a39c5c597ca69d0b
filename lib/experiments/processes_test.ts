import assert from "node:assert/strict";
import {
  checkProcessParameters,
  cubePoolMap,
  fileCounter,
  lockExperiment,
  processQueue,
  runChild,
} from "./processes.ts";

const GOOD = {
  exitCode: 3,
  poolSize: 2,
  cubeInputs: 10,
  queueLines: 100,
  counterProcesses: 4,
  increments: 100,
  trials: 3,
};

Deno.test("checkProcessParameters() accepts the defaults", () => {
  checkProcessParameters(GOOD);
});

Deno.test("checkProcessParameters() names the bad value", () => {
  assert.throws(
    () => checkProcessParameters({ ...GOOD, exitCode: 256 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'exitCode' must be an integer from 0 to 255, received 256",
    },
  );
  assert.throws(
    () => checkProcessParameters({ ...GOOD, queueLines: -1 }),
    {
      message:
        "Invalid parameter: 'queueLines' must be a non-negative integer, received -1",
    },
  );
  assert.throws(
    () => checkProcessParameters({ ...GOOD, increments: 1.5 }),
    {
      message:
        "Invalid parameter: 'increments' must be a positive integer, received 1.5",
    },
  );
});

Deno.test("runChild() pipes stdin to stdout and reports the exit code", async () => {
  const ok = await runChild("abc\n");
  assert.equal(ok.stdout, "ABC\n");
  assert.equal(ok.code, 0);
  assert.equal(ok.success, true);
  const failed = await runChild("", { exitCode: 3 });
  assert.equal(failed.stdout, "");
  assert.equal(failed.code, 3);
  assert.equal(failed.success, false);
  assert.ok(failed.ms > 0);
  await assert.rejects(() => runChild("", { exitCode: -1 }), RangeError);
});

Deno.test("cubePoolMap() cubes 0..9 in order on distinct children", async () => {
  const result = await cubePoolMap(10, { size: 2 });
  assert.deepEqual(result.results, [0, 1, 8, 27, 64, 125, 216, 343, 512, 729]);
  assert.ok(result.children >= 1 && result.children <= 2);
  assert.ok(result.coldMs > 0 && result.warmMs > 0);
  await assert.rejects(() => cubePoolMap(0), RangeError);
});

Deno.test("processQueue() delivers every line from producer to consumer", async () => {
  const queue = await processQueue(5000);
  assert.equal(queue.consumed, 5000);
  assert.equal(queue.sum, queue.expectedSum);
  assert.notEqual(queue.producerPid, queue.consumerPid);
  const empty = await processQueue(0);
  assert.equal(empty.consumed, 0);
  assert.equal(empty.sum, 0);
});

Deno.test("fileCounter() with the lock loses no increment", async () => {
  const counted = await fileCounter({ processes: 4, increments: 50 });
  assert.equal(counted.expected, 200);
  assert.equal(counted.actual, 200);
  assert.equal(counted.lost, 0);
  assert.equal(counted.locked, true);
});

Deno.test("fileCounter() without the lock never gains increments", async () => {
  const counted = await fileCounter({
    processes: 3,
    increments: 50,
    lock: false,
  });
  assert.equal(counted.expected, 150);
  assert.ok(counted.actual >= 50 && counted.actual <= 150);
  assert.equal(counted.lost, 150 - counted.actual);
});

Deno.test("lockExperiment() runs each mode per trial", async () => {
  const runs = await lockExperiment({ processes: 2, increments: 5, trials: 2 });
  assert.deepEqual(runs.map((run) => run.locked), [true, true, false, false]);
  assert.ok(runs.filter((run) => run.locked).every((run) => run.lost === 0));
  await assert.rejects(() => lockExperiment({ trials: 0 }), RangeError);
});
