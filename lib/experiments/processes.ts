/**
 * The experiments of the processes notebook (06), and the URLs of the child
 * programs its cells start (notebook cells have no `import.meta` to resolve
 * them with): a process pool's map, cold and warm; and a counter in a file
 * shared by several processes, with and without a lock.
 *
 * @module
 */

import { ProcessPool } from "../pools/process_pool.ts";
import { readLines } from "../util/lines.ts";
import { commandFailure } from "../util/run_command.ts";
import { assertInteger } from "../util/validate.ts";

function workerFile(name: string): URL {
  return new URL(`../../workers/${name}`, import.meta.url);
}

/**
 * The URL of `workers/shout_child.ts`: a program that reads its stdin to the
 * end, writes it back upper-cased and exits with the code given as its first
 * argument.
 *
 * @example
 * ```ts
 * import { SHOUT_CHILD } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const child = new Deno.Command(Deno.execPath(), {
 *   args: ["run", SHOUT_CHILD.href, "3"],
 *   stdin: "piped",
 *   stdout: "piped",
 * }).spawn();
 * const writer = child.stdin.getWriter();
 * await writer.write(new TextEncoder().encode("hi"));
 * await writer.close();
 * const { code, stdout } = await child.output();
 * assert.equal(code, 3);
 * assert.equal(new TextDecoder().decode(stdout), "HI");
 * ```
 */
export const SHOUT_CHILD: URL = workerFile("shout_child.ts");

/**
 * The URL of `workers/process_tasks.ts`, the task module of the process
 * pool: it exposes `cube` and `pid`.
 *
 * @example
 * ```ts
 * import { CUBE_TASKS } from "./processes.ts";
 * import { ProcessPool } from "../pools/process_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new ProcessPool(CUBE_TASKS, { size: 1 });
 * assert.deepEqual(await pool.map("cube", [1, 2, 3]), [1, 8, 27]);
 * ```
 */
export const CUBE_TASKS: URL = workerFile("process_tasks.ts");

/**
 * The URL of `workers/queue_producer.ts`: a program that writes the lines
 * `item 0` .. `item N-1` to its stdout, `N` being its first argument.
 *
 * @example
 * ```ts
 * import { QUEUE_PRODUCER } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const { stdout } = await new Deno.Command(Deno.execPath(), {
 *   args: ["run", QUEUE_PRODUCER.href, "2"],
 * }).output();
 * assert.equal(new TextDecoder().decode(stdout), "item 0\nitem 1\n");
 * ```
 */
export const QUEUE_PRODUCER: URL = workerFile("queue_producer.ts");

/**
 * The URL of `workers/queue_consumer.ts`: a program that reads `item N`
 * lines from its stdin until it closes, then prints
 * `{"items":count,"sum":total}`.
 *
 * @example
 * ```ts
 * import { QUEUE_CONSUMER } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const child = new Deno.Command(Deno.execPath(), {
 *   args: ["run", QUEUE_CONSUMER.href],
 *   stdin: "piped",
 *   stdout: "piped",
 * }).spawn();
 * const writer = child.stdin.getWriter();
 * await writer.write(new TextEncoder().encode("item 2\nitem 5\n"));
 * await writer.close();
 * const { stdout } = await child.output();
 * assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), { items: 2, sum: 7 });
 * ```
 */
export const QUEUE_CONSUMER: URL = workerFile("queue_consumer.ts");

/**
 * The URL of `workers/counter_child.ts`: a program that adds 1 to the number
 * in a file `times` times (arguments: the file, `times`, and `lock` to hold
 * `Deno.FsFile.lock` around each read-modify-write). It prints `ready` and
 * starts when its stdin closes.
 *
 * @example
 * ```ts
 * import { COUNTER_CHILD } from "./processes.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "40");
 * const { code } = await new Deno.Command(Deno.execPath(), {
 *   args: ["run", "-A", COUNTER_CHILD.href, path, "2", "lock"],
 *   stdin: "null",
 * }).output();
 * assert.equal(code, 0);
 * assert.equal((await Deno.readTextFile(path)).trim(), "42");
 * await Deno.remove(path);
 * ```
 */
export const COUNTER_CHILD: URL = workerFile("counter_child.ts");

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
  await using pool = new ProcessPool(CUBE_TASKS, { size });
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

async function firstLine(
  readable: ReadableStream<Uint8Array>,
): Promise<string> {
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
    const children = Array.from(
      { length: processes },
      () =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            `--allow-read=${path}`,
            `--allow-write=${path}`,
            COUNTER_CHILD.href,
            path,
            String(increments),
            lock ? "lock" : "nolock",
          ],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn(),
    );
    const stderrs = children.map((child) => new Response(child.stderr).text());
    // Every child says "ready" once started; closing the stdins then starts
    // them all at the same moment, so their increments overlap.
    await Promise.all(children.map((child) => firstLine(child.stdout)));
    const started = performance.now();
    await Promise.all(
      children.map((child) => child.stdin.close().catch(() => {})),
    );
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
