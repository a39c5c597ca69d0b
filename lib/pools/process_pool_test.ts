import assert from "node:assert/strict";
import { ProcessPool, type ProcessPoolOptions } from "./process_pool.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

/** A pool whose single child has started, so the next task runs at once. */
async function warmPool(
  options: ProcessPoolOptions = {},
): Promise<ProcessPool> {
  const pool = new ProcessPool(TASKS, { size: 1, ...options });
  await pool.run("noop");
  return pool;
}

/**
 * Child processes of this test process running `module`. Each test that
 * counts children gives its pool a module URL of its own (a query string),
 * so children of tests running in parallel are not counted.
 */
async function childrenRunning(module: URL): Promise<string[]> {
  const output = await new Deno.Command("ps", {
    args: ["-o", "pid=,args=", "--ppid", String(Deno.pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout).split("\n")
    .filter((line) => line.includes(module.href));
}

Deno.test("ProcessPool.run() resolves with the task's result", async () => {
  await using pool = new ProcessPool(TASKS, { size: 2 });
  assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
  assert.equal(await pool.run("sleep", 1), undefined);
  assert.deepEqual(await pool.run("echo", { a: [1, 2] }), { a: [1, 2] });
});

Deno.test("ProcessPool.map() returns 100 000 tiny results in input order", async () => {
  await using pool = new ProcessPool(TASKS, { size: 4 });
  const inputs = Array.from({ length: 100_000 }, (_, i) => i);
  const results = await pool.map<number>("echo", inputs);
  assert.equal(results.length, inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    if (results[i] !== i) assert.fail(`result ${i} is ${results[i]}`);
  }
});

Deno.test("ProcessPool.run() pipelines 2 000 separate tasks", async () => {
  await using pool = new ProcessPool(TASKS, { size: 2 });
  const results = await Promise.all(
    Array.from({ length: 2_000 }, (_, i) => pool.run<number>("echo", i)),
  );
  assert.deepEqual(results, Array.from({ length: 2_000 }, (_, i) => i));
});

Deno.test("ProcessPool.run() rejects only the task that throws, keeping name, message and stack", async () => {
  await using pool = new ProcessPool(TASKS, { size: 1 });
  const failing = pool.run("throw", "boom");
  const passing = pool.run("echo", 7);
  const error = await failing.catch((error) => error);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "Error");
  assert.equal(error.message, "boom");
  assert.match(error.stack!, /tasks\.ts/);
  assert.equal(await passing, 7);
});

Deno.test("ProcessPool.run() rejects an unknown task with the known ones listed", async () => {
  await using pool = new ProcessPool(TASKS, { size: 1 });
  await assert.rejects(pool.run("nope"), {
    name: "RangeError",
    message: /^Cannot run task 'nope': no such task, known tasks are .*'echo'/,
  });
});

Deno.test("ProcessPool.run() rejects only the task whose child exited", async () => {
  await using pool = await warmPool();
  const crashed = pool.run("crash");
  const queued = pool.run("echo", "still served");
  await assert.rejects(crashed, {
    message:
      "Cannot finish task 'crash': the child process running it died (it exited with code 3)",
  });
  assert.equal(await queued, "still served");
});

Deno.test("ProcessPool.run() serves every other task when children exit amid many", async () => {
  await using pool = new ProcessPool(TASKS, { size: 2 });
  const tasks: Promise<number>[] = [];
  const crashes: Promise<Error>[] = [];
  for (let i = 0; i < 1_000; i++) {
    tasks.push(pool.run<number>("echo", i));
    // Caught at once: they reject while the echoes still run.
    if (i % 500 === 250) crashes.push(pool.run<never>("crash").catch((e) => e));
  }
  assert.deepEqual(
    await Promise.all(tasks),
    Array.from({ length: 1_000 }, (_, i) => i),
  );
  for (const error of await Promise.all(crashes)) {
    assert.equal(
      error.message,
      "Cannot finish task 'crash': the child process running it died (it exited with code 3)",
    );
  }
});

Deno.test("ProcessPool.run() rejects only the task whose child threw asynchronously", async () => {
  await using pool = await warmPool({ stderr: "null" });
  const crashed = pool.run("crashLater");
  const queued = pool.run("echo", 1);
  await assert.rejects(crashed, { message: /exited with code 1/ });
  assert.equal(await queued, 1);
});

Deno.test("ProcessPool.run() times out a hung task and replaces its child", async () => {
  await using pool = await warmPool({ taskTimeoutMs: 100 });
  const hung = pool.run("hang");
  const queued = pool.run("echo", 2);
  await assert.rejects(hung, {
    name: "TimeoutError",
    message: "Cannot finish task 'hang': it timed out after 100 ms",
  });
  assert.equal(await queued, 2);
});

Deno.test("ProcessPool.run() aborts a running task by replacing its child", async () => {
  await using pool = await warmPool();
  const controller = new AbortController();
  const hung = pool.run("hang", undefined, { signal: controller.signal });
  const reason = new Error("no longer needed");
  controller.abort(reason);
  await assert.rejects(hung, (error) => error === reason);
  assert.equal(await pool.run("echo", 3), 3);
});

Deno.test("ProcessPool.run() rejects at once with an already-aborted signal's reason", async () => {
  await using pool = new ProcessPool(TASKS, { size: 1 });
  const reason = new Error("too late");
  await assert.rejects(
    pool.run("noop", undefined, { signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
});

Deno.test("ProcessPool.run() removes an aborted task from the queue", async () => {
  await using pool = await warmPool();
  const running = pool.run("sleep", 20);
  const controller = new AbortController();
  const queued = pool.run("echo", 4, { signal: controller.signal });
  assert.equal(pool.stats().queued, 1);
  controller.abort();
  assert.equal(pool.stats().queued, 0);
  await assert.rejects(queued, { name: "AbortError" });
  await running;
});

Deno.test("ProcessPool.run() rejects with a RangeError when the queue is full", async () => {
  await using pool = await warmPool({ maxQueue: 0 });
  const running = pool.run("sleep", 10);
  await assert.rejects(pool.run("echo", 6), {
    name: "RangeError",
    message:
      "Cannot run task 'echo': the queue is full (maxQueue 0), received one task too many",
  });
  await running;
});

Deno.test("ProcessPool.run() rejects an input that cannot be sent as JSON", async () => {
  await using pool = await warmPool();
  await assert.rejects(pool.run("echo", () => 1), {
    name: "TypeError",
    message:
      "Cannot run task 'echo': the input could not be sent to the child process (a function cannot be sent as JSON)",
  });
  await assert.rejects(pool.run("echo", 1n), { name: "TypeError" });
  assert.equal(await pool.run("echo", 8), 8);
});

Deno.test("ProcessPool.run() rejects clearly when the task module does not exist", async () => {
  await using pool = new ProcessPool(
    new URL("./does_not_exist.ts", import.meta.url),
    { size: 2, stderr: "null" },
  );
  const message =
    /^Cannot start child process: task module 'file:.*does_not_exist\.ts' failed to load \(it exited with code 1\)$/;
  await assert.rejects(pool.run("noop"), { message });
  await assert.rejects(pool.run("noop"), { message });
});

Deno.test("ProcessPool children get only the permissions given", async () => {
  const module = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      module,
      `import { expose } from ${
        JSON.stringify(import.meta.resolve("./expose.ts"))
      };
      expose({ canRead: async () => (await Deno.permissions.query({ name: "read" })).state });`,
    );
    const url = new URL(`file://${module}`);
    {
      await using pool = new ProcessPool(url, { size: 1 });
      assert.notEqual(await pool.run("canRead"), "granted");
    }
    {
      await using pool = new ProcessPool(url, {
        size: 1,
        permissions: ["--allow-read"],
      });
      assert.equal(await pool.run("canRead"), "granted");
    }
  } finally {
    await Deno.remove(module);
  }
});

Deno.test("ProcessPool.close() rejects queued and running tasks", async () => {
  const pool = await warmPool();
  const running = pool.run("hang");
  const queued = pool.run("echo", 1);
  // Handlers first: close() settles both before it resolves.
  const checks = Promise.all([
    assert.rejects(running, { message: /closed while it was running/ }),
    assert.rejects(queued, { message: /closed before it started/ }),
  ]);
  await pool.close();
  await checks;
  await assert.rejects(pool.run("noop"), {
    message: "Cannot run task 'noop': the pool is closed",
  });
});

Deno.test("ProcessPool spawned and closed 100 times leaves no child running", async () => {
  const module = new URL(`${TASKS.href}?spawn-and-close`);
  assert.deepEqual(await childrenRunning(module), []);
  for (let i = 0; i < 100; i++) {
    const pool = new ProcessPool(module, { size: 2 });
    await Promise.all([pool.run("echo", i), pool.run("echo", i)]);
    assert.equal((await childrenRunning(module)).length, 2);
    await pool.close();
    assert.deepEqual(await childrenRunning(module), []);
  }
});

Deno.test("ProcessPool idle children are killed after idleTimeoutMs", async () => {
  const module = new URL(`${TASKS.href}?idle`);
  await using pool = new ProcessPool(module, { size: 1, idleTimeoutMs: 50 });
  // Count the child while a task keeps it busy: once idle it may already be gone.
  const busy = pool.run("sleep", 2_000);
  await pool.run("noop").catch(() => {});
  assert.equal((await childrenRunning(module)).length, 1);
  await busy;
  // Polling, not a fixed sleep: the timer fires after 50 ms at the earliest.
  const deadline = Date.now() + 10_000;
  while ((await childrenRunning(module)).length > 0) {
    assert.ok(Date.now() < deadline, "the idle child was never killed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(await pool.run("echo", 9), 9);
});

Deno.test("new ProcessPool() rejects bad arguments", () => {
  const cases: [unknown, ProcessPoolOptions, ErrorConstructor, string][] = [
    [
      TASKS,
      { size: 0 },
      RangeError,
      "'size' must be a positive integer, received 0",
    ],
    [
      TASKS,
      { size: -1 },
      RangeError,
      "'size' must be a positive integer, received -1",
    ],
    [
      TASKS,
      { size: 1.5 },
      RangeError,
      "'size' must be a positive integer, received 1.5",
    ],
    [
      TASKS,
      { size: NaN },
      RangeError,
      "'size' must be a positive integer, received NaN",
    ],
    [
      TASKS,
      { size: Infinity },
      RangeError,
      "'size' must be a positive integer, received Infinity",
    ],
    [
      TASKS,
      { permissions: "--allow-read" as never },
      TypeError,
      "'permissions' must be an array of strings, received string",
    ],
    [
      TASKS,
      { permissions: ["-A"] },
      RangeError,
      "each permission must start with '--allow-' or '--deny-', received '-A'",
    ],
    [
      TASKS,
      { stderr: "piped" as never },
      RangeError,
      "'stderr' must be 'inherit' or 'null', received 'piped'",
    ],
    [null, {}, TypeError, "'module' must be a string or URL, received object"],
  ];
  for (const [module, options, ErrorClass, message] of cases) {
    assert.throws(
      () => new ProcessPool(module as string, options),
      (error: Error) => {
        assert.ok(error instanceof ErrorClass, `${message}: ${error}`);
        assert.equal(error.message, `Cannot create pool: ${message}`);
        return true;
      },
    );
  }
});
