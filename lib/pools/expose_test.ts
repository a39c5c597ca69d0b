import assert from "node:assert/strict";
import { expose } from "./expose.ts";
import {
  CHILD_FLAG,
  type HelloMessage,
  packTasks,
  type ReplyMessage,
  STOPPED,
  type TaskRequest,
  type TaskResult,
  unpackResults,
} from "./_messages.ts";
import { Encoder } from "./_codec.ts";
import { newMarker, readFragments, writeFrame } from "./_child_wire.ts";
import { withTaskModule } from "./testdata/scripts.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

/**
 * Talks to one raw worker running `module`, without a pool. `ask` sends
 * requests in one message and resolves with every result they get back.
 */
async function withWorker(
  module: URL,
  body: (
    ask: (...requests: TaskRequest[]) => Promise<TaskResult[]>,
    started: Int32Array,
  ) => Promise<void>,
  onReady?: (message: ReplyMessage) => void,
): Promise<void> {
  const worker = new Worker(module, { type: "module" });
  const received: TaskResult[] = [];
  let awaited: { count: number; resolve(): void } | undefined;
  const ready = Promise.withResolvers<void>();
  worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
    const message = event.data;
    if (message.kind === "ready") {
      onReady?.(message);
      ready.resolve();
    } else if (message.kind === "results") {
      received.push(...unpackResults(message));
      if (awaited !== undefined && received.length >= awaited.count) {
        awaited.resolve();
      }
    }
  };
  const started = new Int32Array(new SharedArrayBuffer(4));
  worker.postMessage(
    {
      kind: "hello",
      started,
      concurrency: 1,
      answerEach: false,
    } satisfies HelloMessage,
  );
  try {
    await ready.promise;
    await body(async (...requests) => {
      const done = Promise.withResolvers<void>();
      awaited = { count: requests.length, resolve: done.resolve };
      worker.postMessage(packTasks(requests[0].id, requests));
      await done.promise;
      return received.splice(0);
    }, started);
  } finally {
    worker.terminate();
  }
}

Deno.test("expose() outside a worker or pool child only validates", () => {
  // The test sanitizers fail this test if it started reading stdin.
  expose({ double: (n: number) => n * 2 });
});

Deno.test("expose() rejects tasks that are not an object of functions", () => {
  const cases: [unknown, string][] = [
    [null, "'tasks' must be an object of functions, received null"],
    [5, "'tasks' must be an object of functions, received number"],
    [{ a: 1 }, "task 'a' must be a function, received number"],
  ];
  for (const [tasks, message] of cases) {
    assert.throws(() => expose(tasks as never), {
      name: "TypeError",
      message: `Cannot expose tasks: ${message}`,
    });
  }
});

Deno.test("expose() in a worker answers hello with its tasks", async () => {
  let names: string[] = [];
  await withWorker(TASKS, () => Promise.resolve(), (message) => {
    if (message.kind === "ready") names = message.tasks;
  });
  assert.ok(names.includes("countPrimes") && names.includes("echo"));
});

Deno.test("expose() in a worker answers single and batched requests", async () => {
  await withWorker(TASKS, async (ask) => {
    assert.deepEqual(
      await ask({ id: 1, task: "echo", input: "hi", batch: false }),
      [{ id: 1, ok: true, value: "hi" }],
    );
    assert.deepEqual(
      await ask({ id: 2, task: "echo", input: [1, 2, 3], batch: true }),
      [{ id: 2, ok: true, value: [1, 2, 3], batch: true }],
    );
    // A batch whose tasks are async switches to the async loop mid-way.
    assert.deepEqual(
      await ask({ id: 3, task: "sleep", input: [1, 1], batch: true }),
      [{ id: 3, ok: true, value: [undefined, undefined], batch: true }],
    );
  });
});

Deno.test("expose() in a worker runs the requests of one message in order and counts each start", async () => {
  await withWorker(TASKS, async (ask, started) => {
    const results = await ask(
      { id: 1, task: "echo", input: "a", batch: false },
      { id: 2, task: "sleep", input: 1, batch: false },
      { id: 3, task: "throw", input: "c", batch: false },
      { id: 4, task: "echo", input: "d", batch: false },
    );
    assert.deepEqual(results.map((result) => result.id), [1, 2, 3, 4]);
    assert.deepEqual(results[3], { id: 4, ok: true, value: "d" });
    assert.equal(Atomics.load(started, 0), 4);
  });
});

Deno.test("expose() in a worker starts nothing more once the pool has stopped it", async () => {
  await withWorker(TASKS, async (ask, started) => {
    await ask({ id: 1, task: "noop", input: undefined, batch: false });
    Atomics.store(started, 0, STOPPED);
    const answered = ask({ id: 2, task: "echo", input: 2, batch: false });
    const silence = Promise.withResolvers<"silent">();
    const timer = setTimeout(() => silence.resolve("silent"), 100);
    // One-sided: an answer, however late, would be a failure.
    assert.equal(await Promise.race([answered, silence.promise]), "silent");
    clearTimeout(timer);
    assert.equal(Atomics.load(started, 0), STOPPED);
  });
});

Deno.test("expose() in a worker sends back a task's error with name, message and stack", async () => {
  await withWorker(TASKS, async (ask) => {
    const [reply] = await ask({
      id: 1,
      task: "throw",
      input: "boom",
      batch: false,
    });
    assert.ok(!reply.ok);
    assert.equal(reply.error.name, "Error");
    assert.equal(reply.error.message, "boom");
    assert.match(reply.error.stack!, /tasks\.ts/);
  });
});

Deno.test("expose() in a worker names an unknown task and lists the known ones", async () => {
  await withWorker(TASKS, async (ask) => {
    const [reply] = await ask({ id: 1, task: "nope", input: 0, batch: false });
    assert.ok(!reply.ok);
    assert.equal(reply.error.name, "RangeError");
    assert.match(
      reply.error.message,
      /^Cannot run task 'nope': no such task, known tasks are 'countPrimes', .*'echo'/,
    );
  });
});

Deno.test("expose() in a worker reports a result that cannot be cloned", async () => {
  await withTaskModule(
    "{ giveFunction: () => () => 1, echo: (x: unknown) => x }",
    async (module) => {
      await withWorker(module, async (ask) => {
        const [reply, next] = await ask(
          { id: 1, task: "giveFunction", input: undefined, batch: false },
          { id: 2, task: "echo", input: 2, batch: false },
        );
        assert.ok(!reply.ok);
        assert.equal(reply.error.name, "TypeError");
        assert.match(
          reply.error.message,
          /^Cannot return the result of task 'giveFunction': it could not be cloned \(.*could not be cloned/,
        );
        // Only the result that could not be cloned is lost, not its neighbour.
        assert.deepEqual(next, { id: 2, ok: true, value: 2 });
      });
    },
  );
});

Deno.test("expose() in a pool child answers frames with marked fragments, apart from the task's own output", async () => {
  await withTaskModule(
    `{
      echo: (x: unknown) => x,
      say: (text: string) => {
        Deno.stdout.writeSync(new TextEncoder().encode(text));
        return text.length;
      },
      busy: (ms: number) => {
        const end = performance.now() + ms;
        while (performance.now() < end);
      },
    }`,
    async (module) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", module.href, CHILD_FLAG],
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const marker = newMarker();
      const frames = new Encoder();
      writeFrame(frames, {
        kind: "hello",
        concurrency: 1,
        answerEach: false,
        marker,
      });
      writeFrame(
        frames,
        packTasks(0, [
          { task: "echo", input: new Map([[1, -0]]), batch: false },
          { task: "say", input: "no newline", batch: false },
          { task: "busy", input: 20, batch: false },
        ]),
      );
      writeFrame(
        frames,
        packTasks(3, [
          { task: "echo", input: [1.5, 2], batch: true },
          { task: "nope", input: 0, batch: false },
        ]),
      );
      const writer = child.stdin.getWriter();
      await writer.write(frames.bytes().slice());
      // Closing stdin is how a pool tells an idle child to exit.
      await writer.close();
      const replies: ReplyMessage[] = [];
      let output = "";
      await readFragments(
        child.stdout,
        marker,
        (reply) => replies.push(reply),
        (bytes) => output += new TextDecoder().decode(bytes),
      );
      assert.equal((await child.status).code, 0);
      assert.equal(output, "no newline");
      assert.deepEqual(replies.map((reply) => reply.kind), [
        "ready",
        "results",
        "results",
        "exit",
      ]);
      const [, first, second, exit] = replies;
      assert.ok(first.kind === "results" && second.kind === "results");
      // Answers to tasks that finish in one go travel in one message.
      assert.deepEqual(unpackResults(first), [
        { id: 0, ok: true, value: new Map([[1, -0]]) },
        { id: 1, ok: true, value: 10 },
        { id: 2, ok: true, value: undefined },
      ]);
      assert.ok(first.spentMs >= 20, `spent ${first.spentMs} ms on 20 ms`);
      const [batch, unknown] = unpackResults(second);
      assert.deepEqual(batch, {
        id: 3,
        ok: true,
        value: [1.5, 2],
        batch: true,
      });
      assert.equal(unknown.ok, false);
      assert.deepEqual(exit, { kind: "exit", started: 5 });
    },
  );
});
