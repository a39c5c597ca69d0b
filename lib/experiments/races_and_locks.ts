/**
 * Notebook 03, races and locks: its parameters, the worker modules it
 * starts, the counter race repeated and timed (plain `counter[0]++`,
 * `Atomics.add`, the toolkit's `Mutex`), and V8's bytecode of a function.
 * The notebook writes the one-shot races, the hand-made lock, the
 * read-sleep-write race, the race across `await` and the deadlock in its
 * own cells.
 *
 * @module
 */

import { Mutex } from "../sync/mutex.ts";
import { splitLines } from "../util/lines.ts";
import { runCommand } from "../util/run_command.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import type { RaceJob, RaceReply } from "../../workers/race_worker.ts";

export type {
  LockPairJob,
  LockPairReply,
} from "../../workers/lock_pair_worker.ts";

/**
 * The URL of `workers/race_worker.ts`, the worker {@linkcode counterRace}
 * starts (shown in the notebook).
 *
 * @example
 * ```ts
 * import { RACE_WORKER } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * assert.match(await Deno.readTextFile(RACE_WORKER), /counter\[0\]\+\+/);
 * ```
 */
export const RACE_WORKER: URL = new URL(
  "../../workers/race_worker.ts",
  import.meta.url,
);

/**
 * The URL of `workers/lock_pair_worker.ts`, the worker of the notebook's
 * deadlock: it takes two of the toolkit's mutexes in a given order.
 *
 * @example
 * ```ts
 * import { LOCK_PAIR_WORKER } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * assert.match(await Deno.readTextFile(LOCK_PAIR_WORKER), /DeadlockError|timeout/);
 * ```
 */
export const LOCK_PAIR_WORKER: URL = new URL(
  "../../workers/lock_pair_worker.ts",
  import.meta.url,
);

// Pause between the runs of the counter race, in milliseconds.
const SETTLE_MS = 100;
// Increments per worker of each method's unreported warm-up run.
const WARMUP_INCREMENTS = 50_000;

/** The knobs of notebook 03, checked by {@linkcode validateRaceParameters}. */
export interface RaceParameters {
  /** Increments each worker makes in the counter race. */
  increments: number;
  /** Increments each worker makes in the counter race's mutex run. */
  mutexIncrements: number;
  /** Times the plain (racy) counter race is repeated. */
  rounds: number;
  /** Increments each worker makes in the read-sleep-write race. */
  sleepyIncrements: number;
  /** Pause between read and write, in milliseconds. */
  sleepMs: number;
  /** Async tasks in the race without threads. */
  tasks: number;
  /** How long a worker waits for a lock before calling it a deadlock, in milliseconds. */
  deadlockTimeoutMs: number;
}

/**
 * Checks the parameters cell of notebook 03.
 *
 * @param parameters The knobs to check.
 * @returns The same parameters, when every one is valid.
 * @throws {RangeError} Naming the first bad value.
 *
 * @example
 * ```ts
 * import { validateRaceParameters } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const good = {
 *   increments: 1000, mutexIncrements: 100, rounds: 3, sleepyIncrements: 5, sleepMs: 1,
 *   tasks: 2, deadlockTimeoutMs: 100,
 * };
 * assert.equal(validateRaceParameters(good), good);
 * assert.throws(
 *   () => validateRaceParameters({ ...good, increments: 0 }),
 *   /'increments' must be a positive integer of at most 1000000000, received 0/,
 * );
 * ```
 */
export function validateRaceParameters(
  parameters: RaceParameters,
): RaceParameters {
  const where = "Invalid parameter";
  const { increments, mutexIncrements, rounds, sleepyIncrements } = parameters;
  assertInteger(where, "increments", increments, { max: 1_000_000_000 });
  assertInteger(where, "mutexIncrements", mutexIncrements, {
    max: 1_000_000_000,
  });
  assertInteger(where, "rounds", rounds, { max: 1000 });
  assertInteger(where, "sleepyIncrements", sleepyIncrements, { max: 10_000 });
  assertMilliseconds(where, "sleepMs", parameters.sleepMs, {
    allowZero: true,
    max: 10_000,
  });
  assertInteger(where, "tasks", parameters.tasks, { max: 10_000 });
  assertInteger(where, "deadlockTimeoutMs", parameters.deadlockTimeoutMs, {
    max: 60_000,
  });
  return parameters;
}

/** Starts `count` race workers and terminates them when disposed. */
function startWorkers(count: number): Worker[] & Disposable {
  const workers = Array.from(
    { length: count },
    () => new Worker(RACE_WORKER, { type: "module" }),
  );
  return Object.assign(workers, {
    [Symbol.dispose]() {
      for (const worker of workers) worker.terminate();
    },
  });
}

/** Runs one job on a race worker: the milliseconds its loop took. */
function call(worker: Worker, job: RaceJob): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }: MessageEvent<RaceReply>) =>
      data.ok ? resolve(data.ms) : reject(new Error(data.message));
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Race worker failed: ${event.message}`));
    };
    worker.postMessage(job);
  });
}

/** How the counter race increments the shared counter. */
export type IncrementMethod = "plain" | "atomic" | "mutex";

/** Options of {@linkcode counterRace}. */
export interface CounterRaceOptions {
  /** Increments each worker makes. */
  increments: number;
  /**
   * Increments each worker makes in the `mutex` run, which pays for a lock
   * on every one and so is much slower.
   * @default {increments}
   */
  mutexIncrements?: number;
  /**
   * The methods to run, in order, each once per round.
   * @default {["plain", "atomic", "mutex"]}
   */
  methods?: readonly IncrementMethod[];
  /**
   * Rounds of the `plain` method (the others run once: they cannot lose).
   * @default {1}
   */
  rounds?: number;
  /**
   * Workers incrementing at once.
   * @default {2}
   */
  workers?: number;
  /**
   * Increments between two start lines: every worker waits for the others
   * before each chunk, so their loops overlap even if one was scheduled late.
   * @default {10_000}
   */
  chunk?: number;
  /**
   * Called after each run with its result, e.g. to tick a progress bar.
   * @default {undefined}
   */
  onRun?: (result: RaceResult) => void;
}

/** One run of the counter race. */
export interface RaceResult {
  /** The method, e.g. `"plain"`. */
  method: string;
  /** What the counter would read if no update were lost. */
  expected: number;
  /** What it read. */
  actual: number;
  /** `expected - actual`. */
  lost: number;
  /**
   * How long the run took, in milliseconds: with workers, the slowest
   * worker's loop from the common start line (worker start-up excluded).
   */
  elapsedMs: number;
}

/**
 * Two (or more) workers increment one counter in shared memory, starting
 * every `chunk` of increments at the same instant (a spinning start line
 * between the workers), and the final value is compared with what it should
 * be. `plain` is `counter[0]++` on an `Int32Array`: read, add and write with
 * no protection; `atomic` uses `Atomics.add`; `mutex` guards `counter[0]++`
 * with a {@linkcode Mutex}. The workers run `workers/race_worker.ts`.
 *
 * @param options Increments per worker, methods, rounds of the plain race, workers.
 * @returns One result per run: the plain rounds first, then the other methods.
 * @throws {RangeError} When `increments`, `mutexIncrements`, `rounds`, `workers` or `chunk` is not a positive integer.
 *
 * @example
 * ```ts
 * import { counterRace } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const [atomic] = await counterRace({ increments: 1000, methods: ["atomic"] });
 * assert.deepEqual([atomic.expected, atomic.actual, atomic.lost], [2000, 2000, 0]);
 * ```
 */
export async function counterRace(
  options: CounterRaceOptions,
): Promise<RaceResult[]> {
  const {
    increments,
    mutexIncrements = increments,
    methods = ["plain", "atomic", "mutex"],
    rounds = 1,
    workers: count = 2,
    chunk = 10_000,
    onRun,
  } = options;
  const where = "Cannot run the counter race";
  assertInteger(where, "increments", increments, { max: 1_000_000_000 });
  assertInteger(where, "mutexIncrements", mutexIncrements, {
    max: 1_000_000_000,
  });
  assertInteger(where, "chunk", chunk, { max: 1_000_000_000 });
  assertInteger(where, "rounds", rounds, { max: 1000 });
  assertInteger(where, "workers", count, { max: 64 });
  const runs = methods.flatMap((method) =>
    method === "plain" ? Array(rounds).fill(method) : [method]
  ) as IncrementMethod[];
  using workers = startWorkers(count);
  async function runOnce(
    method: IncrementMethod,
    perWorker: number,
  ): Promise<RaceResult> {
    const buffer = new SharedArrayBuffer(12);
    const counter = new Int32Array(buffer, 0, 1);
    Mutex.create({ buffer, byteOffset: 4 });
    const replies = workers.map((worker) =>
      call(worker, {
        method,
        buffer,
        counter: 0,
        mutex: 4,
        gate: 8,
        workers: count,
        increments: perWorker,
        chunk,
      })
    );
    const loops = await Promise.all(replies);
    const expected = count * perWorker;
    const actual = Atomics.load(counter, 0);
    return {
      method,
      expected,
      actual,
      lost: expected - actual,
      elapsedMs: Math.max(...loops),
    };
  }
  // Warm-up, not reported: while V8 compiles the loops on background
  // threads, those threads compete with the workers for the cores and the
  // loops may take turns instead of overlapping.
  for (const method of new Set(runs)) {
    await runOnce(method, Math.min(WARMUP_INCREMENTS, increments));
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const results: RaceResult[] = [];
  for (const method of runs) {
    const result = await runOnce(
      method,
      method === "mutex" ? mutexIncrements : increments,
    );
    results.push(result);
    onRun?.(result);
    // A pause before the next run: whatever `onRun` set off (a progress
    // update, the front end drawing it) should not compete for a core with
    // the next run's workers either.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }
  return results;
}

/** One instruction of V8 bytecode. */
export interface BytecodeLine {
  /** Its offset in the function's bytecode. */
  offset: number;
  /** The instruction with its operands, e.g. `"Inc FBV[2]"`. */
  instruction: string;
  /**
   * Its part in a read-modify-write: `"read"` (a value from memory into the
   * accumulator), `"add"`, `"write"` (the accumulator back to memory), or
   * `""` for the set-up around them.
   */
  step: string;
  /** What it does, in words. */
  meaning: string;
}

/**
 * Parses the output of `--print-bytecode` into the instructions of one
 * function, dropping addresses and raw bytes.
 *
 * @param output What V8 printed.
 * @param functionName The function whose bytecode to keep.
 * @returns Its instructions, in order; empty when the function is not there.
 *
 * @example
 * ```ts
 * import { parseBytecode } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const output = [
 *   "[generated bytecode for function: increment (0x1 <SharedFunctionInfo increment>)]",
 *   "         0x2 @    7 : 35 f9 00          GetKeyedProperty r0, FBV[0]",
 *   "         0x4 @   10 : 5b 02             Inc FBV[2]",
 *   "Constant pool (size = 1)",
 * ].join("\n");
 * assert.deepEqual(parseBytecode(output, "increment").map((l) => l.step), ["read", "add"]);
 * ```
 */
export function parseBytecode(
  output: string,
  functionName: string,
): BytecodeLine[] {
  const lines: BytecodeLine[] = [];
  let inside = false;
  for (const line of splitLines(output)) {
    const header = line.match(/^\[generated bytecode for function: (\S+)/);
    if (header) {
      inside = header[1] === functionName;
      continue;
    }
    if (!inside) continue;
    const instruction = line.match(
      /@\s+(\d+)\s*:\s*(?:[0-9a-f]{2}\s)+\s*(.+?)\s*$/,
    );
    if (instruction) {
      const text = instruction[2];
      const [step, meaning] = explain(text.split(/\s/)[0]);
      lines.push({
        offset: Number(instruction[1]),
        instruction: text,
        step,
        meaning,
      });
    } else if (lines.length > 0 && !line.startsWith(" ")) {
      inside = false;
    }
  }
  return lines;
}

// The instructions of a small read-modify-write, in words: [step, meaning].
const EXPLAINED: [RegExp, string, string][] = [
  [
    /^Get(Keyed|Named)Property$/,
    "read",
    "read a property (here an array element) from memory into the accumulator",
  ],
  [
    /^Lda(Current)?ContextSlot|^LdaImmutable(Current)?ContextSlot/,
    "",
    "load a variable of the enclosing scope into the accumulator",
  ],
  [/^LdaGlobal$/, "", "load a global variable into the accumulator"],
  [/^LdaZero$/, "", "load 0 into the accumulator"],
  [/^LdaSmi$/, "", "load a small integer into the accumulator"],
  [/^LdaUndefined$/, "", "load undefined into the accumulator"],
  [/^Ldar$/, "", "load a register into the accumulator"],
  [/^Star\d*$/, "", "copy the accumulator into a register"],
  [/^ThrowReferenceErrorIfHole$/, "", "check the variable is initialised"],
  [/^(Inc|Add|AddSmi)$/, "add", "add to the accumulator"],
  [
    /^Set(Keyed|Named)Property$/,
    "write",
    "write the accumulator to a property (here the array element) in memory",
  ],
  [
    /^Sta(Current)?ContextSlot/,
    "write",
    "write the accumulator to a variable of the enclosing scope",
  ],
  [/^Return$/, "", "return the accumulator"],
];

function explain(name: string): [string, string] {
  const found = EXPLAINED.find(([pattern]) => pattern.test(name));
  return found ? [found[1], found[2]] : ["", ""];
}

/** What {@linkcode printBytecode} returns. */
export interface BytecodeListing {
  /** The V8 flags the program ran with. */
  flags: string;
  /** The function's instructions, in order. */
  lines: BytecodeLine[];
}

/**
 * Runs a JavaScript program in a child `deno` with V8 printing the bytecode
 * of one function (`--print-bytecode --print-bytecode-filter=NAME`), and
 * keeps that function's instructions. V8 compiles a function to bytecode
 * when it first runs, so the program must call it.
 *
 * @param source The program, JavaScript.
 * @param functionName The function whose bytecode to show.
 * @returns The flags used and the function's instructions.
 * @throws {Error} When the child fails or prints no bytecode for the function (as a rejection).
 * @throws {TypeError} When `functionName` is not a plain identifier (as a rejection).
 *
 * @example
 * ```ts
 * import { printBytecode } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const { lines } = await printBytecode(
 *   "const a = new Int32Array(1); function bump() { a[0]++; } bump();",
 *   "bump",
 * );
 * assert.deepEqual(lines.map((l) => l.step).filter((s) => s), ["read", "add", "write"]);
 * ```
 */
export async function printBytecode(
  source: string,
  functionName: string,
): Promise<BytecodeListing> {
  if (!/^[A-Za-z_$][\w$]*$/.test(functionName)) {
    throw new TypeError(
      `Cannot print bytecode: 'functionName' must be an identifier, received ${
        JSON.stringify(functionName)
      }`,
    );
  }
  const flags = `--print-bytecode,--print-bytecode-filter=${functionName}`;
  const file = await Deno.makeTempFile({ suffix: ".js" });
  try {
    await Deno.writeTextFile(file, source);
    const { stdout } = await runCommand(Deno.execPath(), [
      "run",
      "--no-config",
      `--v8-flags=${flags}`,
      file,
    ], {
      what: "Bytecode printer (deno --print-bytecode)",
      env: { NO_COLOR: "1" },
    });
    const lines = parseBytecode(stdout, functionName);
    if (lines.length === 0) {
      throw new Error(
        `Cannot print bytecode: no bytecode for '${functionName}' in the output (is it called?), received none`,
      );
    }
    return { flags, lines };
  } finally {
    await Deno.remove(file);
  }
}
