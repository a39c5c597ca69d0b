import { Queue, QueueEvents } from "bullmq";
import assert from "node:assert/strict";
import { startLocalMachine } from "./local_machine.ts";
import { serveMachine } from "./machine.ts";
import { startRedisServer } from "./redis_server.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);
const MACHINE = new URL("../../workers/machine.ts", import.meta.url);

/** A queue and its events on the private server at `port`. */
async function openQueue(port: number, name: string) {
  const connection = { host: "127.0.0.1", port };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  return {
    queue,
    events,
    async [Symbol.asyncDispose]() {
      await events.close();
      await queue.close();
    },
  };
}

Deno.test("serveMachine() runs a chunk of inputs as one job, answers in order and signs the job", async () => {
  await using server = await startRedisServer();
  await using machine = await serveMachine(server.url, TASKS, {
    queue: "chunks",
    concurrency: 2,
    name: "test-machine",
  });
  await using opened = await openQueue(server.port, "chunks");
  const job = await opened.queue.add("countPrimes", {
    inputs: [{ start: 0, end: 10 }, { start: 10, end: 20 }, {
      start: 0,
      end: 100,
    }],
  });
  assert.deepEqual(await job.waitUntilFinished(opened.events), [4, 4, 25]);
  const finished = await opened.queue.getJob(job.id!);
  assert.equal(finished?.processedBy, "test-machine");
  assert.equal(machine.name, "test-machine");
});

Deno.test("serveMachine() rejects bad options, naming them", async () => {
  await assert.rejects(
    serveMachine("redis://127.0.0.1:1", TASKS, { concurrency: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot start machine: 'concurrency' must be a positive integer, received 0",
    },
  );
  await assert.rejects(
    serveMachine("redis://127.0.0.1:1", "npm:tasks"),
    TypeError,
  );
  await assert.rejects(
    serveMachine("redis://127.0.0.1:1", TASKS, { name: "two words" }),
    {
      name: "TypeError",
      message:
        "Cannot start machine: 'name' must be printable ASCII without spaces, received \"two words\"",
    },
  );
  await assert.rejects(
    serveMachine("redis://127.0.0.1:1", TASKS),
    /^Error: Cannot connect to Redis at 'redis:\/\/127\.0\.0\.1:1'/,
  );
});

Deno.test("workers/machine.ts lets its running job finish on SIGTERM, then exits 0", async () => {
  await using server = await startRedisServer();
  const machine = await startLocalMachine(server.url, TASKS, { queue: "term" });
  await using opened = await openQueue(server.port, "term");
  const job = await opened.queue.add("sleep", { input: 300 });
  const active = Promise.withResolvers<void>();
  opened.events.on("active", ({ jobId }) => {
    if (jobId === job.id) active.resolve();
  });
  if (await job.isActive() === false) await active.promise;
  machine.kill("SIGTERM");
  assert.equal(await job.waitUntilFinished(opened.events), null);
  const status = await machine.status;
  assert.deepEqual([status.code, status.signal], [0, null]);
});

Deno.test("workers/machine.ts explains bad arguments and exits 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--redis", "redis://127.0.0.1:1"], /'--module' is required/],
    [
      [
        "--redis",
        "redis://127.0.0.1:1",
        "--module",
        "x.ts",
        "--concurrency",
        "two",
      ],
      /'--concurrency' must be a positive integer, received 'two'/,
    ],
    [["--nope"], /Unknown option '--nope'/],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MACHINE.href, ...args],
        env: { REDIS_URL: "" },
        stdout: "null",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(stderr);
      assert.equal(code, 2, text);
      assert.match(text, expected);
      assert.match(text, /Usage: deno run -A workers\/machine\.ts/);
    });
  }
});

Deno.test("startLocalMachine() rejects with the machine's reason when Redis cannot be reached", async () => {
  await assert.rejects(
    startLocalMachine("redis://127.0.0.1:1", TASKS),
    /^Error: Cannot start machine: it exited with code 1 before serving queue 'course'; its last output: machine: Cannot connect to Redis at 'redis:\/\/127\.0\.0\.1:1'/,
  );
});
