/**
 * The experiments of the processes notebook (06): spawning a child with
 * `Deno.Command`, pipes and exit codes; a pool map over warm children; a
 * queue between two processes; and shared state through a locked file.
 * Every child runs `workers/process_child.ts` or, in a pool,
 * `workers/process_tasks.ts`, both resolved here so notebook cells need no
 * `import.meta`.
 *
 * @module
 */

import { ProcessPool } from "../pools/process_pool.ts";
import { readLines } from "../util/lines.ts";
import { commandFailure } from "../util/run_command.ts";
import { assertInteger } from "../util/validate.ts";

const CHILD_MODULE = new URL("../../workers/process_child.ts", import.meta.url);
const TASKS_MODULE = new URL("../../workers/process_tasks.ts", import.meta.url);

/** The knobs of the processes notebook, checked by {@linkcode checkProcessParameters}. */
export interface ProcessParameters {
  /** The exit code the first child ends with, an integer from 0 to 255. */
  exitCode: number;
  /** How many children the pool keeps, a positive integer. */
  poolSize: number;
  /** How many numbers the pool cubes (0 .. n-1), a positive integer. */
  cubeInputs: number;
  /** How many lines the producer writes to the consumer, a non-negative integer. */
  queueLines: number;
  /** How many processes share the counter file, a positive integer. */
  counterProcesses: number;
  /** How many times each of them adds 1 to it, a positive integer. */
  increments: number;
  /** How many times each counter experiment runs, a positive integer. */
  trials: number;
}

/**
 * Checks the notebook's parameters before anything is spawned.
 *
 * @param parameters The parameters cell's values.
 * @throws {RangeError} Naming the first value out of range.
 *
 * @example
 * ```ts
 * import { checkProcessParameters } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const good = {
 *   exitCode: 3, poolSize: 2, cubeInputs: 10, queueLines: 100,
 *   counterProcesses: 4, increments: 100, trials: 3,
 * };
 * checkProcessParameters(good);
 * assert.throws(
 *   () => checkProcessParameters({ ...good, poolSize: 0 }),
 *   { message: "Invalid parameter: 'poolSize' must be a positive integer, received 0" },
 * );
 * ```
 */
export function checkProcessParameters(parameters: ProcessParameters): void {
  const where = "Invalid parameter";
  assertInteger(where, "exitCode", parameters.exitCode, { min: 0, max: 255 });
  assertInteger(where, "poolSize", parameters.poolSize);
  assertInteger(where, "cubeInputs", parameters.cubeInputs);
  assertInteger(where, "queueLines", parameters.queueLines, { min: 0 });
  assertInteger(where, "counterProcesses", parameters.counterProcesses);
  assertInteger(where, "increments", parameters.increments);
  assertInteger(where, "trials", parameters.trials);
}

function childCommand(
  args: string[],
  permissions: string[] = [],
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, CHILD_MODULE.href, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
}

/** What {@linkcode runChild} saw of one child process. */
export interface ChildRun {
  /** The parent's process id. */
  parentPid: number;
  /** The child's process id: a different process. */
  childPid: number;
  /** What the child wrote to its stdout. */
  stdout: string;
  /** The child's exit code, as the parent sees it. */
  code: number;
  /** Whether the code was 0. */
  success: boolean;
  /** From spawn to exit, in milliseconds. */
  ms: number;
}

/** Options of {@linkcode runChild}. */
export interface RunChildOptions {
  /**
   * The exit code the child ends with.
   * @default {0}
   */
  exitCode?: number;
}

/**
 * Spawns one child with `Deno.Command`, writes `input` to its stdin pipe,
 * and collects its stdout (the input upper-cased) and its exit code.
 *
 * @param input The text sent through the child's stdin.
 * @param options The exit code the child should end with.
 * @returns The pids, the child's output, exit code and lifetime.
 * @throws {RangeError} When `exitCode` is not an integer from 0 to 255.
 *
 * @example
 * ```ts
 * import { runChild } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const run = await runChild("hello", { exitCode: 3 });
 * assert.equal(run.stdout, "HELLO");
 * assert.equal(run.code, 3);
 * assert.notEqual(run.childPid, run.parentPid);
 * ```
 */
export async function runChild(
  input: string,
  options: RunChildOptions = {},
): Promise<ChildRun> {
  const { exitCode = 0 } = options;
  const where = "Cannot run a child";
  assertInteger(where, "exitCode", exitCode, { min: 0, max: 255 });
  const started = performance.now();
  const child = childCommand(["shout", String(exitCode)]).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const ms = performance.now() - started;
  return {
    parentPid: Deno.pid,
    childPid: child.pid,
    stdout: new TextDecoder().decode(output.stdout),
    code: output.code,
    success: output.success,
    ms,
  };
}

/** What {@linkcode cubePoolMap} measured. */
export interface PoolMapResult {
  /** The cubes, in input order. */
  results: number[];
  /** The first map, which also starts the children, in milliseconds. */
  coldMs: number;
  /** The same map again on the warm children, in milliseconds. */
  warmMs: number;
  /** How many distinct child processes answered. */
  children: number;
}

/** Options of {@linkcode cubePoolMap}. */
export interface CubePoolMapOptions {
  /**
   * How many child processes the pool keeps.
   * @default {2}
   */
  size?: number;
}

/**
 * `Pool.map(cube, range(n))` with a {@linkcode ProcessPool}: cubes 0 .. n-1
 * twice, cold (children start) and warm (children reused), and closes the
 * pool.
 *
 * @param count How many numbers to cube, from 0.
 * @param options The pool size.
 * @returns The cubes, both timings and how many children answered.
 * @throws {RangeError} When `count` or `size` is not a positive integer.
 *
 * @example
 * ```ts
 * import { cubePoolMap } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const { results } = await cubePoolMap(4, { size: 2 });
 * assert.deepEqual(results, [0, 1, 8, 27]);
 * ```
 */
export async function cubePoolMap(
  count: number,
  options: CubePoolMapOptions = {},
): Promise<PoolMapResult> {
  const { size = 2 } = options;
  const where = "Cannot run the pool map";
  assertInteger(where, "count", count);
  assertInteger(where, "size", size);
  const inputs = Array.from({ length: count }, (_, i) => i);
  await using pool = new ProcessPool(TASKS_MODULE, { size });
  let started = performance.now();
  const results = await pool.map<number>("cube", inputs, { chunkSize: 1 });
  const coldMs = performance.now() - started;
  started = performance.now();
  await pool.map<number>("cube", inputs, { chunkSize: 1 });
  const warmMs = performance.now() - started;
  const pids = await Promise.all(
    Array.from({ length: size * 4 }, () => pool.run<number>("pid")),
  );
  return { results, coldMs, warmMs, children: new Set(pids).size };
}

/** What {@linkcode processQueue} measured. */
export interface QueueResult {
  /** Lines the producer was asked to write. */
  produced: number;
  /** Lines the consumer counted. */
  consumed: number;
  /** The sum of the item numbers the consumer read. */
  sum: number;
  /** The sum it should be, 0 + 1 + .. + (produced - 1). */
  expectedSum: number;
  /** The producer's process id. */
  producerPid: number;
  /** The consumer's process id. */
  consumerPid: number;
  /** From spawning both to the consumer's summary, in milliseconds. */
  ms: number;
}

/**
 * A queue between two processes: a producer child writes `lines` lines to
 * its stdout, the parent pipes them into a consumer child's stdin, and the
 * consumer reports how many lines it read and the sum of their numbers.
 *
 * @param lines How many lines the producer writes.
 * @returns What went in, what came out, the pids and the time.
 * @throws {RangeError} When `lines` is not a non-negative integer.
 * @throws {Error} When a child exits with a non-zero code.
 *
 * @example
 * ```ts
 * import { processQueue } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const queue = await processQueue(10);
 * assert.equal(queue.consumed, 10);
 * assert.equal(queue.sum, 45);
 * ```
 */
export async function processQueue(lines: number): Promise<QueueResult> {
  const where = "Cannot run the process queue";
  assertInteger(where, "lines", lines, { min: 0 });
  const started = performance.now();
  const producer = childCommand(["produce", String(lines)]).spawn();
  const consumer = childCommand(["consume"]).spawn();
  await producer.stdin.close();
  const [piped, produced, consumed] = await Promise.all([
    producer.stdout.pipeTo(consumer.stdin),
    producer.status.then(async (status) => ({
      status,
      stderr: await new Response(producer.stderr).text(),
    })),
    consumer.output(),
  ]);
  void piped;
  const ms = performance.now() - started;
  if (!produced.status.success) {
    throw commandFailure(
      "Producer process",
      produced.status.code,
      produced.stderr,
    );
  }
  if (!consumed.success) {
    throw commandFailure(
      "Consumer process",
      consumed.code,
      new TextDecoder().decode(consumed.stderr),
    );
  }
  const summary = JSON.parse(new TextDecoder().decode(consumed.stdout)) as {
    lines: number;
    sum: number;
  };
  return {
    produced: lines,
    consumed: summary.lines,
    sum: summary.sum,
    expectedSum: (lines * (lines - 1)) / 2,
    producerPid: producer.pid,
    consumerPid: consumer.pid,
    ms,
  };
}

/** What {@linkcode fileCounter} measured. */
export interface CounterResult {
  /** Whether each increment held `Deno.FsFile.lock`. */
  locked: boolean;
  /** How many processes added to the counter. */
  processes: number;
  /** What the counter should read: processes x increments. */
  expected: number;
  /** What it read at the end. */
  actual: number;
  /** Increments lost to the race: expected - actual. */
  lost: number;
  /** From the start signal to the last exit, in milliseconds. */
  ms: number;
}

/** Options of {@linkcode fileCounter}. */
export interface FileCounterOptions {
  /**
   * How many child processes share the counter.
   * @default {4}
   */
  processes?: number;
  /**
   * How many times each adds 1.
   * @default {100}
   */
  increments?: number;
  /**
   * Whether each read-modify-write holds an exclusive `Deno.FsFile.lock`.
   * @default {true}
   */
  lock?: boolean;
}

async function readLine(readable: ReadableStream<Uint8Array>): Promise<string> {
  for await (const line of readLines(readable)) return line;
  return "";
}

/**
 * Shared state across processes, which share no memory: a counter in a
 * temporary file that several children each increment, with or without an
 * exclusive file lock around each read-modify-write. The children wait
 * until all are ready, then start together, so their increments overlap.
 *
 * @param options Processes, increments each, and whether to lock.
 * @returns The expected and actual final count and the time taken.
 * @throws {RangeError} When `processes` or `increments` is not a positive integer.
 * @throws {Error} When a child exits with a non-zero code.
 *
 * @example
 * ```ts
 * import { fileCounter } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const counted = await fileCounter({ processes: 2, increments: 20 });
 * assert.equal(counted.actual, 40);
 * assert.equal(counted.lost, 0);
 * ```
 */
export async function fileCounter(
  options: FileCounterOptions = {},
): Promise<CounterResult> {
  const { processes = 4, increments = 100, lock = true } = options;
  const where = "Cannot run the file counter";
  assertInteger(where, "processes", processes);
  assertInteger(where, "increments", increments);
  const path = await Deno.makeTempFile({ prefix: "course_counter_" });
  try {
    await Deno.writeTextFile(path, "0".padEnd(16));
    const permissions = [`--allow-read=${path}`, `--allow-write=${path}`];
    const children = Array.from(
      { length: processes },
      () =>
        childCommand(
          ["count", path, String(increments), lock ? "lock" : "nolock"],
          permissions,
        ).spawn(),
    );
    const stderrs = children.map((child) => new Response(child.stderr).text());
    const ready = await Promise.all(
      children.map((child) => readLine(child.stdout)),
    );
    const started = performance.now();
    void ready;
    // The start signal; a child that already died just refuses it.
    const go = new TextEncoder().encode("go\n");
    await Promise.all(children.map(async (child) => {
      const writer = child.stdin.getWriter();
      await writer.write(go).catch(() => {});
      await writer.close().catch(() => {});
    }));
    const statuses = await Promise.all(children.map((child) => child.status));
    const ms = performance.now() - started;
    const failed = statuses.findIndex((status) => !status.success);
    if (failed !== -1) {
      throw commandFailure(
        `Counter process ${failed}`,
        statuses[failed].code,
        await stderrs[failed],
      );
    }
    await Promise.all(stderrs);
    const actual = Number((await Deno.readTextFile(path)).trim());
    const expected = processes * increments;
    return {
      locked: lock,
      processes,
      expected,
      actual,
      lost: expected - actual,
      ms,
    };
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}

/** Options of {@linkcode lockExperiment}. */
export interface LockExperimentOptions {
  /**
   * How many child processes share the counter.
   * @default {4}
   */
  processes?: number;
  /**
   * How many times each adds 1.
   * @default {100}
   */
  increments?: number;
  /**
   * How many times each mode runs.
   * @default {3}
   */
  trials?: number;
}

/**
 * Runs {@linkcode fileCounter} with the lock and without it, `trials` times
 * each, alternating, so the two can be compared.
 *
 * @param options Processes, increments each, and trials per mode.
 * @returns One result per run: every locked trial, then every unlocked one.
 * @throws {RangeError} When an option is not a positive integer.
 *
 * @example
 * ```ts
 * import { lockExperiment } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const runs = await lockExperiment({ processes: 2, increments: 10, trials: 1 });
 * assert.equal(runs.length, 2);
 * assert.equal(runs[0].locked && runs[0].actual, 20);
 * ```
 */
export async function lockExperiment(
  options: LockExperimentOptions = {},
): Promise<CounterResult[]> {
  const { processes = 4, increments = 100, trials = 3 } = options;
  const where = "Cannot run the lock experiment";
  assertInteger(where, "trials", trials);
  const locked: CounterResult[] = [];
  const unlocked: CounterResult[] = [];
  for (let i = 0; i < trials; i++) {
    locked.push(await fileCounter({ processes, increments, lock: true }));
    unlocked.push(await fileCounter({ processes, increments, lock: false }));
  }
  return [...locked, ...unlocked];
}
