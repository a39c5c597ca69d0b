import assert from "node:assert/strict";
import {
  childProcesses,
  commandLine,
  processExists,
} from "./testdata/processes.ts";
import { QueuePool } from "./queue_pool.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);
const RECORD_TASKS = new URL("./testdata/queue_tasks.ts", import.meta.url);
/** Tests of the private server cannot run when REDIS_URL points elsewhere. */
const EXTERNAL_REDIS = Deno.env.get("REDIS_URL") !== undefined;
if (EXTERNAL_REDIS) {
  console.log(
    "REDIS_URL is set: the tests of the private redis-server are skipped",
  );
}

/** Waits until the log file has a line matching `pattern`. */
async function logLine(
  log: string,
  pattern: RegExp,
): Promise<RegExpMatchArray> {
  for (;;) {
    const match = (await Deno.readTextFile(log)).match(pattern);
    if (match !== null) return match;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test({
  name:
    "QueuePool.map() returns every result exactly once when a machine is killed mid-job",
  ignore: EXTERNAL_REDIS,
  async fn() {
    const dir = await Deno.makeTempDir();
    const log = `${dir}/log`;
    await Deno.writeTextFile(log, "");
    try {
      await using pool = new QueuePool(RECORD_TASKS, {
        queue: "kill-test",
        // Long enough that a busy host never misses a renewal (a second
        // stall would run a task twice); checked often, so recovery is quick.
        lockDurationMs: 3_000,
        stalledIntervalMs: 500,
        machineStderr: "null",
      });
      const [victim, survivor] = await pool.addMachines(2);
      const count = 10_000;
      const inputs = Array.from(
        { length: count },
        (_, index) => ({ index, log, holdDir: dir }),
      );
      const mapped = pool.map<number>("record", inputs, { chunkSize: 1 });
      // Once the victim has run a task, hold its next one; once it holds
      // one, that task is provably running there: kill it.
      await logLine(log, new RegExp(`^end \\d+ ${victim.pid}$`, "m"));
      await Deno.writeTextFile(`${dir}/${victim.pid}`, "");
      const [, held] = await logLine(
        log,
        new RegExp(`^held (\\d+) ${victim.pid}$`, "m"),
      );
      victim.kill("SIGKILL");
      const results = await mapped;

      assert.deepEqual(results, inputs.map(({ index }) => index));
      const lines = (await Deno.readTextFile(log)).trim().split("\n");
      const ends = new Map<number, string[]>();
      const starts = new Map<number, number>();
      for (const line of lines) {
        const [event, index, pid] = line.split(" ");
        if (event === "end") {
          ends.set(+index, [...ends.get(+index) ?? [], pid]);
        } else if (event === "start") {
          starts.set(+index, (starts.get(+index) ?? 0) + 1);
        }
      }
      for (let index = 0; index < count; index++) {
        if (ends.get(index)?.length !== 1) {
          assert.fail(
            `task ${index} finished ${ends.get(index)?.length ?? 0} times`,
          );
        }
      }
      // Only the held task started twice: on the victim, then elsewhere.
      const twice = [...starts].filter(([, n]) => n > 1).map(([i]) => i);
      assert.deepEqual(twice, [Number(held)]);
      assert.deepEqual(ends.get(Number(held)), [String(survivor.pid)]);
      assert.ok(pool.stats().stalled >= 1);
      assert.equal((await victim.status).signal, "SIGKILL");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "QueuePool.close() leaves no redis-server or machine process behind",
  ignore: EXTERNAL_REDIS,
  async fn() {
    const pool = new QueuePool(TASKS, { queue: "close-test" });
    const machines = await pool.addMachines(2);
    assert.equal(await pool.run("echo", 1), 1);
    // Other test files run beside this one in the same process (--parallel)
    // and start children of their own, so find this pool's by what they are:
    // the redis-server listening on the pool's port, and the machines' pids.
    const port = new URL(pool.redisUrl!).port;
    const started = childProcesses();
    const server = started.filter(({ pid, command }) =>
      command === "redis-server" && commandLine(pid).includes(port)
    );
    assert.equal(server.length, 1, JSON.stringify(started));
    for (const machine of machines) {
      assert.ok(started.some(({ pid }) => pid === machine.pid));
    }
    await pool.close();
    for (
      const { pid, command } of [
        ...server,
        ...machines.map(({ pid }) => ({ pid, command: "deno" })),
      ]
    ) {
      assert.equal(
        processExists(pid),
        false,
        `${command} (pid ${pid}) is still there`,
      );
    }
    assert.equal(pool.stats().machines, 0);
  },
});

Deno.test("QueuePool.start() rejects a bad or unreachable Redis URL within seconds, naming it", async (t) => {
  await t.step("a port where nothing listens", async () => {
    const began = performance.now();
    await using pool = new QueuePool(TASKS, {
      redisUrl: "redis://127.0.0.1:1",
    });
    await assert.rejects(pool.start(), (error: Error) => {
      assert.match(
        error.message,
        /^Cannot connect to Redis at 'redis:\/\/127\.0\.0\.1:1': /,
      );
      return true;
    });
    await assert.rejects(pool.run("noop"), /Cannot connect to Redis/);
    assert.ok(performance.now() - began < 10_000);
  });
  await t.step("a server that never answers", async () => {
    // A listener that accepts and stays silent, as a wrong host might.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const accepted: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) accepted.push(conn);
    })();
    const { port } = listener.addr as Deno.NetAddr;
    const url = `redis://127.0.0.1:${port}`;
    try {
      await using pool = new QueuePool(TASKS, {
        redisUrl: url,
        connectTimeoutMs: 500,
      });
      await assert.rejects(pool.start(), (error: Error) => {
        assert.ok(
          error.message.startsWith(`Cannot connect to Redis at '${url}': `),
          error.message,
        );
        return true;
      });
    } finally {
      listener.close();
      await accepting;
      for (const conn of accepted) conn.close();
    }
  });
  await t.step("malformed URLs are a TypeError at once", () => {
    for (
      const redisUrl of [
        "localhost:6379",
        "http://127.0.0.1:6379",
        "redis://h/x",
      ]
    ) {
      assert.throws(
        () => new QueuePool(TASKS, { redisUrl }),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^Cannot use Redis: /);
          assert.ok(
            error.message.includes(redisUrl.split("/")[0]),
            error.message,
          );
          return true;
        },
      );
    }
  });
  await t.step("a password never appears in the message", async () => {
    await using pool = new QueuePool(TASKS, {
      redisUrl: "redis://user:secret@127.0.0.1:1",
    });
    await assert.rejects(pool.start(), (error: Error) => {
      assert.ok(!error.message.includes("secret"), error.message);
      assert.ok(
        error.message.includes("redis://user:***@127.0.0.1:1"),
        error.message,
      );
      return true;
    });
  });
});

Deno.test({
  name: "QueuePool.start() says how to install redis-server when it is missing",
  ignore: EXTERNAL_REDIS,
  async fn() {
    await using pool = new QueuePool(TASKS, {
      redisServer: "/nonexistent/redis-server",
    });
    await assert.rejects(pool.start(), (error: Error) => {
      assert.match(
        error.message,
        /'\/nonexistent\/redis-server' was not found/,
      );
      assert.match(error.message, /apt-get install redis-server/);
      return true;
    });
    await assert.rejects(pool.addMachine(), /apt-get install redis-server/);
  },
});

Deno.test({
  name:
    "QueuePool.run() rejects only the task that failed; the machine serves on",
  ignore: EXTERNAL_REDIS,
  async fn(t) {
    await using pool = new QueuePool(TASKS, {
      queue: "faults-test",
      taskTimeoutMs: 2_000,
    });
    await pool.addMachine();
    await t.step(
      "a task's own error keeps its name, message and stack",
      async () => {
        const error = await pool.run("throw", "boom").catch((error) => error);
        assert.ok(error instanceof Error);
        assert.equal(error.message, "boom");
        assert.match(error.stack ?? "", /tasks\.ts/);
        assert.equal(await pool.run("echo", 2), 2);
      },
    );
    await t.step(
      "an unknown task is a RangeError listing the known ones",
      async () => {
        await assert.rejects(pool.run("nope"), (error: Error) => {
          assert.ok(error instanceof RangeError);
          assert.match(
            error.message,
            /^Cannot run task 'nope': no such task, known tasks are 'countPrimes'/,
          );
          return true;
        });
      },
    );
    await t.step(
      "a task past taskTimeoutMs is a TimeoutError naming it",
      async () => {
        await assert.rejects(pool.run("hang"), (error: Error) => {
          assert.equal(error.name, "TimeoutError");
          assert.equal(
            error.message,
            "Cannot finish task 'hang': it timed out after 2000 ms",
          );
          return true;
        });
        assert.equal(await pool.run("echo", 3), 3);
      },
    );
    await t.step("an input JSON cannot carry is a TypeError", async () => {
      await assert.rejects(pool.run("echo", 1n), TypeError);
    });
    assert.deepEqual(
      { completed: pool.stats().completed, failed: pool.stats().failed },
      { completed: 2, failed: 3 },
    );
  },
});

Deno.test({
  name:
    "QueuePool.run() aborted: rejects with the reason; a running job is cancelled on its machine",
  ignore: EXTERNAL_REDIS,
  async fn() {
    await using pool = new QueuePool(TASKS, { queue: "abort-test" });
    await pool.addMachine({ concurrency: 1 });
    const already = AbortSignal.abort(new Error("too late"));
    await assert.rejects(
      pool.run("noop", undefined, { signal: already }),
      /too late/,
    );
    const controller = new AbortController();
    const hanging = pool.run("hang", undefined, { signal: controller.signal });
    // Queued behind the hanging task on the only Worker of the only machine.
    const next = pool.run("echo", "after");
    while (pool.stats().running === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    controller.abort(new Error("stop"));
    await assert.rejects(hanging, /stop/);
    // It can only run if the hanging task was cancelled on the machine.
    assert.equal(await next, "after");
  },
});

Deno.test("QueuePool rejects bad options, naming them", async (t) => {
  await t.step("numbers", () => {
    for (
      const name of [
        "taskTimeoutMs",
        "lockDurationMs",
        "stalledIntervalMs",
        "connectTimeoutMs",
      ]
    ) {
      for (const value of [0, -1, 1.5, NaN, Infinity]) {
        assert.throws(
          () => new QueuePool(TASKS, { [name]: value }),
          {
            name: "RangeError",
            message:
              `Cannot create pool: '${name}' must be a positive integer, received ${value}`,
          },
        );
      }
    }
  });
  await t.step("queue names", () => {
    for (const queue of ["", "a:b"]) {
      assert.throws(() => new QueuePool(TASKS, { queue }), TypeError);
    }
  });
  await t.step("module", () => {
    // A path is a module (as for the other pools); a bare scheme is not.
    assert.throws(() => new QueuePool("npm:tasks"), TypeError);
  });
  await t.step("machines and map chunks", async () => {
    await using pool = new QueuePool(TASKS, {
      redisUrl: "redis://127.0.0.1:1",
    });
    await assert.rejects(pool.addMachine({ concurrency: 0 }), RangeError);
    await assert.rejects(pool.addMachines(0), RangeError);
    await assert.rejects(pool.map("echo", [1], { chunkSize: 0 }), RangeError);
    assert.deepEqual(await pool.map("echo", []), []);
  });
});

Deno.test("QueuePool.close() twice is harmless; later calls reject", async () => {
  const pool = new QueuePool(TASKS, { redisUrl: "redis://127.0.0.1:1" });
  await pool.close();
  await pool.close();
  await assert.rejects(pool.run("noop"), {
    message: "Cannot run task 'noop': the pool is closed",
  });
  await assert.rejects(pool.start(), /closed/);
  await assert.rejects(pool.addMachine(), /closed/);
});
