import assert from "node:assert/strict";
import { ProcessPool, type ProcessPoolOptions } from "./process_pool.ts";
import { runPoolScript, withTaskModule } from "./testdata/scripts.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);

const SUITE_TASKS = new URL("./testdata/suite_tasks.ts", import.meta.url);

// What both pools do is tested once, over both, in task_pool_test.ts.

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

Deno.test("ProcessPool children get only the permissions given", async () => {
  await withTaskModule(
    `{ canRead: async () => (await Deno.permissions.query({ name: "read" })).state }`,
    async (module) => {
      {
        await using pool = new ProcessPool(module, { size: 1 });
        assert.notEqual(await pool.run("canRead"), "granted");
      }
      {
        await using pool = new ProcessPool(module, {
          size: 1,
          permissions: ["--allow-read"],
        });
        assert.equal(await pool.run("canRead"), "granted");
      }
    },
  );
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
  const module = new URL(`${SUITE_TASKS.href}?idle`);
  await using pool = new ProcessPool(module, {
    size: 1,
    concurrentTasks: 2,
    idleTimeoutMs: 50,
  });
  // A gather waits for a second one: while it waits, the pool is busy and
  // its child provably up (it answered the echo), so the reaper cannot run.
  const waiting = pool.run("gather", 2);
  assert.equal(await pool.run("echo", 1), 1);
  assert.equal((await childrenRunning(module)).length, 1);
  assert.deepEqual(await Promise.all([waiting, pool.run("gather", 2)]), [2, 2]);
  // Polling, not a fixed sleep: the timer fires after 50 ms at the earliest.
  const deadline = Date.now() + 10_000;
  while ((await childrenRunning(module)).length > 0) {
    assert.ok(Date.now() < deadline, "the idle child was never killed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(await pool.run("echo", 9), 9);
});

Deno.test("ProcessPool.run() rejects the tasks sent to a child killed from outside, and only those", async () => {
  const module = new URL(`${SUITE_TASKS.href}?killed`);
  await using pool = new ProcessPool(module, { size: 1 });
  assert.equal(await pool.run("echo", 0), 0);
  const [child] = await childrenRunning(module);
  const pid = Number(child.trim().split(" ")[0]);
  // The hang runs; the next task waits in the child, sent ahead; the one
  // after waits in the pool.
  const hung = pool.run("hang");
  const ahead = pool.run("echo", "ahead");
  const queued = pool.run("echo", "after");
  assert.equal(pool.stats().queued, 1);
  Deno.kill(pid, "SIGKILL");
  // A killed child cannot say what it had started: both may have run.
  const died =
    /^Cannot finish task '(hang|echo)': the child process running it died \(it exited with code \d+ \(SIGKILL\)\)$/;
  await assert.rejects(hung, { message: died });
  await assert.rejects(ahead, { message: died });
  assert.equal(await queued, "after");
});

Deno.test("ProcessPool with stdout 'null' discards what a task prints and still answers", async () => {
  const output = await runPoolScript(
    `await using pool = new ProcessPool(${
      JSON.stringify(SUITE_TASKS.href)
    }, { size: 1, stdout: "null" });
    console.log(await pool.run("say", "not shown"));`,
  );
  assert.equal(output, "9\n");
});

Deno.test("new ProcessPool() rejects bad permissions and output options", () => {
  const cases: [ProcessPoolOptions, ErrorConstructor, string][] = [
    [
      { permissions: "--allow-read" as never },
      TypeError,
      "'permissions' must be an array of strings, received string",
    ],
    [
      { permissions: [1 as never] },
      TypeError,
      "'permissions' must be an array of strings, received an element of type number",
    ],
    [
      { permissions: ["-A"] },
      RangeError,
      "each permission must start with '--allow-' or '--deny-', received '-A'",
    ],
    [
      { stderr: "piped" as never },
      RangeError,
      "'stderr' must be 'inherit' or 'null', received 'piped'",
    ],
    [
      { stdout: "piped" as never },
      RangeError,
      "'stdout' must be 'inherit' or 'null', received 'piped'",
    ],
  ];
  for (const [options, ErrorClass, message] of cases) {
    assert.throws(
      () => new ProcessPool(TASKS, options),
      (error: Error) => {
        assert.ok(error instanceof ErrorClass, `${message}: ${error}`);
        assert.equal(error.message, `Cannot create pool: ${message}`);
        return true;
      },
    );
  }
});
