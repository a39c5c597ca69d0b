import assert from "node:assert/strict";
import type { ReplyMessage, TasksMessage } from "./_messages.ts";
import {
  type CoreSettings,
  PoolCore,
  type RunnerEvents,
  type RunnerSettings,
} from "./_pool.ts";

/** A runner the test drives by hand: it records what it is sent. */
interface FakeRunner {
  events: RunnerEvents;
  settings: RunnerSettings;
  messages: TasksMessage[];
  /** How many of `messages` have been answered, in order. */
  answered: number;
  /** What `stopStarting()` answers: tasks started in all. */
  started: number;
  killed: boolean;
}

/**
 * A core whose runners are fakes. `tellsStarts: false` leaves out
 * `stopStarting()`, as a child process runner does.
 */
function fakeCore(
  settings: Partial<CoreSettings> = {},
  tellsStarts = true,
): { core: PoolCore; runners: FakeRunner[] } {
  const runners: FakeRunner[] = [];
  const core = new PoolCore({
    size: 1,
    concurrency: 1,
    maxQueue: Infinity,
    taskTimeoutMs: undefined,
    idleTimeoutMs: Infinity,
    kind: "worker",
    module: "file:///tasks.ts",
    spawn(events, settings) {
      const runner: FakeRunner = {
        events,
        settings,
        messages: [],
        answered: 0,
        started: 0,
        killed: false,
      };
      runners.push(runner);
      return {
        send(message) {
          if (message.inputs.some((input) => typeof input === "function")) {
            throw new TypeError("a function could not be cloned");
          }
          runner.messages.push(message);
        },
        stopStarting: tellsStarts ? () => runner.started : undefined,
        kill() {
          runner.killed = true;
        },
      };
    },
    ...settings,
  });
  return { core, runners };
}

function ready(runner: FakeRunner): void {
  runner.events.message({ kind: "ready", tasks: ["echo"] });
}

/**
 * Answers every request of `runner`'s oldest unanswered message with its
 * input, as a runner that runs its tasks in order does.
 */
function answerNext(runner: FakeRunner, spentMs = 0.001): void {
  const { first, inputs } = runner.messages[runner.answered++];
  runner.events.message(
    {
      kind: "results",
      first,
      values: inputs,
      spentMs: spentMs * inputs.length,
    } satisfies ReplyMessage,
  );
}

function inputsOf(message: TasksMessage | undefined): unknown[] {
  return message?.inputs ?? [];
}

function submitAll(core: PoolCore, inputs: unknown[]): Promise<unknown>[] {
  return inputs.map((input) => core.submit("echo", input, undefined, false));
}

Deno.test("PoolCore sends queued tiny tasks in one message, an even share of the queue each", async () => {
  const { core, runners } = fakeCore({ size: 2 });
  const results = submitAll(core, ["a", "b"]);
  ready(runners[0]);
  // Nothing is known of the tasks' cost yet, so they go one by one, and
  // nothing is sent ahead while runner 1 is still starting.
  assert.deepEqual(runners[0].messages.map(inputsOf), [["a"]]);
  ready(runners[1]);
  assert.deepEqual(runners[1].messages.map(inputsOf), [["b"]]);
  answerNext(runners[0]);
  answerNext(runners[1]);
  // Both free: the next two go at once, one each; the next two wait in a
  // runner, sent ahead; the other six wait in the pool.
  results.push(...submitAll(core, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.equal(core.stats().queued, 6);
  // The runner that answers first takes the queue in groups, each half of
  // what is left, while what it holds is under AHEAD_BUDGET_MS of work.
  answerNext(runners[1]);
  answerNext(runners[0]);
  assert.deepEqual(runners[1].messages.map(inputsOf), [
    ["b"],
    [0],
    [3],
    [4, 5, 6],
    [7, 8],
    [9],
  ]);
  assert.deepEqual(runners[0].messages.map(inputsOf), [["a"], [1], [2]]);
  answerNext(runners[0]);
  for (let i = 0; i < 4; i++) answerNext(runners[1]);
  assert.deepEqual(await Promise.all(results), [
    "a",
    "b",
    ...Array.from({ length: 10 }, (_, i) => i),
  ]);
  await core.close();
});

Deno.test("PoolCore sends a group ahead only while every runner is busy and a backlog waits", async () => {
  const { core, runners } = fakeCore({ size: 1 });
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const rest = submitAll(core, [1, 2, 3, 4, 5]);
  // Tasks of 2 ms: two make a group.
  answerNext(runners[0], 2);
  answerNext(runners[0], 2);
  assert.deepEqual(runners[0].messages.map(inputsOf), [
    ["first"],
    [1],
    [2, 3],
    [4, 5],
  ]);
  assert.equal(core.stats().queued, 0);
  answerNext(runners[0], 2);
  answerNext(runners[0], 2);
  assert.deepEqual(await Promise.all([first, ...rest]), [
    "first",
    1,
    2,
    3,
    4,
    5,
  ]);
  await core.close();
});

Deno.test("PoolCore sends a task one at a time once tasks cost more than a message's worth", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", 0, undefined, false);
  ready(runners[0]);
  const rest = submitAll(core, [1, 2, 3]);
  for (let i = 0; i < 4; i++) answerNext(runners[0], 5);
  assert.deepEqual(runners[0].messages.map(inputsOf), [[0], [1], [2], [3]]);
  assert.deepEqual(await Promise.all([first, ...rest]), [0, 1, 2, 3]);
  await core.close();
});

Deno.test("PoolCore sends a task with a signal alone and nothing ahead next to it", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const signal = new AbortController().signal;
  const rest = [
    core.submit("echo", "signalled", { signal }, false),
    core.submit("echo", "y", undefined, false),
    core.submit("echo", "z", undefined, false),
  ];
  // Nothing went ahead: the next task has a signal.
  assert.equal(runners[0].messages.length, 1);
  answerNext(runners[0]);
  // Alone, and nothing ahead behind it.
  assert.deepEqual(runners[0].messages.map(inputsOf), [["first"], [
    "signalled",
  ]]);
  answerNext(runners[0]);
  assert.deepEqual(inputsOf(runners[0].messages[2]), ["y", "z"]);
  answerNext(runners[0]);
  assert.deepEqual(await Promise.all([first, ...rest]), [
    "first",
    "signalled",
    "y",
    "z",
  ]);
  await core.close();
});

/**
 * A runner that has answered "first", "x" and "y" and holds "b", "c", "d"
 * in one message: their seqs are 3, 4 and 5.
 */
async function runnerWithGroup(tellsStarts: boolean) {
  const { core, runners } = fakeCore({}, tellsStarts);
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const [x, y] = submitAll(core, ["x", "y"]);
  answerNext(runners[0]);
  const group = submitAll(core, ["b", "c", "d"]);
  answerNext(runners[0]);
  answerNext(runners[0]);
  assert.deepEqual(await Promise.all([first, x, y]), ["first", "x", "y"]);
  assert.deepEqual(inputsOf(runners[0].messages.at(-1)), ["b", "c", "d"]);
  return { core, runners, group };
}

const DIED = {
  message: "Cannot finish task 'echo': the worker running it died (it crashed)",
};

Deno.test("PoolCore judges a dead runner's unanswered tasks by what it had started", async (t) => {
  await t.step(
    "a worker counts its starts: the rest run elsewhere",
    async () => {
      const { core, runners, group } = await runnerWithGroup(true);
      // "b" and "c" started (c's answer is lost), "d" not.
      runners[0].started = 5;
      runners[0].events.death("it crashed");
      assert.equal(runners[0].killed, true);
      await assert.rejects(group[0], DIED);
      await assert.rejects(group[1], DIED);
      ready(runners[1]);
      assert.deepEqual(inputsOf(runners[1].messages[0]), ["d"]);
      answerNext(runners[1]);
      assert.equal(await group[2], "d");
      await core.close();
    },
  );
  await t.step("a child that says how many it started: the same", async () => {
    const { core, runners, group } = await runnerWithGroup(false);
    runners[0].events.death("it crashed", 4);
    await assert.rejects(group[0], DIED);
    ready(runners[1]);
    assert.deepEqual(inputsOf(runners[1].messages[0]), ["c", "d"]);
    answerNext(runners[1]);
    assert.deepEqual(await Promise.all(group.slice(1)), ["c", "d"]);
    await core.close();
  });
  await t.step(
    "a child that says nothing: each may have run, all reject",
    async () => {
      const { core, runners, group } = await runnerWithGroup(false);
      runners[0].events.death("it crashed");
      for (const task of group) await assert.rejects(task, DIED);
      assert.equal(core.stats().failed, 3);
      await core.close();
    },
  );
});

Deno.test("PoolCore judges a child it killed only once its death is reported", async () => {
  const { core, runners } = fakeCore({ taskTimeoutMs: 20 }, false);
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  assert.equal(runners[0].settings.answerEach, true);
  const group = submitAll(core, ["hangs", "after", "last"]);
  answerNext(runners[0]);
  assert.equal(await first, "first");
  assert.deepEqual(runners[0].messages.slice(1).map(inputsOf), [["hangs"], [
    "after",
    "last",
  ]]);
  await assert.rejects(group[0], {
    name: "TimeoutError",
    message: "Cannot finish task 'echo': it timed out after 20 ms",
  });
  assert.equal(runners[0].killed, true);
  // Killed, the child still delivers what it wrote before: here a late
  // answer to the timed-out task, which is ignored (it was settled).
  answerNext(runners[0]);
  assert.equal(runners.length, 1);
  runners[0].events.death("it was killed");
  // Answering each task before the next, it can only have been running
  // the timed-out one: the other two run on a new child.
  ready(runners[1]);
  assert.deepEqual(inputsOf(runners[1].messages[0]), ["after", "last"]);
  answerNext(runners[1]);
  assert.deepEqual(await Promise.all(group.slice(1)), ["after", "last"]);
  await core.close();
});

Deno.test("PoolCore rejects only the task whose input cannot be sent, even in a group", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const rest = [
    core.submit("echo", "a", undefined, false),
    core.submit("echo", () => 1, undefined, false),
    core.submit("echo", "b", undefined, false),
  ];
  answerNext(runners[0], 0.0001);
  // The group of the other two failed as a whole, so they went one by one.
  assert.deepEqual(runners[0].messages.slice(1).map(inputsOf), [["a"], ["b"]]);
  await assert.rejects(rest[1], {
    name: "TypeError",
    message:
      "Cannot run task 'echo': the input could not be sent to the worker (a function could not be cloned)",
  });
  answerNext(runners[0]);
  answerNext(runners[0]);
  assert.deepEqual(await Promise.all([first, rest[0], rest[2]]), [
    "first",
    "a",
    "b",
  ]);
  await core.close();
});

Deno.test("PoolCore with concurrentTasks gives a runner that many tasks at once and matches answers in any order", async () => {
  const { core, runners } = fakeCore({ concurrency: 3 });
  const tasks = submitAll(core, ["a", "b", "c", "d"]);
  ready(runners[0]);
  assert.equal(runners[0].settings.concurrency, 3);
  // Three lanes, and one task sent ahead while the backlog lasted.
  assert.deepEqual(runners[0].messages.map(inputsOf), [
    ["a"],
    ["b"],
    ["c"],
    ["d"],
  ]);
  for (const index of [2, 0, 3, 1]) {
    const { first, inputs } = runners[0].messages[index];
    runners[0].events.message({
      kind: "results",
      first,
      values: inputs,
      spentMs: 1,
    });
  }
  assert.deepEqual(await Promise.all(tasks), ["a", "b", "c", "d"]);
  await core.close();
});

Deno.test("PoolCore counts free lanes and the pool's queue against maxQueue", async () => {
  const { core, runners } = fakeCore({ concurrency: 2, maxQueue: 1 });
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  // One lane is free: the next task starts at once; the one after waits
  // in the runner, sent ahead; then one may wait in the pool.
  const second = core.submit("echo", "second", undefined, false);
  const ahead = core.submit("echo", "ahead", undefined, false);
  const waiting = core.submit("echo", "waits", undefined, false);
  assert.equal(core.stats().queued, 1);
  await assert.rejects(core.submit("echo", "too many", undefined, false), {
    name: "RangeError",
    message:
      "Cannot run task 'echo': the queue is full (maxQueue 1), received one task too many",
  });
  for (let i = 0; i < 4; i++) answerNext(runners[0]);
  assert.deepEqual(await Promise.all([first, second, ahead, waiting]), [
    "first",
    "second",
    "ahead",
    "waits",
  ]);
  await core.close();
});

Deno.test("PoolCore.close() rejects a runner's started task and the ones it had not started", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const group = submitAll(core, ["a", "b"]);
  answerNext(runners[0]);
  await first;
  runners[0].started = 2;
  const checks = Promise.all([
    assert.rejects(group[0], {
      message:
        "Cannot finish task 'echo': the pool was closed while it was running",
    }),
    assert.rejects(group[1], {
      message: "Cannot run task 'echo': the pool was closed before it started",
    }),
  ]);
  await core.close();
  await checks;
});
