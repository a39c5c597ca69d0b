import assert from "node:assert/strict";
import { progressSteps } from "./_progress.ts";

Deno.test("progressSteps reports zero at once, then each step", () => {
  const calls: [number, number][] = [];
  const step = progressSteps(2, (done, total) => calls.push([done, total]));
  assert.deepEqual(calls, [[0, 2]]);
  step();
  step();
  assert.deepEqual(calls, [[0, 2], [1, 2], [2, 2]]);
});
