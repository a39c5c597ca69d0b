import assert from "node:assert/strict";
import { WorkerPool, type WorkerPoolOptions } from "./worker_pool.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

/** A pool whose single worker has started, so the next task runs at once. */
async function warmPool(options: WorkerPoolOptions = {}): Promise<WorkerPool> {
  const pool = new WorkerPool(TASKS, { size: 1, ...options });
  await pool.run("noop");
  return pool;
}

Deno.test("WorkerPool.run() resolves with the task's result", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2 });
  assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
  assert.equal(await pool.run("sleep", 1), undefined);
  assert.deepEqual(await pool.run("echo", { a: [1, 2] }), { a: [1, 2] });
});

Deno.test("WorkerPool.map() returns 100 000 tiny results in input order", async () => {
  await using pool = new WorkerPool(TASKS, { size: 4 });
  const inputs = Array.from({ length: 100_000 }, (_, i) => i);
  const results = await pool.map<number>("echo", inputs);
  assert.equal(results.length, inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    if (results[i] !== i) assert.fail(`result ${i} is ${results[i]}`);
  }
});

Deno.test("WorkerPool.map() runs async tasks and honours chunkSize", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2 });
  assert.deepEqual(await pool.map("sleep", [1, 1, 1], { chunkSize: 2 }), [
    undefined,
    undefined,
    undefined,
  ]);
  assert.equal(pool.stats().completed, 2);
  assert.deepEqual(await pool.map("echo", []), []);
  assert.deepEqual(await pool.map("echo", new Set([1, 2])), [1, 2]);
});

Deno.test("WorkerPool.map() rejects with the first failing input's error", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2 });
  await assert.rejects(pool.map("throw", ["a", "b"], { chunkSize: 1 }), {
    name: "Error",
    message: /^[ab]$/,
  });
});

Deno.test("WorkerPool.map() rejects bad inputs and chunk sizes", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  const cases: [() => Promise<unknown>, ErrorConstructor, RegExp][] = [
    [
      () => pool.map("echo", 5 as never),
      TypeError,
      /^Cannot map task 'echo': 'inputs' must be iterable, received number$/,
    ],
    [
      () => pool.map("echo", [1], { chunkSize: 0 }),
      RangeError,
      /^Cannot map task 'echo': 'chunkSize' must be a positive integer, received 0$/,
    ],
    [
      () => pool.map("echo", [1], { chunkSize: "2" as never }),
      TypeError,
      /^Cannot map task 'echo': 'chunkSize' must be a number, received string$/,
    ],
  ];
  for (const [call, ErrorClass, message] of cases) {
    await assert.rejects(call(), (error: Error) => {
      assert.ok(error instanceof ErrorClass, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("WorkerPool.run() rejects only the task that throws, keeping name, message and stack", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  const failing = pool.run("throw", "boom");
  const passing = pool.run("echo", 7);
  const error = await failing.catch((error) => error);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "Error");
  assert.equal(error.message, "boom");
  assert.match(error.stack!, /tasks\.ts/);
  assert.equal(await passing, 7);
  assert.deepEqual(
    { completed: pool.stats().completed, failed: pool.stats().failed },
    { completed: 1, failed: 1 },
  );
});

Deno.test("WorkerPool.run() rejects an unknown task with the known ones listed", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  await assert.rejects(pool.run("nope"), {
    name: "RangeError",
    message: /^Cannot run task 'nope': no such task, known tasks are .*'echo'/,
  });
});

Deno.test("WorkerPool.run() rejects only the task whose worker crashed", async () => {
  await using pool = await warmPool();
  const crashed = pool.run("crash");
  const queued = pool.run("echo", "still served");
  await assert.rejects(crashed, {
    message: /^Cannot finish task 'crash': the worker running it died/,
  });
  assert.equal(await queued, "still served");
});

Deno.test("WorkerPool.run() rejects only the task whose worker threw asynchronously", async () => {
  await using pool = await warmPool();
  const crashed = pool.run("crashLater");
  const queued = pool.run("echo", 1);
  await assert.rejects(crashed, { message: /Crashed later/ });
  assert.equal(await queued, 1);
});

Deno.test("WorkerPool.run() times out a hung task and replaces its worker", async () => {
  await using pool = await warmPool({ taskTimeoutMs: 50 });
  const hung = pool.run("hang");
  const queued = pool.run("echo", 2);
  await assert.rejects(hung, {
    name: "TimeoutError",
    message: "Cannot finish task 'hang': it timed out after 50 ms",
  });
  assert.equal(await queued, 2);
  assert.equal(pool.stats().failed, 1);
});

Deno.test("WorkerPool.run() aborts a running task by replacing its worker", async () => {
  await using pool = await warmPool();
  const controller = new AbortController();
  // The worker is idle and ready, so the task is running from this call on.
  const hung = pool.run("hang", undefined, { signal: controller.signal });
  const reason = new Error("no longer needed");
  controller.abort(reason);
  await assert.rejects(hung, (error) => error === reason);
  assert.equal(await pool.run("echo", 3), 3);
});

Deno.test("WorkerPool.run() rejects at once with an already-aborted signal's reason", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  const reason = new Error("too late");
  await assert.rejects(
    pool.run("noop", undefined, { signal: AbortSignal.abort(reason) }),
    (error) => error === reason,
  );
  assert.deepEqual(pool.stats(), {
    completed: 0,
    failed: 0,
    queued: 0,
    busyMs: [0],
  });
});

Deno.test("WorkerPool.run() removes an aborted task from the queue", async () => {
  await using pool = await warmPool();
  const running = pool.run("sleep", 20);
  const controller = new AbortController();
  const queued = pool.run("echo", 4, { signal: controller.signal });
  assert.equal(pool.stats().queued, 1);
  controller.abort();
  assert.equal(pool.stats().queued, 0);
  await assert.rejects(queued, { name: "AbortError" });
  await running;
  assert.equal(pool.stats().completed, 2);
});

Deno.test("WorkerPool.run() rejects with a RangeError when the queue is full", async () => {
  await using pool = await warmPool({ maxQueue: 1 });
  const running = pool.run("sleep", 10);
  const queued = pool.run("echo", 5);
  await assert.rejects(pool.run("echo", 6), {
    name: "RangeError",
    message:
      "Cannot run task 'echo': the queue is full (maxQueue 1), received one task too many",
  });
  await running;
  assert.equal(await queued, 5);
});

Deno.test("WorkerPool.run() rejects an input that cannot be cloned and keeps serving", async () => {
  await using pool = await warmPool();
  await assert.rejects(pool.run("echo", () => 1), {
    name: "TypeError",
    message:
      /^Cannot run task 'echo': the input could not be sent to the worker \(.*could not be cloned/,
  });
  assert.equal(await pool.run("echo", 8), 8);
});

Deno.test("WorkerPool.run() transfers the listed objects", async () => {
  await using pool = new WorkerPool(TASKS, { size: 1 });
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  const echoed = await pool.run<ArrayBuffer>("echo", buffer, {
    transfer: [buffer],
  });
  assert.equal(buffer.byteLength, 0);
  assert.deepEqual([...new Uint8Array(echoed)], [1, 2, 3]);
});

Deno.test("WorkerPool.run() rejects clearly when the task module does not exist", async () => {
  await using pool = new WorkerPool(
    new URL("./does_not_exist.ts", import.meta.url),
    { size: 2 },
  );
  const message =
    /^Cannot start worker: task module 'file:.*does_not_exist\.ts' failed to load/;
  await assert.rejects(pool.run("noop"), { message });
  await assert.rejects(pool.run("noop"), { message });
});

Deno.test("WorkerPool.close() rejects queued and running tasks", async () => {
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
  await pool.close();
});

Deno.test("WorkerPool spawned and closed 100 times leaves nothing running", async () => {
  for (let i = 0; i < 100; i++) {
    const pool = new WorkerPool(TASKS, { size: 2 });
    assert.equal(await pool.run("echo", i), i);
    await pool.close();
  }
  // The test sanitizers fail this test if a worker or timer is left behind.
});

Deno.test("WorkerPool.stats() reports busy time per worker slot", async () => {
  await using pool = new WorkerPool(TASKS, { size: 3 });
  await pool.run("busyLoop", 20);
  const { busyMs } = pool.stats();
  assert.equal(busyMs.length, 3);
  assert.ok(busyMs.reduce((a, b) => a + b) >= 20);
});

Deno.test("WorkerPool idle workers do not keep the process alive", async () => {
  const script = `
    import { WorkerPool } from ${
    JSON.stringify(import.meta.resolve("./worker_pool.ts"))
  };
    const pool = new WorkerPool(new URL(${
    JSON.stringify(TASKS.href)
  }), { size: 2, idleTimeoutMs: 50 });
    console.log(await pool.run("echo", "done"));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stderr: "inherit",
    signal: AbortSignal.timeout(20_000),
  }).output();
  assert.equal(output.code, 0);
  assert.equal(new TextDecoder().decode(output.stdout).trim(), "done");
});

Deno.test("WorkerPool asks again until a module that awaits before expose() answers", async () => {
  await using pool = new WorkerPool(
    new URL("./testdata/late_expose_tasks.ts", import.meta.url),
    { size: 1 },
  );
  assert.equal(await pool.run("double", 21), 42);
});

Deno.test("WorkerPool workers get the permissions given", async () => {
  const module = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      module,
      `import { expose } from ${
        JSON.stringify(import.meta.resolve("./expose.ts"))
      };
      expose({ canRead: async () => (await Deno.permissions.query({ name: "read" })).state });`,
    );
    // In a child: without the flag below, Deno would exit the test runner.
    const script = `
      import { WorkerPool } from ${
      JSON.stringify(import.meta.resolve("./worker_pool.ts"))
    };
      const url = new URL(${JSON.stringify(`file://${module}`)});
      await using inherit = new WorkerPool(url, { size: 1 });
      await using none = new WorkerPool(url, { size: 1, permissions: "none" });
      console.log(await inherit.run("canRead"), await none.run("canRead"));
    `;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--unstable-worker-options", script],
      stderr: "inherit",
      signal: AbortSignal.timeout(20_000),
    }).output();
    assert.equal(output.code, 0);
    assert.match(
      new TextDecoder().decode(output.stdout).trim(),
      /^granted (prompt|denied)$/,
    );
  } finally {
    await Deno.remove(module);
  }
});

Deno.test("new WorkerPool() rejects bad arguments", () => {
  const cases: [unknown, WorkerPoolOptions, ErrorConstructor, string][] = [
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
      { size: "4" as never },
      TypeError,
      "'size' must be a number, received string",
    ],
    [
      TASKS,
      { maxQueue: -1 },
      RangeError,
      "'maxQueue' must be a non-negative integer or Infinity, received -1",
    ],
    [
      TASKS,
      { taskTimeoutMs: 0 },
      RangeError,
      "'taskTimeoutMs' must be a positive finite number, received 0",
    ],
    [
      TASKS,
      { idleTimeoutMs: -5 },
      RangeError,
      "'idleTimeoutMs' must be a non-negative number, received -5",
    ],
    [42, {}, TypeError, "'module' must be a string or URL, received number"],
    [
      "./tasks.ts",
      {},
      TypeError,
      "'module' must be an absolute URL, received './tasks.ts'",
    ],
  ];
  for (const [module, options, ErrorClass, message] of cases) {
    assert.throws(
      () => new WorkerPool(module as string, options),
      (error: Error) => {
        assert.ok(error instanceof ErrorClass, `${message}: ${error}`);
        assert.equal(error.message, `Cannot create pool: ${message}`);
        return true;
      },
    );
  }
});

/** `count` tally tasks sharing one counter array, for exactly-once checks. */
function tallies(count: number): { counts: Int32Array; inputs: unknown[] } {
  const counts = new Int32Array(new SharedArrayBuffer(count * 4));
  return {
    counts,
    inputs: Array.from({ length: count }, (_, index) => ({ counts, index })),
  };
}

Deno.test("WorkerPool.run() runs every other task exactly once when workers crash amid many", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2 });
  const { counts, inputs } = tallies(2_000);
  const tasks: Promise<unknown>[] = [];
  const crashes: Promise<Error>[] = [];
  for (let i = 0; i < inputs.length; i++) {
    tasks.push(pool.run("tally", inputs[i]));
    // Caught at once: they reject while the tallies still run.
    if (i % 500 === 250) crashes.push(pool.run<never>("crash").catch((e) => e));
  }
  await Promise.all(tasks);
  for (const error of await Promise.all(crashes)) {
    assert.match(
      error.message,
      /^Cannot finish task 'crash': the worker running it died/,
    );
  }
  assert.deepEqual([...new Set(counts)], [1]);
});

Deno.test("WorkerPool.run() times out only the hung task amid many and runs the rest once", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2, taskTimeoutMs: 200 });
  const { counts, inputs } = tallies(1_000);
  const tasks: Promise<unknown>[] = [];
  let hung: Promise<Error> | undefined;
  for (let i = 0; i < inputs.length; i++) {
    tasks.push(pool.run("tally", inputs[i]));
    if (i === 500) hung = pool.run<never>("hang").catch((error) => error);
  }
  await Promise.all(tasks);
  assert.equal((await hung)?.name, "TimeoutError");
  assert.deepEqual([...new Set(counts)], [1]);
});

Deno.test("WorkerPool.run() aborts a task amid many and runs the rest once", async () => {
  await using pool = new WorkerPool(TASKS, { size: 2 });
  const { counts, inputs } = tallies(1_000);
  const controller = new AbortController();
  const tasks: Promise<unknown>[] = [];
  let aborted: Promise<Error> | undefined;
  for (let i = 0; i < inputs.length; i++) {
    tasks.push(pool.run("tally", inputs[i]));
    if (i === 10) {
      aborted = pool.run<never>("hang", undefined, {
        signal: controller.signal,
      })
        .catch((error) => error);
    }
  }
  // Queued or running by now, the aborted task must not touch the others.
  await tasks[100];
  controller.abort();
  assert.equal((await aborted)?.name, "AbortError");
  await Promise.all(tasks);
  assert.deepEqual([...new Set(counts)], [1]);
});
