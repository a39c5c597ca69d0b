/**
 * What it costs to start an async task, a Worker and a child process: time
 * to first reply and memory per unit, measured on this machine.
 *
 * @module
 */

import { progressSteps } from "./_progress.ts";
import { assertPositiveInteger } from "./_validate.ts";
import { median } from "./time_it.ts";

/** The three ways the course runs work concurrently. */
export type StartupKind = "async task" | "worker" | "child process";

/** Options of {@linkcode measureStartup}. */
export interface StartupOptions {
  /**
   * Times each worker and child process is started one at a time; the
   * median is reported.
   * @default {3}
   */
  repeats?: number;
  /**
   * How many workers, and how many child processes, are kept alive together
   * to measure memory per unit.
   * @default {2}
   */
  count?: number;
  /**
   * How many async tasks are kept pending together to measure time and
   * memory per task (one task is too small to see).
   * @default {100000}
   */
  asyncTasks?: number;
  /**
   * Called with `(0, total)` before the first step and `(done, total)`
   * after each: the async tasks, each single worker start, the workers
   * alive together, each single child start, the children alive together
   * (`total` is `2 x repeats + 3`).
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** One row of {@linkcode measureStartup}: the cost of one unit of a kind. */
export interface StartupRow {
  /** Which kind of unit. */
  kind: StartupKind;
  /**
   * Each start's time to first reply, in milliseconds, in the order run; for
   * async tasks one value, the mean over all tasks started together.
   */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  firstReplyMs: number;
  /** Memory per unit, in KiB, or `undefined` when it cannot be read here. */
  memoryKiB: number | undefined;
  /** Where the memory figure comes from. */
  memorySource: string;
}

const ECHO_TS = new URL("../workers/startup_echo.ts", import.meta.url);
const ECHO_JS = new URL("../workers/startup_echo.js", import.meta.url);
const CHILD = new URL("../workers/startup_child.ts", import.meta.url);
const PROBE = new URL("../workers/startup_probe.ts", import.meta.url);
const PHASE_WORKER = new URL(
  "../workers/phase_probe_worker.js",
  import.meta.url,
);

const ECHO_SOURCE = "self.onmessage = (e) => self.postMessage(e.data);";

/**
 * Checks the parameters of the start-up notebook, naming the bad value.
 *
 * @param parameters Every numeric knob of the notebook, by name.
 * @throws {RangeError} When a value is not a positive integer.
 *
 * @example
 * ```ts
 * import { checkPositiveIntegers } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * checkPositiveIntegers({ repeats: 3 });
 * assert.throws(() => checkPositiveIntegers({ workers: 0 }), RangeError);
 * ```
 */
export function checkPositiveIntegers(
  parameters: Record<string, number>,
): void {
  for (const [name, value] of Object.entries(parameters)) {
    assertPositiveInteger("Invalid parameter", name, value);
  }
}

/**
 * Starts one worker from `url` and resolves with it once it has answered a
 * first message.
 *
 * @param url The worker's module: a file, `data:` or `blob:` URL.
 * @returns The worker, already answering.
 *
 * @example
 * ```ts
 * import { startEchoWorker } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const worker = await startEchoWorker(
 *   new URL("../workers/startup_echo.ts", import.meta.url),
 * );
 * assert.ok(worker instanceof Worker);
 * worker.terminate();
 * ```
 */
export function startEchoWorker(url: string | URL): Promise<Worker> {
  const worker = new Worker(url, { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = () => resolve(worker);
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Worker failed to start: ${event.message}`));
    };
    worker.postMessage("ping");
  });
}

/** A started child process of `workers/startup_child.ts`. */
interface EchoChild {
  process: Deno.ChildProcess;
  stdin: WritableStreamDefaultWriter<Uint8Array>;
}

async function startEchoChild(): Promise<EchoChild> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", CHILD.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = process.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("Child process exited before replying");
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return { process, stdin: process.stdin.getWriter() };
}

async function stopEchoChild(child: EchoChild): Promise<void> {
  await child.stdin.close();
  await child.process.stdout.cancel();
  await child.process.status;
}

/**
 * The resident memory of a process, from `/proc/<pid>/status` (Linux only).
 *
 * @param pid The process id.
 * @returns `VmRSS` in KiB, or `undefined` when `/proc` cannot be read.
 *
 * @example
 * ```ts
 * import { processRssKiB } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const rss = processRssKiB(Deno.pid);
 * assert.ok(rss === undefined || rss > 0);
 * ```
 */
export function processRssKiB(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function measureAsyncTasks(
  count: number,
): Promise<{ perTaskMs: number; memoryKiB: number }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  const tasks: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    tasks.push((async () => {
      await gate;
      return i;
    })());
  }
  const after = Deno.memoryUsage().rss;
  release();
  await Promise.all(tasks);
  const perTaskMs = (performance.now() - started) / count;
  return { perTaskMs, memoryKiB: (after - before) / 1024 / count };
}

/**
 * Measures, for each kind, the median time from creation to first reply
 * and the memory per unit: for async tasks and workers the growth of this
 * process's RSS (`Deno.memoryUsage().rss`) divided by how many were alive,
 * for child processes each child's own `VmRSS`.
 *
 * @param options Repeats, how many units to keep alive together, progress.
 * @returns One row per kind: async task, worker, child process.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { measureStartup } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const rows = await measureStartup({ repeats: 1, count: 1, asyncTasks: 100 });
 * assert.deepEqual(rows.map((r) => r.kind), [
 *   "async task",
 *   "worker",
 *   "child process",
 * ]);
 * ```
 */
export async function measureStartup(
  options: StartupOptions = {},
): Promise<StartupRow[]> {
  const { repeats = 3, count = 2, asyncTasks = 100_000, onProgress } = options;
  assertPositiveInteger("Cannot measure start-up", "repeats", repeats);
  assertPositiveInteger("Cannot measure start-up", "count", count);
  assertPositiveInteger("Cannot measure start-up", "asyncTasks", asyncTasks);
  const step = progressSteps(2 * repeats + 3, onProgress);

  const asyncCost = await measureAsyncTasks(asyncTasks);
  step();

  const workerTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const worker = await startEchoWorker(ECHO_TS);
    workerTimes.push(performance.now() - started);
    worker.terminate();
    step();
  }
  const rssBefore = Deno.memoryUsage().rss;
  const workers = await Promise.all(
    Array.from({ length: count }, () => startEchoWorker(ECHO_TS)),
  );
  const rssAfter = Deno.memoryUsage().rss;
  for (const worker of workers) worker.terminate();
  step();

  const childTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    const child = await startEchoChild();
    childTimes.push(performance.now() - started);
    await stopEchoChild(child);
    step();
  }
  const children = await Promise.all(
    Array.from({ length: count }, () => startEchoChild()),
  );
  const childRss = children.map((c) => processRssKiB(c.process.pid));
  await Promise.all(children.map(stopEchoChild));
  step();
  const known = childRss.filter((v): v is number => v !== undefined);

  return [
    {
      kind: "async task",
      samplesMs: [asyncCost.perTaskMs],
      firstReplyMs: asyncCost.perTaskMs,
      memoryKiB: asyncCost.memoryKiB,
      memorySource: `this process's RSS growth / ${asyncTasks} tasks`,
    },
    {
      kind: "worker",
      samplesMs: workerTimes,
      firstReplyMs: median(workerTimes),
      memoryKiB: (rssAfter - rssBefore) / 1024 / count,
      memorySource: `this process's RSS growth / ${count} workers`,
    },
    {
      kind: "child process",
      samplesMs: childTimes,
      firstReplyMs: median(childTimes),
      memoryKiB: known.length === count
        ? known.reduce((a, b) => a + b, 0) / count
        : undefined,
      memorySource: `mean VmRSS of ${count} children`,
    },
  ];
}

/** Options of {@linkcode workerStartupInChild}, and in part of {@linkcode workerStartupByKind}. */
export interface WorkerStartupOptions {
  /**
   * Times each kind of worker module is started; the median is reported.
   * @default {3}
   */
  repeats?: number;
  /**
   * How many workers are then started at once.
   * @default {4}
   */
  parallel?: number;
}

/** Options of {@linkcode workerStartupByKind}. */
export interface WorkerStartupByKindOptions extends WorkerStartupOptions {
  /**
   * Called with `(0, total)` before the first start and `(done, total)`
   * after each single start and after the parallel start (`total` is
   * `4 x repeats + 1`).
   * @default {undefined}
   */
  onProgress?: (done: number, total: number) => void;
}

/** Worker start-up times by module kind, from {@linkcode workerStartupByKind}. */
export interface WorkerStartup {
  /** Median time to first reply of one worker, by where its code came from. */
  bySource: { source: string; medianMs: number }[];
  /** How many workers were started at once. */
  parallel: number;
  /** Time until all of them had replied, in milliseconds. */
  parallelMs: number;
}

/**
 * Times one worker's start (to first reply) for a TypeScript file, a
 * JavaScript file, a `data:` URL and a `blob:` URL, then `parallel` workers
 * started at once.
 *
 * @param options Repeats, how many workers to start at once, progress.
 * @returns The medians by source and the parallel time.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { workerStartupByKind } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const result = await workerStartupByKind({ repeats: 1, parallel: 2 });
 * assert.equal(result.bySource.length, 4);
 * assert.ok(result.parallelMs > 0);
 * ```
 */
export async function workerStartupByKind(
  options: WorkerStartupByKindOptions = {},
): Promise<WorkerStartup> {
  const { repeats = 3, parallel = 4, onProgress } = options;
  assertPositiveInteger("Cannot measure worker start-up", "repeats", repeats);
  assertPositiveInteger("Cannot measure worker start-up", "parallel", parallel);
  const blobUrl = URL.createObjectURL(
    new Blob([ECHO_SOURCE], { type: "application/javascript" }),
  );
  const sources: [string, string | URL][] = [
    ["file URL (.ts)", ECHO_TS],
    ["file URL (.js)", ECHO_JS],
    ["data: URL", `data:application/javascript,${ECHO_SOURCE}`],
    ["blob: URL", blobUrl],
  ];
  const step = progressSteps(sources.length * repeats + 1, onProgress);
  const bySource: { source: string; medianMs: number }[] = [];
  try {
    for (const [source, url] of sources) {
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const started = performance.now();
        const worker = await startEchoWorker(url);
        times.push(performance.now() - started);
        worker.terminate();
        step();
      }
      bySource.push({ source, medianMs: median(times) });
    }
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
  const started = performance.now();
  const workers = await Promise.all(
    Array.from({ length: parallel }, () => startEchoWorker(ECHO_TS)),
  );
  const parallelMs = performance.now() - started;
  for (const worker of workers) worker.terminate();
  step();
  return { bySource, parallel, parallelMs };
}

/**
 * Runs {@linkcode workerStartupByKind} in a fresh `deno run` process, to
 * compare a plain program with the notebook kernel.
 *
 * @param options Repeats and how many workers to start at once.
 * @returns What the child measured.
 * @throws {Error} When the child fails.
 *
 * @example
 * ```ts
 * import { workerStartupInChild } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const result = await workerStartupInChild({ repeats: 1, parallel: 2 });
 * assert.equal(result.parallel, 2);
 * ```
 */
export async function workerStartupInChild(
  options: WorkerStartupOptions = {},
): Promise<WorkerStartup> {
  const { repeats = 3, parallel = 4 } = options;
  assertPositiveInteger("Cannot measure worker start-up", "repeats", repeats);
  assertPositiveInteger("Cannot measure worker start-up", "parallel", parallel);
  return await measureInDenoChild("Start-up probe", [
    "run",
    "--no-prompt",
    "--allow-read",
    PROBE.href,
    String(repeats),
    String(parallel),
  ]);
}

/** Where a new worker's start-up time goes, from {@linkcode measureWorkerPhases}. */
export interface WorkerPhases {
  /** From `new Worker()` until the worker's top-level code runs, in ms. */
  toTopLevelMs: number;
  /** From then until its first message is handled, in ms. */
  toFirstMessageMs: number;
  /** From `new Worker()` until its reply is back, in ms. */
  toReplyMs: number;
}

/**
 * Starts one worker, sends it a message at once, and splits the wait for the
 * reply into phases: until the worker's code runs, until its first message
 * is handled, until the reply is back. The worker stamps the first two into
 * shared memory.
 *
 * @returns The three times, in milliseconds.
 *
 * @example
 * ```ts
 * import { measureWorkerPhases } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const phases = await measureWorkerPhases();
 * assert.ok(phases.toReplyMs >= phases.toTopLevelMs);
 * ```
 */
export async function measureWorkerPhases(): Promise<WorkerPhases> {
  const now = () => performance.timeOrigin + performance.now();
  const stamps = new Float64Array(new SharedArrayBuffer(16));
  const started = now();
  const worker = new Worker(PHASE_WORKER, { type: "module" });
  try {
    const replied = new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`Phase probe worker failed: ${event.message}`));
      };
    });
    worker.postMessage(stamps.buffer);
    await replied;
    return {
      toTopLevelMs: stamps[0] - started,
      toFirstMessageMs: stamps[1] - stamps[0],
      toReplyMs: now() - started,
    };
  } finally {
    worker.terminate();
  }
}

/**
 * Runs {@linkcode measureWorkerPhases} in a fresh child, as a plain program
 * (`deno eval`) or in a REPL session (`deno repl`, which is how the notebook
 * kernel runs cells too), to find where a slow start comes from.
 *
 * @param runner How the child runs the probe.
 * @returns What the child measured.
 * @throws {Error} When the child fails or prints no measurement.
 *
 * @example
 * ```ts
 * import { measureWorkerPhasesIn } from "./startup_cost.ts";
 * import assert from "node:assert/strict";
 * const phases = await measureWorkerPhasesIn("program");
 * assert.ok(phases.toReplyMs > 0);
 * ```
 */
export async function measureWorkerPhasesIn(
  runner: "program" | "repl",
): Promise<WorkerPhases> {
  const probe = `const { measureWorkerPhases } = await import(${
    JSON.stringify(import.meta.url)
  }); console.log(JSON.stringify(await measureWorkerPhases()));`;
  const args = runner === "program"
    ? ["eval", probe]
    : ["repl", "--allow-read", `--eval=${probe}`];
  return await measureInDenoChild(`Worker phase probe as a ${runner}`, args);
}

/**
 * Runs `deno` with `args` in a fresh child and returns the measurement it
 * prints as a JSON line. Its stdin gets `close()`, so a REPL child exits once
 * it has run the probe; other children ignore it.
 */
async function measureInDenoChild<T>(what: string, args: string[]): Promise<T> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode("close()\n"));
  await stdin.close();
  const output = await child.output();
  const line = new TextDecoder().decode(output.stdout).split("\n")
    .find((text) => text.startsWith("{"));
  if (!output.success || line === undefined) {
    throw new Error(
      `${what} failed with code ${output.code}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return JSON.parse(line);
}
