import assert from "node:assert/strict";
import { expose } from "./expose.ts";
import {
  type HelloMessage,
  type ReplyMessage,
  STOPPED,
  type TaskRequest,
  type TaskResult,
} from "./_messages.ts";

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
      received.push(...message.results);
      if (awaited !== undefined && received.length >= awaited.count) {
        awaited.resolve();
      }
    }
  };
  const started = new Int32Array(new SharedArrayBuffer(4));
  worker.postMessage({ kind: "hello", started } satisfies HelloMessage);
  try {
    await ready.promise;
    await body(async (...requests) => {
      const done = Promise.withResolvers<void>();
      awaited = { count: requests.length, resolve: done.resolve };
      worker.postMessage({ kind: "tasks", requests, answerEach: false });
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
      [{ id: 2, ok: true, value: [1, 2, 3] }],
    );
    // A batch whose tasks are async switches to the async loop mid-way.
    assert.deepEqual(
      await ask({ id: 3, task: "sleep", input: [1, 1], batch: true }),
      [{ id: 3, ok: true, value: [undefined, undefined] }],
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
  const module = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      module,
      `import { expose } from ${
        JSON.stringify(import.meta.resolve("./expose.ts"))
      };
      expose({ giveFunction: () => () => 1, echo: (x: unknown) => x });`,
    );
    await withWorker(new URL(`file://${module}`), async (ask) => {
      const [reply, next] = await ask(
        { id: 1, task: "giveFunction", input: undefined, batch: false },
        { id: 2, task: "echo", input: 2, batch: false },
      );
      assert.ok(!reply.ok);
      assert.equal(reply.error.name, "DataCloneError");
      // Only the result that could not be cloned is lost, not its neighbour.
      assert.deepEqual(next, { id: 2, ok: true, value: 2 });
    });
  } finally {
    await Deno.remove(module);
  }
});

Deno.test("expose() in a pool child answers NDJSON and marks its lines", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", TASKS.href, "--expose-ndjson"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(
      [
        [{ id: 1, task: "echo", input: { a: 1 }, batch: false }],
        [
          {
            id: 2,
            task: "countPrimes",
            input: [{ start: 0, end: 10 }],
            batch: true,
          },
          { id: 3, task: "nope", input: 0, batch: false },
        ],
      ].map((requests) =>
        JSON.stringify({ kind: "tasks", requests, answerEach: false }) + "\n"
      ).join(""),
    ),
  );
  // Closing stdin is how a pool tells an idle child to exit.
  await writer.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  const lines = new TextDecoder().decode(stdout).trimEnd().split("\n");
  assert.ok(lines.every((line) => line.startsWith("\x1e")));
  const replies = lines.map((line) => JSON.parse(line.slice(1)));
  assert.equal(replies.length, 3);
  assert.equal(replies[0].kind, "ready");
  assert.equal(replies[1].kind, "results");
  assert.deepEqual(replies[1].results, [{ id: 1, ok: true, value: { a: 1 } }]);
  assert.ok(replies[1].spentMs >= 0);
  // Answers to tasks that finish in one go travel in one line.
  const [primes, unknown] = replies[2].results;
  assert.deepEqual(primes, { id: 2, ok: true, value: [4] });
  assert.equal(unknown.ok, false);
  assert.equal(unknown.error.name, "RangeError");
});
