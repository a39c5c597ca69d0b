import assert from "node:assert/strict";
import { CUT, DONE, type Job, type Runner, RUNNING } from "./_pool_types.ts";
import { RunnerSlot } from "./_runner_slot.ts";
import { fakeJobs, inputsOf } from "./testdata/jobs.ts";

const runner: Runner = { send() {}, kill() {} };

/** Answers `job` as the core does: counted, then settled. */
function answer(slot: RunnerSlot, job: Job): boolean {
  const freed = slot.answered(job);
  job.state = DONE;
  return freed;
}

Deno.test("RunnerSlot.record() numbers tasks in order and says which messages took a lane", () => {
  const slot = new RunnerSlot(0, runner, 2);
  const [a, b, c, d] = fakeJobs(["a", "b", "c", "d"]);
  assert.equal(slot.record([a, b]), true);
  assert.equal(slot.record([c]), true);
  // Beyond its two lanes: sent ahead.
  assert.equal(slot.record([d]), false);
  assert.deepEqual([a, b, c, d].map((job) => job.seq), [0, 1, 2, 3]);
  assert.ok([a, b, c, d].every((job) => job.state === RUNNING));
  assert.ok([a, b, c, d].every((job) => job.slot === slot));
  assert.equal(a.group, b.group);
  assert.notEqual(b.group, c.group);
  assert.equal(slot.seq, 4);
  assert.equal(slot.unanswered, 4);
  assert.equal(slot.groups, 3);
  assert.equal(slot.lanes, 2);
  assert.equal(slot.job(2), c);
  assert.equal(slot.last, d);
  assert.equal(slot.job(4), undefined);
});

Deno.test("RunnerSlot.answered() frees a lane once a message's last task is answered and none waits ahead", () => {
  const slot = new RunnerSlot(0, runner, 1);
  const [a, b, c] = fakeJobs(["a", "b", "c"]);
  slot.record([a, b]);
  slot.record([c]);
  assert.equal(answer(slot, b), false);
  // The message sent ahead takes the lane its first one frees.
  assert.equal(answer(slot, a), false);
  assert.equal(slot.groups, 1);
  assert.equal(slot.lanes, 1);
  assert.equal(answer(slot, c), true);
  assert.equal(slot.groups, 0);
  assert.equal(slot.unanswered, 0);
});

Deno.test("RunnerSlot.advance() forgets answered tasks once all are and says when the slot has become idle", () => {
  const slot = new RunnerSlot(0, runner, 1);
  const [a, b, c] = fakeJobs(["a", "b", "c"]);
  assert.equal(slot.advance(), false);
  slot.record([a, b]);
  answer(slot, a);
  assert.equal(slot.advance(), false);
  assert.equal(slot.job(0), a);
  answer(slot, b);
  assert.equal(slot.advance(), true);
  assert.equal(slot.job(0), undefined);
  assert.equal(slot.last, undefined);
  assert.equal(slot.advance(), false);
  // Sequence numbers go on where they were.
  slot.record([c]);
  assert.equal(c.seq, 2);
  assert.equal(slot.job(2), c);
});

Deno.test("RunnerSlot.advance() drops answered tasks past 1024 while others are unanswered, keeping sequence numbers", () => {
  const slot = new RunnerSlot(0, runner, 1);
  const jobs = fakeJobs(Array.from({ length: 3000 }, (_, i) => i));
  for (const job of jobs) slot.record([job]);
  for (const job of jobs.slice(0, 2000)) answer(slot, job);
  assert.equal(slot.advance(), false);
  assert.equal(slot.job(1999), undefined);
  assert.equal(slot.job(2000), jobs[2000]);
  assert.equal(slot.job(2999), jobs[2999]);
  assert.equal(slot.unanswered, 1000);
  for (const job of jobs.slice(2000)) answer(slot, job);
  assert.equal(slot.advance(), true);
});

Deno.test("RunnerSlot.startTimers() times the first concurrency running tasks only, once each", async () => {
  const slot = new RunnerSlot(0, runner, 2);
  const [a, b, c, d] = fakeJobs(["a", "b", "c", "d"]);
  for (const job of [a, b, c, d]) slot.record([job]);
  answer(slot, a);
  b.state = CUT; // timed out or aborted: no longer running
  const timedOut = Promise.withResolvers<[Job, number]>();
  slot.startTimers(0, (job, timeout) => timedOut.resolve([job, timeout]));
  assert.deepEqual([a, b, c, d].map((job) => job.timer !== undefined), [
    false,
    false,
    true,
    true,
  ]);
  const timer = c.timer;
  slot.startTimers(0, () => assert.fail("armed twice"));
  assert.equal(c.timer, timer);
  clearTimeout(d.timer);
  assert.deepEqual(await timedOut.promise, [c, 0]);
});

Deno.test("RunnerSlot.startedBefore() gives the sequence number after the first concurrency running or cut tasks", () => {
  const slot = new RunnerSlot(0, runner, 2);
  const [a, b, c, d] = fakeJobs(["a", "b", "c", "d"]);
  slot.record([a, b]);
  assert.equal(slot.startedBefore(), 2);
  slot.record([c, d]);
  answer(slot, a);
  b.state = CUT;
  assert.equal(slot.startedBefore(), 3);
  answer(slot, b);
  answer(slot, c);
  // Fewer than `concurrency`: any of them may have started.
  assert.equal(slot.startedBefore(), Infinity);
});

Deno.test("RunnerSlot.forget() gives the tasks still running, in order, and clears the record", () => {
  const slot = new RunnerSlot(0, runner, 1);
  const [a, b, c, d, e] = fakeJobs(["a", "b", "c", "d", "e"]);
  slot.record([a, b]);
  slot.record([c, d]);
  answer(slot, a);
  b.state = CUT;
  assert.deepEqual(inputsOf(slot.forget()), ["c", "d"]);
  assert.equal(slot.unanswered, 0);
  assert.equal(slot.groups, 0);
  assert.equal(slot.lanes, 0);
  assert.equal(slot.last, undefined);
  assert.equal(slot.job(2), undefined);
  assert.deepEqual(slot.forget(), []);
  slot.record([e]);
  assert.equal(e.seq, 4);
  assert.equal(slot.job(4), e);
});
