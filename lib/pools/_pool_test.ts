import assert from "node:assert/strict";
import type { ReplyMessage, TasksMessage } from "./_messages.ts";
import { type CoreSettings, PoolCore, type RunnerEvents } from "./_pool.ts";

/** A runner the test drives by hand: it records what it is sent. */
interface FakeRunner {
  events: RunnerEvents;
  messages: TasksMessage[];
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
    maxQueue: Infinity,
    taskTimeoutMs: undefined,
    idleTimeoutMs: Infinity,
    kind: "worker",
    module: "file:///tasks.ts",
    spawn(events) {
      const runner: FakeRunner = {
        events,
        messages: [],
        started: 0,
        killed: false,
      };
      runners.push(runner);
      return {
        send(message) {
          if (message.requests.some((r) => typeof r.input === "function")) {
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

/** Answers every request of `runner`'s latest message with its input. */
function answerLatest(runner: FakeRunner, spentMs = 0.001): void {
  const { requests } = runner.messages.at(-1)!;
  runner.events.message(
    {
      kind: "results",
      results: requests.map(({ id, input }) => ({
        id,
        ok: true,
        value: input,
      })),
      spentMs: spentMs * requests.length,
    } satisfies ReplyMessage,
  );
}

function inputsOf(message: TasksMessage | undefined): unknown[] {
  return message?.requests.map((request) => request.input) ?? [];
}

Deno.test("PoolCore sends queued tiny tasks in one message, an even share of the queue each", async () => {
  const { core, runners } = fakeCore({ size: 2 });
  const results: Promise<unknown>[] = [];
  for (const input of ["a", "b"]) {
    results.push(core.submit("echo", input, undefined, false));
  }
  ready(runners[0]);
  ready(runners[1]);
  // Nothing is known of the tasks' cost yet, so they go one by one.
  assert.deepEqual(inputsOf(runners[0].messages[0]), ["a"]);
  assert.deepEqual(inputsOf(runners[1].messages[0]), ["b"]);
  answerLatest(runners[0]);
  for (let i = 0; i < 9; i++) {
    results.push(core.submit("echo", i, undefined, false));
  }
  // Runner 0 was free and took task 0; the other 8 wait for runner 1.
  assert.deepEqual(inputsOf(runners[0].messages[1]), [0]);
  answerLatest(runners[1]);
  assert.deepEqual(inputsOf(runners[1].messages[1]), [1, 2, 3, 4]);
  answerLatest(runners[0]);
  assert.deepEqual(inputsOf(runners[0].messages[2]), [5, 6]);
  answerLatest(runners[1]);
  answerLatest(runners[0]);
  answerLatest(runners[1]);
  answerLatest(runners[0]);
  assert.deepEqual(await Promise.all(results), [
    "a",
    "b",
    ...Array.from({ length: 9 }, (_, i) => i),
  ]);
  assert.equal(runners[0].messages[0].answerEach, false);
  await core.close();
});

Deno.test("PoolCore sends a task one at a time once tasks cost more than a message's worth", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", 0, undefined, false);
  ready(runners[0]);
  const rest = [1, 2, 3].map((i) => core.submit("echo", i, undefined, false));
  answerLatest(runners[0], 5);
  assert.deepEqual(inputsOf(runners[0].messages[1]), [1]);
  for (let i = 0; i < 3; i++) answerLatest(runners[0], 5);
  assert.deepEqual(await Promise.all([first, ...rest]), [0, 1, 2, 3]);
  await core.close();
});

Deno.test("PoolCore sends a task with a signal alone", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const signal = new AbortController().signal;
  const rest = [
    core.submit("echo", "x", undefined, false),
    core.submit("echo", "signalled", { signal }, false),
    core.submit("echo", "y", undefined, false),
    core.submit("echo", "z", undefined, false),
  ];
  answerLatest(runners[0]);
  assert.deepEqual(inputsOf(runners[0].messages[1]), ["x"]);
  answerLatest(runners[0]);
  assert.deepEqual(inputsOf(runners[0].messages[2]), ["signalled"]);
  answerLatest(runners[0]);
  assert.deepEqual(inputsOf(runners[0].messages[3]), ["y", "z"]);
  answerLatest(runners[0]);
  assert.deepEqual(await Promise.all([first, ...rest]), [
    "first",
    "x",
    "signalled",
    "y",
    "z",
  ]);
  await core.close();
});

Deno.test("PoolCore rejects the started tasks of a dead runner and runs the others elsewhere", async (t) => {
  for (const tellsStarts of [true, false]) {
    await t.step(
      tellsStarts
        ? "the runner counts its starts"
        : "the runner cannot tell: only the first unanswered task started",
      async () => {
        const { core, runners } = fakeCore({}, tellsStarts);
        const first = core.submit("echo", "a", undefined, false);
        ready(runners[0]);
        const group = ["b", "c", "d"].map((input) =>
          core.submit("echo", input, undefined, false)
        );
        answerLatest(runners[0]);
        assert.equal(await first, "a");
        assert.deepEqual(inputsOf(runners[0].messages[1]), ["b", "c", "d"]);
        // "a" answered; "b" and "c" started (c's answer is lost), "d" not.
        runners[0].started = 3;
        runners[0].events.death("it crashed");
        assert.equal(runners[0].killed, true);
        const died = {
          message:
            "Cannot finish task 'echo': the worker running it died (it crashed)",
        };
        await assert.rejects(group[0], died);
        if (tellsStarts) await assert.rejects(group[1], died);
        ready(runners[1]);
        assert.deepEqual(
          inputsOf(runners[1].messages[0]),
          tellsStarts ? ["d"] : ["c", "d"],
        );
        answerLatest(runners[1]);
        if (!tellsStarts) assert.equal(await group[1], "c");
        assert.equal(await group[2], "d");
        assert.deepEqual(core.stats().queued, 0);
        await core.close();
      },
    );
  }
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
  answerLatest(runners[0]);
  // The group failed as a whole, so its tasks went one message each.
  assert.deepEqual(runners[0].messages.slice(1).map(inputsOf), [["a"], ["b"]]);
  await assert.rejects(rest[1], {
    name: "TypeError",
    message:
      "Cannot run task 'echo': the input could not be sent to the worker (a function could not be cloned)",
  });
  runners[0].events.message({
    kind: "results",
    results: [{ id: 2, ok: true, value: "a" }],
    spentMs: 0,
  });
  answerLatest(runners[0]);
  assert.deepEqual(await Promise.all([first, rest[0], rest[2]]), [
    "first",
    "a",
    "b",
  ]);
  await core.close();
});

Deno.test("PoolCore with a task timeout asks for each answer at once and times out only the running task", async () => {
  const { core, runners } = fakeCore({ taskTimeoutMs: 20 });
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const group = ["hangs", "after"].map((input) =>
    core.submit("echo", input, undefined, false)
  );
  answerLatest(runners[0]);
  assert.equal(await first, "first");
  const message = runners[0].messages[1];
  assert.equal(message.answerEach, true);
  assert.deepEqual(inputsOf(message), ["hangs", "after"]);
  runners[0].started = 2;
  await assert.rejects(group[0], {
    name: "TimeoutError",
    message: "Cannot finish task 'echo': it timed out after 20 ms",
  });
  assert.equal(runners[0].killed, true);
  ready(runners[1]);
  assert.deepEqual(inputsOf(runners[1].messages[0]), ["after"]);
  answerLatest(runners[1]);
  assert.equal(await group[1], "after");
  await core.close();
});

Deno.test("PoolCore.close() rejects a group's running task and the ones it had not started", async () => {
  const { core, runners } = fakeCore();
  const first = core.submit("echo", "first", undefined, false);
  ready(runners[0]);
  const group = ["a", "b"].map((input) =>
    core.submit("echo", input, undefined, false)
  );
  answerLatest(runners[0]);
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
