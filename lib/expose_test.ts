import assert from "node:assert/strict";
import { expose } from "./expose.ts";
import type { HelloMessage, ReplyMessage, TaskRequest } from "./_messages.ts";

const TASKS = new URL("../workers/tasks.ts", import.meta.url);

/** Talks to one raw worker running `module`, without a pool. */
async function withWorker(
  module: URL,
  body: (ask: (request: TaskRequest) => Promise<ReplyMessage>) => Promise<void>,
  onReady?: (message: ReplyMessage) => void,
): Promise<void> {
  const worker = new Worker(module, { type: "module" });
  const replies: ((message: ReplyMessage) => void)[] = [];
  const ready = Promise.withResolvers<void>();
  worker.onmessage = (event: MessageEvent<ReplyMessage>) => {
    if (event.data.kind === "ready") {
      onReady?.(event.data);
      ready.resolve();
    } else replies.shift()!(event.data);
  };
  worker.postMessage({ kind: "hello" } satisfies HelloMessage);
  try {
    await ready.promise;
    await body((request) => {
      const reply = Promise.withResolvers<ReplyMessage>();
      replies.push(reply.resolve);
      worker.postMessage(request);
      return reply.promise;
    });
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
      { kind: "result", id: 1, ok: true, value: "hi" },
    );
    assert.deepEqual(
      await ask({ id: 2, task: "echo", input: [1, 2, 3], batch: true }),
      { kind: "result", id: 2, ok: true, value: [1, 2, 3] },
    );
    // A batch whose tasks are async switches to the async loop mid-way.
    assert.deepEqual(
      await ask({ id: 3, task: "sleep", input: [1, 1], batch: true }),
      { kind: "result", id: 3, ok: true, value: [undefined, undefined] },
    );
  });
});

Deno.test("expose() in a worker sends back a task's error with name, message and stack", async () => {
  await withWorker(TASKS, async (ask) => {
    const reply = await ask({
      id: 1,
      task: "throw",
      input: "boom",
      batch: false,
    });
    assert.ok(reply.kind === "result" && !reply.ok);
    assert.equal(reply.error.name, "Error");
    assert.equal(reply.error.message, "boom");
    assert.match(reply.error.stack!, /tasks\.ts/);
  });
});

Deno.test("expose() in a worker names an unknown task and lists the known ones", async () => {
  await withWorker(TASKS, async (ask) => {
    const reply = await ask({ id: 1, task: "nope", input: 0, batch: false });
    assert.ok(reply.kind === "result" && !reply.ok);
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
      expose({ giveFunction: () => () => 1 });`,
    );
    await withWorker(new URL(`file://${module}`), async (ask) => {
      const reply = await ask({
        id: 1,
        task: "giveFunction",
        input: undefined,
        batch: false,
      });
      assert.ok(reply.kind === "result" && !reply.ok);
      assert.equal(reply.error.name, "DataCloneError");
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
        { id: 1, task: "echo", input: { a: 1 }, batch: false },
        {
          id: 2,
          task: "countPrimes",
          input: [{ start: 0, end: 10 }],
          batch: true,
        },
        { id: 3, task: "nope", input: 0, batch: false },
      ].map((request) => JSON.stringify(request) + "\n").join(""),
    ),
  );
  // Closing stdin is how a pool tells an idle child to exit.
  await writer.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  const lines = new TextDecoder().decode(stdout).trimEnd().split("\n");
  assert.ok(lines.every((line) => line.startsWith("\x1e")));
  const replies = lines.map((line) => JSON.parse(line.slice(1)));
  assert.equal(replies[0].kind, "ready");
  assert.deepEqual(replies[1], {
    kind: "result",
    id: 1,
    ok: true,
    value: { a: 1 },
  });
  assert.deepEqual(replies[2], { kind: "result", id: 2, ok: true, value: [4] });
  assert.equal(replies[3].ok, false);
  assert.equal(replies[3].error.name, "RangeError");
});
