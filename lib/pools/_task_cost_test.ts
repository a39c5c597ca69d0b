import assert from "node:assert/strict";
import { TaskCost } from "./_task_cost.ts";

Deno.test("TaskCost sends tasks one at a time and nothing deeper ahead until a cost is known", () => {
  const cost = new TaskCost();
  assert.equal(cost.groupSize(100, 4), 1);
  assert.equal(cost.mayHoldMore(1), false);
});

Deno.test("TaskCost.groupSize() groups about 4 ms of work, at most an even share of the queue", () => {
  const cost = new TaskCost();
  cost.add(0.625, 5); // 0.125 ms a task
  assert.equal(cost.groupSize(1000, 4), 32);
  assert.equal(cost.groupSize(12, 4), 3);
  assert.equal(cost.groupSize(1, 4), 1);
  cost.add(9.375, 5); // averaged: (0.125 + 1.875) / 2 = 1 ms a task
  assert.equal(cost.groupSize(1000, 4), 4);
  cost.add(35, 5); // averaged: (1 + 7) / 2 = 4 ms a task
  assert.equal(cost.groupSize(1000, 4), 1);
});

Deno.test("TaskCost.mayHoldMore() lets a runner hold up to about 3 ms of work", () => {
  const cost = new TaskCost();
  cost.add(1, 2); // 0.5 ms a task
  assert.equal(cost.mayHoldMore(5), true);
  assert.equal(cost.mayHoldMore(6), false);
});
