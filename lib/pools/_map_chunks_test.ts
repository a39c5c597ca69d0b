import assert from "node:assert/strict";
import { type BatchSubmitter, mapChunks, refuseTask } from "./_map_chunks.ts";

/** A core that answers each batch with its inputs doubled, and records them. */
function doubling(): BatchSubmitter & { batches: unknown[][] } {
  const batches: unknown[][] = [];
  return {
    batches,
    submit(_task, input, _options, batch) {
      assert.equal(batch, true);
      batches.push(input as unknown[]);
      return Promise.resolve((input as number[]).map((n) => n * 2));
    },
  };
}

Deno.test("mapChunks() submits four chunks per runner by default and joins the results in order", async () => {
  const core = doubling();
  const inputs = Array.from({ length: 10 }, (_, i) => i);
  const results = await mapChunks(core, 2, "double", inputs, undefined);
  assert.deepEqual(results, inputs.map((n) => n * 2));
  assert.deepEqual(core.batches, [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
});

Deno.test("mapChunks() takes any iterable and a chunkSize of its own", async () => {
  const core = doubling();
  const results = await mapChunks(core, 2, "double", new Set([1, 2, 3]), {
    chunkSize: 2,
  });
  assert.deepEqual(results, [2, 4, 6]);
  assert.deepEqual(core.batches, [[1, 2], [3]]);
  assert.deepEqual(await mapChunks(core, 2, "double", [], undefined), []);
});

Deno.test("refuseTask() refuses a task name that is not a string, and any task of a closed pool", async () => {
  assert.equal(refuseTask("echo", false), undefined);
  await assert.rejects(refuseTask(1, false)!, {
    name: "TypeError",
    message: "Cannot run task: 'task' must be a string, received number",
  });
  await assert.rejects(refuseTask("echo", true)!, {
    message: "Cannot run task 'echo': the pool is closed",
  });
});
