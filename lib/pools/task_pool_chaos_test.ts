/**
 * Both pools under fire: 100 000 tasks while a runner is killed every
 * ~50 ms. Whatever the timing, every task settles once (with its result, or
 * rejected because its runner died), nothing hangs, and no task runs twice.
 */

import assert from "node:assert/strict";
import { ProcessPool } from "./process_pool.ts";
import type { TaskPool } from "./task_pool.ts";
import { WorkerPool } from "./worker_pool.ts";

const TASKS = 100_000;
const KILL_EVERY_MS = 50;
/**
 * Runs a runner must have made before it may be killed. A runner takes
 * longer than 50 ms to start on a loaded 2-core machine; killed at its first
 * task, no runner would ever finish one and the test would crawl.
 */
const KILL_AFTER_RUNS = 5_000;
/** Longer than any run has taken; past it the test fails instead of hanging. */
const HANG_MS = 120_000;

/** Reads the run files `tally` wrote in `dir`: runs of each index. */
async function runsInFiles(dir: string): Promise<Int32Array> {
  const runs = new Int32Array(TASKS);
  for await (const entry of Deno.readDir(dir)) {
    const bytes = await Deno.readFile(`${dir}/${entry.name}`);
    for (const index of new Uint32Array(bytes.buffer, 0, bytes.length / 4)) {
      runs[index]++;
    }
  }
  return runs;
}

/**
 * Runs every task through `pool` while `kill()` is called every
 * ~{@linkcode KILL_EVERY_MS} ms (and once before the first task), then
 * checks what settled against what ran. `kill` says whether it killed.
 */
async function underFire(
  pool: TaskPool,
  input: (index: number) => unknown,
  kill: () => Promise<boolean>,
  runsByTask: () => Promise<Int32Array>,
  runner: string,
): Promise<void> {
  let kills = 0;
  let killing = Promise.resolve();
  const fire = () => {
    killing = killing.then(async () => {
      if (await kill()) kills++;
    });
  };
  fire();
  const timer = setInterval(fire, KILL_EVERY_MS);
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  try {
    const tasks: Promise<unknown>[] = new Array(TASKS);
    for (let index = 0; index < TASKS; index++) {
      tasks[index] = pool.run("tally", input(index));
    }
    const hung = new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`tasks still unsettled after ${HANG_MS} ms`)),
        HANG_MS,
      );
    });
    const settled = await Promise.race([Promise.allSettled(tasks), hung]);
    clearInterval(timer);
    await killing;
    const runs = await runsByTask();
    const died = new RegExp(
      `^Cannot finish task 'tally': the ${runner} running it died \\(`,
    );
    let rejected = 0;
    for (let index = 0; index < TASKS; index++) {
      const outcome = settled[index];
      if (outcome.status === "fulfilled") {
        if (outcome.value !== index || runs[index] !== 1) {
          assert.fail(
            `task ${index} resolved with ${outcome.value} after ${
              runs[index]
            } runs`,
          );
        }
      } else {
        rejected++;
        if (!died.test(outcome.reason?.message) || runs[index] > 1) {
          assert.fail(
            `task ${index} rejected with ${outcome.reason} after ${
              runs[index]
            } runs`,
          );
        }
      }
    }
    assert.ok(kills >= 1, "no runner was killed");
    assert.ok(rejected < TASKS, "no task survived");
  } finally {
    clearInterval(timer);
    clearTimeout(watchdog);
    await killing;
  }
}

Deno.test("WorkerPool settles 100 000 tasks once each, none run twice, while workers die every ~50 ms", async () => {
  await using pool = new WorkerPool(
    new URL("./testdata/suite_tasks.ts", import.meta.url),
    { size: 2 },
  );
  const counts = new Int32Array(new SharedArrayBuffer(TASKS * 4));
  // The next task to take the ticket closes its worker once it has
  // counted its run, without answering.
  const ticket = new Int32Array(new SharedArrayBuffer(4));
  await underFire(
    pool,
    (index) => ({ counts, index, kill: ticket, killAfter: KILL_AFTER_RUNS }),
    () => Promise.resolve(Atomics.compareExchange(ticket, 0, 0, 1) === 0),
    () => Promise.resolve(counts),
    "worker",
  );
});

Deno.test("ProcessPool settles 100 000 tasks once each, none run twice, while children are killed every ~50 ms", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const module = new URL(`./testdata/suite_tasks.ts?chaos`, import.meta.url);
    await using pool = new ProcessPool(module, {
      size: 2,
      permissions: [`--allow-write=${dir}`],
    });
    const killed = new Set<number>();
    await underFire(
      pool,
      (index) => ({ dir, index }),
      async () => {
        // Kill one at random of the children that have run enough tasks.
        const pids: number[] = [];
        for await (const entry of Deno.readDir(dir)) {
          const pid = Number(entry.name.split("-")[0]);
          if (killed.has(pid)) continue;
          const { size } = await Deno.stat(`${dir}/${entry.name}`);
          if (size >= KILL_AFTER_RUNS * 4) pids.push(pid);
        }
        pids.sort(() => Math.random() - 0.5);
        for (const pid of pids) {
          if (!(await isOurChild(pid, module.href))) continue;
          killed.add(pid);
          Deno.kill(pid, "SIGKILL");
          return true;
        }
        return false;
      },
      () => runsInFiles(dir),
      "child process",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Whether `pid` is still a child of this process running `module`: pids
 * are reused, and a test must never kill a stranger.
 */
async function isOurChild(pid: number, module: string): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const command = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return parent === Deno.pid && command.includes(module);
  } catch {
    return false; // it has exited
  }
}
