import assert from "node:assert/strict";
import { DONE, type Job, QUEUED, RUNNING } from "./_pool_types.ts";
import { TaskQueue } from "./_task_queue.ts";
import { fakeJob, fakeJobs, inputsOf } from "./testdata/jobs.ts";

function queueOf(jobs: Job[]): TaskQueue {
  const queue = new TaskQueue();
  for (const job of jobs) queue.push(job);
  return queue;
}

/** Aborts the waiting `job` as the core does: settled, then counted out. */
function abort(queue: TaskQueue, job: Job): void {
  job.state = DONE;
  queue.remove(job);
}

Deno.test("TaskQueue.take() gives the waiting jobs first in, first out, up to its limit", () => {
  const queue = queueOf(fakeJobs(["a", "b", "c", "d", "e"]));
  assert.equal(queue.size, 5);
  assert.deepEqual(inputsOf(queue.take(2)), ["a", "b"]);
  assert.deepEqual(inputsOf(queue.take(1)), ["c"]);
  assert.equal(queue.size, 2);
  queue.push(fakeJob("f"));
  assert.deepEqual(inputsOf(queue.take(10)), ["d", "e", "f"]);
  assert.equal(queue.size, 0);
  assert.deepEqual(queue.take(10), []);
  assert.equal(queue.peek(), undefined);
});

Deno.test("TaskQueue.take() skips holes left by aborted jobs", () => {
  const jobs = fakeJobs(["a", "b", "c", "d", "e"]);
  const queue = queueOf(jobs);
  abort(queue, jobs[0]);
  abort(queue, jobs[2]);
  abort(queue, jobs[3]);
  assert.equal(queue.size, 2);
  // The limit counts jobs taken, not holes passed.
  assert.deepEqual(inputsOf(queue.take(2)), ["b", "e"]);
  assert.equal(queue.size, 0);
});

Deno.test("TaskQueue.peek() gives the first waiting job, past holes, without taking it", () => {
  const jobs = fakeJobs(["a", "b"]);
  const queue = queueOf(jobs);
  abort(queue, jobs[0]);
  assert.equal(queue.peek(), jobs[1]);
  assert.equal(queue.size, 1);
  assert.deepEqual(inputsOf(queue.take(1)), ["b"]);
});

Deno.test("TaskQueue.take() gives a job with a signal alone", () => {
  const signal = new AbortController().signal;
  const queue = queueOf([
    fakeJob("a"),
    fakeJob("b"),
    fakeJob("signal 1", signal),
    fakeJob("signal 2", signal),
    fakeJob("c"),
  ]);
  assert.deepEqual(inputsOf(queue.take(10)), ["a", "b"]);
  assert.deepEqual(inputsOf(queue.take(10)), ["signal 1"]);
  assert.deepEqual(inputsOf(queue.take(10)), ["signal 2"]);
  assert.deepEqual(inputsOf(queue.take(10)), ["c"]);
});

Deno.test("TaskQueue.putBack() puts jobs back at the front, ahead of those waiting, in their order", () => {
  const jobs = fakeJobs(["a", "b", "c", "d"]);
  const queue = queueOf(jobs);
  const taken = queue.take(2);
  for (const job of taken) job.state = RUNNING;
  abort(queue, jobs[2]);
  // The core marks them waiting again before it puts them back.
  for (const job of taken) job.state = QUEUED;
  queue.putBack(taken);
  assert.equal(queue.size, 3);
  assert.equal(queue.peek(), jobs[0]);
  assert.deepEqual(inputsOf(queue.take(10)), ["a", "b", "d"]);
});

Deno.test("TaskQueue keeps its order across compaction after many takes", () => {
  const jobs = fakeJobs(Array.from({ length: 5000 }, (_, i) => i));
  const queue = queueOf(jobs.slice(0, 3000));
  for (let i = 0; i < 3000; i += 7) abort(queue, jobs[i]);
  // One at a time, far past the 1024 taken after which the array compacts.
  const taken: Job[] = [];
  while (taken.length < 2000) taken.push(...queue.take(1));
  queue.putBack(taken.splice(1900, 100));
  for (const job of jobs.slice(3000)) queue.push(job);
  while (queue.size > 0) taken.push(...queue.take(3));
  const expected = jobs.filter((_, i) => i >= 3000 || i % 7 !== 0);
  assert.deepEqual(inputsOf(taken), inputsOf(expected));
});

Deno.test("TaskQueue.drain() empties the queue and gives the jobs that were waiting", () => {
  const jobs = fakeJobs(["a", "b", "c", "d"]);
  const queue = queueOf(jobs);
  assert.deepEqual(inputsOf(queue.take(1)), ["a"]);
  abort(queue, jobs[2]);
  assert.deepEqual(queue.drain(), [jobs[1], jobs[3]]);
  assert.equal(queue.size, 0);
  assert.deepEqual(queue.take(10), []);
  queue.push(fakeJob("e"));
  assert.deepEqual(inputsOf(queue.take(10)), ["e"]);
});
