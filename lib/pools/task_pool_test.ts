/**
 * The behaviour both pools share, one suite run over `WorkerPool` and
 * `ProcessPool`. What only one of them does is tested beside it.
 */

import assert from "node:assert/strict";
import { relative } from "node:path";
import { ProcessPool } from "./process_pool.ts";
import type { TaskPool, TaskPoolOptions } from "./task_pool.ts";
import { WorkerPool } from "./worker_pool.ts";
import { runPoolScript } from "./testdata/scripts.ts";

const TASKS = new URL("../../workers/tasks.ts", import.meta.url);
const SUITE_TASKS = new URL("./testdata/suite_tasks.ts", import.meta.url);

/** A pool under test, and how it words what is particular to it. */
interface Kind {
  name: "WorkerPool" | "ProcessPool";
  create(module: string | URL, options?: TaskPoolOptions): TaskPool;
  /** What its runners are called in messages. */
  runner: "worker" | "child process";
  /** The same, plural. */
  runners: string;
  /** Why its runner died when a task ran `crash`. */
  crashed: string;
}

const KINDS: Kind[] = [
  {
    name: "WorkerPool",
    create: (module, options) => new WorkerPool(module, options),
    runner: "worker",
    runners: "workers",
    crashed: "it closed itself",
  },
  {
    name: "ProcessPool",
    // Children may write: `tally` counts runs in files.
    create: (module, options) =>
      new ProcessPool(module, {
        stderr: "null",
        permissions: ["--allow-write"],
        ...options,
      }),
    runner: "child process",
    runners: "child processes",
    crashed: "it exited with code 3",
  },
];

/** A pool whose single runner has started, so the next task runs at once. */
async function warmPool(
  kind: Kind,
  options: TaskPoolOptions = {},
): Promise<TaskPool> {
  const pool = kind.create(TASKS, { size: 1, ...options });
  await pool.run("noop");
  return pool;
}

/** Reads the run files `tally` wrote in `dir`: runs of each index. */
async function runsByTask(dir: string, count: number): Promise<Int32Array> {
  const runs = new Int32Array(count);
  for await (const entry of Deno.readDir(dir)) {
    const bytes = await Deno.readFile(`${dir}/${entry.name}`);
    const indices = new Uint32Array(
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength / 4,
    );
    for (const index of indices) runs[index]++;
  }
  return runs;
}

/** A value and what the test checks beyond deep equality, if anything. */
interface CloneRow {
  name: string;
  value: () => unknown;
  /** Extra checks on what arrived (identity the deep comparison ignores). */
  check?: (arrived: unknown) => void;
}

const shared = { shared: true };
const cyclic: Record<string, unknown> = { name: "cyclic" };
cyclic.self = cyclic;

/** Values both pools carry unchanged: what arrives equals a structured clone. */
const CARRIED: CloneRow[] = [
  { name: "Map", value: () => new Map<unknown, unknown>([["a", 1], [{}, 2]]) },
  { name: "Set", value: () => new Set([1, "x", null]) },
  { name: "ArrayBuffer", value: () => new Uint8Array([1, 2, 255]).buffer },
  {
    name: "resizable ArrayBuffer",
    value: () => new ArrayBuffer(4, { maxByteLength: 16 }),
    check: (arrived) =>
      assert.equal((arrived as ArrayBuffer).maxByteLength, 16),
  },
  { name: "Uint8Array", value: () => new Uint8Array([1, 2, 255]) },
  { name: "Float64Array", value: () => new Float64Array([1.5, NaN, -0]) },
  { name: "BigInt64Array", value: () => new BigInt64Array([-1n, 2n ** 62n]) },
  { name: "DataView", value: () => new DataView(new ArrayBuffer(8), 2, 4) },
  {
    name: "views of one buffer",
    value: () => {
      const buffer = new ArrayBuffer(16);
      return [new Int32Array(buffer, 4, 2), new Uint8Array(buffer)];
    },
    check: (arrived) => {
      const [ints, bytes] = arrived as [Int32Array, Uint8Array];
      assert.equal(ints.buffer, bytes.buffer);
      assert.equal(ints.byteOffset, 4);
    },
  },
  { name: "Date", value: () => new Date(86_400_000) },
  { name: "RegExp", value: () => /a+b/giu },
  {
    name: "Error with a cause",
    value: () => new Error("outer", { cause: new RangeError("inner") }),
    check: (arrived) => {
      assert.ok((arrived as Error).cause instanceof RangeError);
      assert.equal(((arrived as Error).cause as Error).message, "inner");
    },
  },
  {
    name: "TypeError",
    value: () => new TypeError("bad"),
    check: (arrived) => assert.ok(arrived instanceof TypeError),
  },
  {
    name: "DOMException",
    value: () => new DOMException("stopped", "AbortError"),
    check: (arrived) => {
      assert.ok(arrived instanceof DOMException);
      assert.equal((arrived as DOMException).name, "AbortError");
    },
  },
  {
    name: "undefined, NaN, -0, Infinity",
    value: () => [1, undefined, NaN, -0, Infinity, -Infinity, null],
  },
  { name: "sparse array", value: () => [1, , 3] },
  {
    name: "array with a named property",
    value: () => "abcb".match(/b(c)/),
  },
  { name: "bigint", value: () => -(10n ** 30n) },
  {
    name: "boxed primitives",
    value: () => [Object(3), Object("s"), Object(false), Object(1n)],
  },
  { name: "lone surrogate", value: () => "a\ud800b" },
  { name: "text beyond ASCII", value: () => "héllo wörld ✓ 😀" },
  {
    name: "class instance (own data only)",
    value: () =>
      new (class Point {
        x = 1;
        y = 2;
      })(),
  },
  {
    name: "nested",
    value: () => ({
      a: [new Map([[1, new Date(5)]])],
      b: { c: new Uint16Array([7]), d: new Set([[1n]]) },
    }),
  },
  {
    name: "shared and cyclic references",
    value: () => ({ x: shared, y: shared, cyclic }),
    check: (arrived) => {
      const { x, y, cyclic } = arrived as Record<string, { self?: unknown }>;
      assert.equal(x, y);
      assert.equal(cyclic.self, cyclic);
    },
  },
];

/** Values neither pool can send: both reject with a TypeError naming them. */
const REFUSED: { name: string; value: () => unknown; named: RegExp }[] = [
  { name: "function", value: () => () => 1, named: /=>\s?1|anonymous/ },
  { name: "symbol", value: () => Symbol("s"), named: /Symbol\(s\)/ },
  { name: "WeakMap", value: () => new WeakMap(), named: /WeakMap/ },
  { name: "Promise", value: () => Promise.resolve(), named: /Promise/ },
  { name: "object with a method", value: () => ({ f() {} }), named: /f/ },
];

/**
 * Values a worker receives but a child process cannot: in memory shared
 * with, or held by, this process. A worker gets what `check` expects; a
 * child pool rejects with a TypeError matching `refused`.
 */
const PROCESS_BOUND: {
  name: string;
  value: () => unknown;
  check: (arrived: unknown, sent: unknown) => void | Promise<void>;
  refused: RegExp;
}[] = [
  {
    name: "SharedArrayBuffer",
    value: () => new SharedArrayBuffer(8),
    check: (arrived, sent) => {
      new Int32Array(sent as SharedArrayBuffer)[0] = 42;
      assert.equal(new Int32Array(arrived as SharedArrayBuffer)[0], 42);
    },
    refused:
      /SharedArrayBuffer> could not be cloned: a child process cannot share memory/,
  },
  {
    name: "Blob",
    value: () => new Blob(["held here"]),
    check: async (arrived) =>
      assert.equal(await (arrived as Blob).text(), "held here"),
    refused: /#<Blob> could not be cloned/,
  },
  {
    name: "URL",
    value: () => new URL("https://example.com/"),
    // Structured clone keeps none of a URL: an empty object arrives.
    check: (arrived) => assert.deepStrictEqual(arrived, {}),
    refused: /#<URL> could not be cloned/,
  },
];

for (const kind of KINDS) {
  const { name, create, runner, runners } = kind;

  Deno.test(`${name}.run() resolves with the task's result`, async () => {
    await using pool = create(TASKS, { size: 2 });
    assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
    assert.equal(await pool.run("sleep", 1), undefined);
    assert.deepEqual(await pool.run("echo", { a: [1, 2] }), { a: [1, 2] });
  });

  Deno.test(`${name}.run() carries every value a Worker carries, unchanged`, async (t) => {
    await using pool = create(TASKS, { size: 1 });
    for (const row of CARRIED) {
      await t.step(row.name, async () => {
        const value = row.value();
        const arrived = await pool.run("echo", value);
        assert.deepStrictEqual(arrived, structuredClone(value));
        row.check?.(arrived);
      });
    }
  });

  Deno.test(`${name}.run() rejects a value that cannot be cloned with a TypeError naming it`, async (t) => {
    await using pool = create(TASKS, { size: 1 });
    for (const row of REFUSED) {
      await t.step(row.name, async () => {
        await assert.rejects(pool.run("echo", row.value()), (error: Error) => {
          assert.ok(error instanceof TypeError, String(error));
          assert.match(
            error.message,
            new RegExp(
              `^Cannot run task 'echo': the input could not be sent to the ${runner} \\(.*could not be cloned`,
            ),
          );
          assert.match(error.message, row.named);
          return true;
        });
      });
    }
    // Refusing one input leaves the pool serving.
    assert.equal(await pool.run("echo", 8), 8);
  });

  Deno.test(
    `${name}.run() ${
      runner === "worker" ? "carries" : "rejects"
    } what cannot leave this process`,
    async (t) => {
      await using pool = create(TASKS, { size: 1 });
      for (const row of PROCESS_BOUND) {
        await t.step(row.name, async () => {
          const value = row.value();
          if (runner === "worker") {
            await row.check(await pool.run("echo", value), value);
          } else {
            await assert.rejects(pool.run("echo", value), (error: Error) => {
              assert.ok(error instanceof TypeError, String(error));
              assert.match(error.message, row.refused);
              return true;
            });
          }
        });
      }
    },
  );

  Deno.test(`${name}.map() returns 100 000 tiny results in input order`, async () => {
    await using pool = create(TASKS, { size: 2 });
    const inputs = Array.from({ length: 100_000 }, (_, i) => i);
    const results = await pool.map<number>("echo", inputs);
    assert.equal(results.length, inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      if (results[i] !== i) assert.fail(`result ${i} is ${results[i]}`);
    }
  });

  Deno.test(`${name}.map() runs async tasks and honours chunkSize`, async () => {
    await using pool = create(TASKS, { size: 2 });
    assert.deepEqual(await pool.map("sleep", [1, 1, 1], { chunkSize: 2 }), [
      undefined,
      undefined,
      undefined,
    ]);
    assert.equal(pool.stats().completed, 2);
    assert.deepEqual(await pool.map("echo", []), []);
    assert.deepEqual(await pool.map("echo", new Set([1, 2])), [1, 2]);
  });

  Deno.test(`${name}.map() rejects with the first failing input's error`, async () => {
    await using pool = create(TASKS, { size: 2 });
    await assert.rejects(pool.map("throw", ["a", "b"], { chunkSize: 1 }), {
      name: "Error",
      message: /^[ab]$/,
    });
  });

  Deno.test(`${name}.map() rejects bad inputs and chunk sizes`, async () => {
    await using pool = create(TASKS, { size: 1 });
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

  Deno.test(`${name}.run() rejects only the task that throws, keeping name, message and stack`, async () => {
    await using pool = create(TASKS, { size: 1 });
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

  Deno.test(`${name}.run() rejects an unknown task with the known ones listed`, async () => {
    await using pool = create(TASKS, { size: 1 });
    await assert.rejects(pool.run("nope"), {
      name: "RangeError",
      message:
        /^Cannot run task 'nope': no such task, known tasks are .*'echo'/,
    });
  });

  Deno.test(`${name}.run() rejects only the task whose ${runner} died`, async () => {
    await using pool = await warmPool(kind);
    const crashed = pool.run("crash");
    const queued = pool.run("echo", "still served");
    await assert.rejects(crashed, {
      message:
        `Cannot finish task 'crash': the ${runner} running it died (${kind.crashed})`,
    });
    assert.equal(await queued, "still served");
  });

  Deno.test(`${name}.run() rejects only the task whose ${runner} threw asynchronously`, async () => {
    await using pool = await warmPool(kind);
    const crashed = pool.run("crashLater");
    const queued = pool.run("echo", 1);
    await assert.rejects(crashed, {
      message: new RegExp(
        `^Cannot finish task 'crashLater': the ${runner} running it died`,
      ),
    });
    assert.equal(await queued, 1);
  });

  Deno.test(`${name}.run() runs every other task exactly once when ${runners} crash amid many`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await using pool = create(SUITE_TASKS, { size: 2 });
      const count = 2_000;
      const tasks: Promise<unknown>[] = [];
      const crashes: Promise<Error>[] = [];
      for (let index = 0; index < count; index++) {
        tasks.push(pool.run("tally", { dir, index }));
        // Caught at once: they reject while the tallies still run.
        if (index % 500 === 250) {
          crashes.push(pool.run<never>("crash").catch((e) => e));
        }
      }
      await Promise.all(tasks);
      for (const error of await Promise.all(crashes)) {
        assert.equal(
          error.message,
          `Cannot finish task 'crash': the ${runner} running it died (${kind.crashed})`,
        );
      }
      const runs = await runsByTask(dir, count);
      assert.deepEqual([...new Set(runs)], [1]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${name}.run() times out only the hung task amid many and runs the rest once`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await using pool = create(SUITE_TASKS, { size: 2, taskTimeoutMs: 500 });
      const count = 1_000;
      const tasks: Promise<unknown>[] = [];
      let hung: Promise<Error> | undefined;
      for (let index = 0; index < count; index++) {
        tasks.push(pool.run("tally", { dir, index }));
        if (index === 500) hung = pool.run<never>("hang").catch((e) => e);
      }
      await Promise.all(tasks);
      assert.equal((await hung)?.name, "TimeoutError");
      assert.deepEqual([...new Set(await runsByTask(dir, count))], [1]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${name}.run() aborts a task amid many and runs the rest once`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await using pool = create(SUITE_TASKS, { size: 2 });
      const count = 1_000;
      const controller = new AbortController();
      const tasks: Promise<unknown>[] = [];
      let aborted: Promise<Error> | undefined;
      for (let index = 0; index < count; index++) {
        tasks.push(pool.run("tally", { dir, index }));
        if (index === 10) {
          aborted = pool.run<never>("hang", undefined, {
            signal: controller.signal,
          }).catch((error) => error);
        }
      }
      // Queued or running by now, the aborted task must not touch the others.
      await tasks[100];
      controller.abort();
      assert.equal((await aborted)?.name, "AbortError");
      await Promise.all(tasks);
      assert.deepEqual([...new Set(await runsByTask(dir, count))], [1]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${name}.run() times out a hung task and replaces its ${runner}`, async () => {
    await using pool = await warmPool(kind, { taskTimeoutMs: 100 });
    const hung = pool.run("hang");
    const queued = pool.run("echo", 2);
    await assert.rejects(hung, {
      name: "TimeoutError",
      message: "Cannot finish task 'hang': it timed out after 100 ms",
    });
    assert.equal(await queued, 2);
    assert.equal(pool.stats().failed, 1);
  });

  Deno.test(`${name}.run() aborts a running task by replacing its ${runner}`, async () => {
    await using pool = await warmPool(kind);
    const controller = new AbortController();
    // The runner is idle and ready, so the task is running from this call on.
    const hung = pool.run("hang", undefined, { signal: controller.signal });
    const reason = new Error("no longer needed");
    controller.abort(reason);
    await assert.rejects(hung, (error) => error === reason);
    assert.equal(await pool.run("echo", 3), 3);
  });

  Deno.test(`${name}.run() rejects at once with an already-aborted signal's reason`, async () => {
    await using pool = create(TASKS, { size: 1 });
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

  Deno.test(`${name}.run() removes an aborted task from the queue`, async () => {
    await using pool = await warmPool(kind);
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

  Deno.test(`${name}.run() rejects with a RangeError when the queue is full`, async () => {
    await using pool = await warmPool(kind, { maxQueue: 1 });
    const running = pool.run("sleep", 10);
    // The next task waits in the busy runner, sent ahead; one more may
    // wait in the pool; the one after is one too many.
    const ahead = pool.run("echo", 5);
    const queued = pool.run("echo", 6);
    assert.equal(pool.stats().queued, 1);
    await assert.rejects(pool.run("echo", 7), {
      name: "RangeError",
      message:
        "Cannot run task 'echo': the queue is full (maxQueue 1), received one task too many",
    });
    await running;
    assert.deepEqual(await Promise.all([ahead, queued]), [5, 6]);
  });

  Deno.test(`${name} with concurrentTasks runs that many async tasks at once in one ${runner}`, async () => {
    await using pool = create(SUITE_TASKS, {
      size: 1,
      concurrentTasks: 4,
      // Were they run one at a time, the first would wait for the others
      // forever: fail instead.
      taskTimeoutMs: 10_000,
    });
    // Each resolves only once all four have started in the one runner.
    const gathered = await Promise.all(
      [1, 2, 3, 4].map(() => pool.run("gather", 4)),
    );
    assert.deepEqual(gathered, [4, 4, 4, 4]);
  });

  Deno.test(`${name} starts from a URL, a file: URL string or a path, absolute or relative`, async (t) => {
    const modules: [string, string | URL][] = [
      ["URL", TASKS],
      ["file: URL string", TASKS.href],
      ["absolute path", TASKS.pathname],
      [
        "path relative to the current directory",
        relative(Deno.cwd(), TASKS.pathname),
      ],
    ];
    for (const [what, module] of modules) {
      await t.step(what, async () => {
        await using pool = create(module, { size: 1 });
        assert.equal(await pool.run("echo", what), what);
      });
    }
  });

  Deno.test(`${name} passes on what a task prints, with or without a newline, and still answers`, async () => {
    const output = await runPoolScript(
      `await using pool = new ${name}(${
        JSON.stringify(SUITE_TASKS.href)
      }, { size: 1 });
      const length = await pool.run("say", "no newline");
      console.log("|answered", length);`,
    );
    assert.equal(output, "no newline|answered 10\n");
  });

  Deno.test(`${name} rejects clearly when the task module does not exist`, async () => {
    await using pool = create(
      new URL("./does_not_exist.ts", import.meta.url),
      { size: 2 },
    );
    const message = new RegExp(
      `^Cannot start ${runner}: task module 'file:.*does_not_exist\\.ts' failed to load`,
    );
    await assert.rejects(pool.run("noop"), { message });
    await assert.rejects(pool.run("noop"), { message });
  });

  Deno.test(`${name}.close() rejects queued and running tasks`, async () => {
    const pool = await warmPool(kind);
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

  Deno.test(`${name}.stats() reports busy time per ${runner} slot`, async () => {
    await using pool = create(TASKS, { size: 3 });
    await pool.run("busyLoop", 20);
    const { busyMs } = pool.stats();
    assert.equal(busyMs.length, 3);
    assert.ok(busyMs.reduce((a, b) => a + b) >= 20);
  });

  Deno.test(`${name} idle ${runners} do not keep the process alive`, async () => {
    const output = await runPoolScript(
      `const pool = new ${name}(${
        JSON.stringify(TASKS.href)
      }, { size: 2, idleTimeoutMs: 50 });
      console.log(await pool.run("echo", "done"));`,
    );
    assert.equal(output, "done\n");
  });

  Deno.test(`new ${name}() rejects bad arguments`, () => {
    const cases: [unknown, TaskPoolOptions, ErrorConstructor, string][] = [
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
        { concurrentTasks: 0 },
        RangeError,
        "'concurrentTasks' must be a positive integer, received 0",
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
      [
        42,
        {},
        TypeError,
        "'module' must be a URL, a URL string or a file path, received number",
      ],
      [
        null,
        {},
        TypeError,
        "'module' must be a URL, a URL string or a file path, received null",
      ],
      [
        "",
        {},
        TypeError,
        "'module' must be a URL, a URL string or a file path, received an empty string",
      ],
      [
        "node:fs",
        {},
        TypeError,
        "'module' must be a URL, a URL string or a file path; modules load from file:, http:, https:, data: URLs, received 'node:fs'",
      ],
    ];
    for (const [module, options, ErrorClass, message] of cases) {
      assert.throws(
        () => create(module as string, options),
        (error: Error) => {
          assert.ok(error instanceof ErrorClass, `${message}: ${error}`);
          assert.equal(error.message, `Cannot create pool: ${message}`);
          return true;
        },
      );
    }
  });
}
