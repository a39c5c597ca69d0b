/**
 * The experiments of notebook 03, races and locks: lost updates on shared
 * memory and their fixes (`Atomics`, a mutex), a read-sleep-write critical
 * section, a race between async tasks on one thread, a deadlock caught by a
 * timeout, and the V8 bytecode of `counter++`.
 *
 * Workers run `workers/race_worker.ts`; each experiment starts its own and
 * terminates them before returning, so rerunning a cell leaks nothing.
 *
 * @module
 */

import { AsyncLock } from "../sync/async_lock.ts";
import { splitLines } from "../util/lines.ts";
import { runCommand } from "../util/run_command.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import { Barrier } from "../sync/barrier.ts";
import { Mutex } from "../sync/mutex.ts";
import { SharedCounter } from "../sync/shared_counter.ts";
import type { RaceJob } from "../../workers/race_worker.ts";

const RACE_WORKER = new URL("../../workers/race_worker.ts", import.meta.url);
const INCREMENT_MODULE = new URL(
  "../../workers/counter_increment.ts",
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

interface Reply {
  ok: boolean;
  value?: number;
  name?: string;
  message?: string;
  elapsedMs?: number;
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

function call(worker: Worker, job: RaceJob): Promise<Reply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<Reply>) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Race worker failed: ${event.message}`));
    };
    worker.postMessage(job);
  });
}

function unwrap(reply: Reply): number {
  if (!reply.ok) throw new Error(`${reply.name}: ${reply.message}`);
  return reply.value ?? 0;
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
 * every `chunk` of increments at the same instant (a spinning barrier
 * between the workers), and the final value is
 * compared with what it should be. `plain` reads, adds and writes with no
 * protection; `atomic` uses `Atomics.add`; `mutex` guards the plain
 * increment with a {@linkcode Mutex}.
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
    const counter = SharedCounter.create({ buffer, byteOffset: 0 });
    Mutex.create({ buffer, byteOffset: 4 });
    const replies = workers.map((worker) =>
      call(worker, {
        job: "increment",
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
    const loops = (await Promise.all(replies)).map(unwrap);
    const expected = count * perWorker;
    return {
      method,
      expected,
      actual: counter.value,
      lost: expected - counter.value,
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

/** Options of {@linkcode readSleepWriteRace}. */
export interface ReadSleepWriteOptions {
  /** Increments each worker makes. */
  increments: number;
  /** Pause between reading and writing the counter, in milliseconds. */
  sleepMs: number;
  /** Whether a mutex is held from the read to the write. */
  locked: boolean;
  /**
   * Workers at once.
   * @default {2}
   */
  workers?: number;
}

/**
 * A critical section stretched out: the workers pass a common start line,
 * then each reads the shared counter,
 * `await`s a sleep, then writes what it read plus one. Without a lock the
 * other worker's writes during the sleep are overwritten; with a
 * {@linkcode Mutex} held across the sleep none is lost, at the price of
 * the workers taking turns.
 *
 * @param options Increments per worker, the sleep, whether to lock, workers.
 * @returns The method (`"read-sleep-write"` or `"read-sleep-write + mutex"`), expected and actual counts, and the total time.
 * @throws {RangeError} When a count is not a positive integer or `sleepMs` is negative.
 *
 * @example
 * ```ts
 * import { readSleepWriteRace } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const result = await readSleepWriteRace({ increments: 3, sleepMs: 1, locked: true });
 * assert.equal(result.actual, 6);
 * ```
 */
export async function readSleepWriteRace(
  options: ReadSleepWriteOptions,
): Promise<RaceResult> {
  const { increments, sleepMs, locked, workers: count = 2 } = options;
  const where = "Cannot run the read-sleep-write race";
  assertInteger(where, "increments", increments, { max: 1_000_000 });
  assertMilliseconds(where, "sleepMs", sleepMs, {
    allowZero: true,
    max: 10_000,
  });
  assertInteger(where, "workers", count, { max: 64 });
  using workers = startWorkers(count);
  const buffer = new SharedArrayBuffer(12);
  const counter = SharedCounter.create({ buffer, byteOffset: 0 });
  Mutex.create({ buffer, byteOffset: 4 });
  const replies = await Promise.all(workers.map((worker) =>
    call(worker, {
      job: "readSleepWrite",
      locked,
      buffer,
      counter: 0,
      mutex: 4,
      gate: 8,
      workers: count,
      increments,
      sleepMs,
    })
  ));
  const elapsedMs = Math.max(...replies.map(unwrap));
  const expected = count * increments;
  return {
    method: locked ? "read-sleep-write + mutex" : "read-sleep-write",
    expected,
    actual: counter.value,
    lost: expected - counter.value,
    elapsedMs,
  };
}

/** Options of {@linkcode asyncRace}. */
export interface AsyncRaceOptions {
  /** Async tasks running at once. */
  tasks: number;
  /** Increments each task makes. */
  increments: number;
  /**
   * Pause between read and write, in milliseconds; 0 still yields to the
   * event loop once.
   * @default {0}
   */
  sleepMs?: number;
  /** Whether an {@linkcode AsyncLock} is held from the read to the write. */
  locked: boolean;
}

/**
 * A race with no threads at all: `tasks` async functions on the one event
 * loop each read a plain variable, `await` (a timer), and write back what
 * they read plus one. Every `await` is a point where another task runs, so
 * the read and the write are not one step.
 *
 * @param options Tasks, increments per task, the pause, whether to lock.
 * @returns The method (`"async tasks"` or `"async tasks + lock"`), expected and actual counts, and the time taken.
 * @throws {RangeError} When a count is not a positive integer or `sleepMs` is negative.
 *
 * @example
 * ```ts
 * import { asyncRace } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const racy = await asyncRace({ tasks: 2, increments: 5, locked: false });
 * assert.equal(racy.actual, 5);
 * const safe = await asyncRace({ tasks: 2, increments: 5, locked: true });
 * assert.equal(safe.actual, 10);
 * ```
 */
export async function asyncRace(
  options: AsyncRaceOptions,
): Promise<RaceResult> {
  const { tasks, increments, sleepMs = 0, locked } = options;
  const where = "Cannot run the async race";
  assertInteger(where, "tasks", tasks, { max: 10_000 });
  assertInteger(where, "increments", increments, { max: 1_000_000 });
  assertMilliseconds(where, "sleepMs", sleepMs, {
    allowZero: true,
    max: 10_000,
  });
  let counter = 0;
  const lock = new AsyncLock();
  const started = performance.now();
  async function task(): Promise<void> {
    for (let i = 0; i < increments; i++) {
      const release = locked ? await lock.acquire() : () => {};
      try {
        const seen = counter;
        await new Promise((resolve) => setTimeout(resolve, sleepMs));
        counter = seen + 1;
      } finally {
        release();
      }
    }
  }
  await Promise.all(Array.from({ length: tasks }, task));
  const expected = tasks * increments;
  return {
    method: locked ? "async tasks + lock" : "async tasks",
    expected,
    actual: counter,
    lost: expected - counter,
    elapsedMs: performance.now() - started,
  };
}

/** Options of {@linkcode deadlock}. */
export interface DeadlockOptions {
  /** How long each worker waits for its second lock, in milliseconds. */
  timeoutMs: number;
  /**
   * `"opposite"`: worker A takes lock 1 then 2, worker B lock 2 then 1
   * (a deadlock); `"same"`: both take 1 then 2 (none).
   */
  order: "opposite" | "same";
  /**
   * How long each worker holds its first lock before asking for the second, in milliseconds.
   * @default {10}
   */
  holdMs?: number;
}

/** What one worker of {@linkcode deadlock} got. */
export interface DeadlockOutcome {
  /** `"A"` or `"B"`. */
  worker: string;
  /** The locks in the order it took them, e.g. `"1 then 2"`. */
  order: string;
  /** `"got both"`, or the error's name, e.g. `"DeadlockError"`. */
  outcome: string;
  /** The error's message, or `""`. */
  message: string;
  /** From its first request to success or giving up, in milliseconds. */
  elapsedMs: number;
}

/**
 * Two workers each take two mutexes. In opposite order, each ends up holding
 * the lock the other waits for (a barrier makes sure both hold their first
 * before either asks for its second), so neither can go on: both give up
 * after `timeoutMs` with a `DeadlockError` (and neither lets go of its
 * first lock until both have given up, so one timeout cannot rescue the
 * other). In the same order, one waits briefly and both succeed.
 *
 * @param options The timeout, the lock order, the hold time.
 * @returns One outcome per worker.
 * @throws {RangeError} When `timeoutMs` is not a positive integer or `holdMs` is negative.
 *
 * @example
 * ```ts
 * import { deadlock } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const outcomes = await deadlock({ timeoutMs: 100, order: "opposite" });
 * assert.ok(outcomes.every((o) => o.outcome === "DeadlockError"));
 * ```
 */
export async function deadlock(
  options: DeadlockOptions,
): Promise<DeadlockOutcome[]> {
  const { timeoutMs, order, holdMs = 10 } = options;
  const where = "Cannot run the deadlock";
  assertInteger(where, "timeoutMs", timeoutMs, { max: 60_000 });
  assertMilliseconds(where, "holdMs", holdMs, { allowZero: true, max: 10_000 });
  if (order !== "opposite" && order !== "same") {
    throw new RangeError(
      `${where}: 'order' must be "opposite" or "same", received ${
        String(order)
      }`,
    );
  }
  const buffer = new SharedArrayBuffer(8 + Barrier.byteLength);
  Mutex.create({ buffer, byteOffset: 0 });
  Mutex.create({ buffer, byteOffset: 4 });
  // In the same order the second worker must not wait at the barrier for
  // the first, which it cannot reach while the first holds lock 1.
  Barrier.create(order === "opposite" ? 2 : 1, { buffer, byteOffset: 8 });
  const plans = order === "opposite"
    ? [{ worker: "A", first: 0, second: 4 }, {
      worker: "B",
      first: 4,
      second: 0,
    }]
    : [{ worker: "A", first: 0, second: 4 }, {
      worker: "B",
      first: 0,
      second: 4,
    }];
  using workers = startWorkers(2);
  const replies = await Promise.all(plans.map((plan, i) =>
    call(workers[i], {
      job: "lockPair",
      buffer,
      first: plan.first,
      second: plan.second,
      barrier: 8,
      holdMs,
      timeoutMs,
    })
  ));
  return replies.map((reply, i) => ({
    worker: plans[i].worker,
    order: `${plans[i].first / 4 + 1} then ${plans[i].second / 4 + 1}`,
    outcome: reply.ok ? "got both" : reply.name ?? "Error",
    message: reply.ok ? "" : reply.message ?? "",
    elapsedMs: reply.ok ? reply.value ?? 0 : reply.elapsedMs ?? 0,
  }));
}

/** One instruction of V8 bytecode. */
export interface BytecodeLine {
  /** Its offset in the function's bytecode. */
  offset: number;
  /** The instruction with its operands, e.g. `"Inc [0]"`. */
  instruction: string;
  /** Its part in `counter++`: `"load"`, `"add"`, `"store"` or `""`. */
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
 *   "         0x2 @    0 : 17 03             LdaCurrentContextSlotNoCell [3]",
 *   "         0x4 @    4 : 5b 00             Inc FBV[0]",
 *   "Constant pool (size = 1)",
 * ].join("\n");
 * assert.deepEqual(parseBytecode(output, "increment").map((l) => l.step), ["load", "add"]);
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
      lines.push({
        offset: Number(instruction[1]),
        instruction: text,
        step: stepOf(text),
        meaning: meaningOf(text),
      });
    } else if (lines.length > 0 && !line.startsWith(" ")) {
      inside = false;
    }
  }
  return lines;
}

function meaningOf(instruction: string): string {
  const name = instruction.split(/\s/)[0];
  if (name.startsWith("Lda")) return "load a value into the accumulator";
  if (name === "Ldar") return "load a register into the accumulator";
  if (name === "Star" || /^Star\d/.test(name)) {
    return "store the accumulator in a register";
  }
  if (name.startsWith("Sta")) return "store the accumulator back";
  if (name === "Inc") return "add one to the accumulator";
  if (name === "ThrowReferenceErrorIfHole") {
    return "check the `let` is initialised";
  }
  if (name === "Return") return "return the accumulator";
  return "";
}

function stepOf(instruction: string): string {
  const name = instruction.split(/\s/)[0];
  if (/^Lda|^Ldar|^GetNamedProperty|^GetKeyedProperty/.test(name)) {
    return "load";
  }
  if (/^(Inc|Add|AddSmi|Dec|Sub|SubSmi)$/.test(name)) return "add";
  if (/^Sta|^Star|^SetNamedProperty|^SetKeyedProperty/.test(name)) {
    return "store";
  }
  return "";
}

/**
 * Runs `workers/counter_increment.ts` in a child `deno` with V8 printing
 * the bytecode of its `increment` function, whose body is `counter++`.
 *
 * @returns The function's instructions, and the V8 flags used.
 * @throws {Error} When the child fails or prints no bytecode for `increment`.
 *
 * @example
 * ```ts
 * import { counterBytecode } from "./races_and_locks.ts";
 * import assert from "node:assert/strict";
 * const { lines } = await counterBytecode();
 * assert.deepEqual(
 *   lines.map((l) => l.step).filter((s) => s !== "").slice(0, 3),
 *   ["load", "add", "store"],
 * );
 * ```
 */
export async function counterBytecode(): Promise<
  { flags: string; lines: BytecodeLine[] }
> {
  const flags = "--print-bytecode,--print-bytecode-filter=increment";
  const { stdout } = await runCommand(Deno.execPath(), [
    "run",
    "--no-config",
    `--v8-flags=${flags}`,
    INCREMENT_MODULE.href,
  ], {
    what: "Bytecode printer (deno --print-bytecode)",
    env: { NO_COLOR: "1" },
  });
  const lines = parseBytecode(stdout, "increment");
  if (lines.length === 0) {
    throw new Error(
      "Cannot print bytecode: no bytecode for 'increment' in the output, received none",
    );
  }
  return { flags, lines };
}
