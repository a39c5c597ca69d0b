/**
 * The event loop, measured: how async tasks take turns on one thread, how
 * long a CPU-bound loop freezes timers (event-loop lag), and how a ticker
 * keeps ticking when the same work moves to a Worker.
 *
 * @module
 */

import {
  type LagOptions,
  type LagResult,
  measureLag,
} from "../measure/event_loop_lag.ts";
import { TASKS_MODULE } from "../workloads/tasks_module.ts";
import { WorkerPool } from "../pools/worker_pool.ts";
import { busyLoop, sleep } from "../workloads/workloads.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";

/** The knobs of the event-loop notebook, checked by {@linkcode validateEventLoopParameters}. */
export interface EventLoopParameters {
  /** How many async tasks interleave, a positive integer. */
  tasks: number;
  /** How many steps (awaits) each task takes, a positive integer. */
  steps: number;
  /** How often the ticker fires, a positive number of milliseconds. */
  tickMs: number;
  /** Busy times to measure lag for, each a non-negative number of milliseconds. */
  busyMs: readonly number[];
  /** How long the spinner demo's work runs, a positive number of milliseconds. */
  workMs: number;
  /** The spinner's interval, a positive number of milliseconds. */
  spinnerTickMs: number;
  /** Lag measurements per busy time, a positive integer. */
  lagRepeats: number;
}

function checkBusyList(where: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RangeError(
      `${where}: 'busyMs' must be a non-empty list of non-negative milliseconds, received ${
        JSON.stringify(value)
      }`,
    );
  }
  value.forEach((ms, index) =>
    assertMilliseconds(where, `busyMs[${index}]`, ms, { allowZero: true })
  );
}

/**
 * Checks the event-loop notebook's parameters.
 *
 * @param parameters The knobs, as set in the notebook's parameters cell.
 * @returns The same parameters, once checked.
 * @throws {RangeError} Naming the first bad value.
 *
 * @example
 * ```ts
 * import { validateEventLoopParameters } from "./event_loop.ts";
 * import assert from "node:assert/strict";
 * const ok = {
 *   tasks: 3,
 *   steps: 3,
 *   tickMs: 10,
 *   busyMs: [0, 50],
 *   workMs: 200,
 *   spinnerTickMs: 20,
 *   lagRepeats: 3,
 * };
 * assert.equal(validateEventLoopParameters(ok), ok);
 * assert.throws(
 *   () => validateEventLoopParameters({ ...ok, tasks: 0 }),
 *   /'tasks' must be a positive integer, received 0/,
 * );
 * ```
 */
export function validateEventLoopParameters<T extends EventLoopParameters>(
  parameters: T,
): T {
  const where = "Invalid parameter";
  assertInteger(where, "tasks", parameters.tasks);
  assertInteger(where, "steps", parameters.steps);
  assertMilliseconds(where, "tickMs", parameters.tickMs);
  checkBusyList(where, parameters.busyMs);
  assertMilliseconds(where, "workMs", parameters.workMs);
  assertMilliseconds(where, "spinnerTickMs", parameters.spinnerTickMs);
  assertInteger(where, "lagRepeats", parameters.lagRepeats);
  return parameters;
}

/** Options of {@linkcode interleavingOrder}. */
export interface InterleavingOptions {
  /**
   * How many steps each task takes; it awaits between steps.
   * @default {3}
   */
  steps?: number;
  /**
   * How a task yields between steps: `"microtask"` awaits a resolved
   * promise, `"timer"` awaits a 0 ms timer (a trip round the event loop).
   * @default {"timer"}
   */
  yieldWith?: "microtask" | "timer";
}

/** One step of one async task, in the order it ran. */
export interface InterleavingStep {
  /** The task's name: `A`, `B`, `C`, … */
  task: string;
  /** The step within the task, counted from 1. */
  step: number;
  /** When the step ran, in milliseconds since the experiment began. */
  atMs: number;
}

/**
 * Starts `tasks` async tasks at once; each logs a step, awaits, and logs the
 * next. The log shows the tasks taking turns on the one thread: each runs
 * until its `await`, then another gets the thread.
 *
 * @param tasks How many tasks, a positive integer (named `A`, `B`, …).
 * @param options Steps per task and how they yield.
 * @returns Every step, in the order it ran.
 * @throws {RangeError} When `tasks` or `steps` is not a positive integer.
 *
 * @example
 * ```ts
 * import { interleavingOrder } from "./event_loop.ts";
 * import assert from "node:assert/strict";
 * const order = await interleavingOrder(2, { steps: 2, yieldWith: "microtask" });
 * assert.deepEqual(order.map((s) => `${s.task}${s.step}`), ["A1", "B1", "A2", "B2"]);
 * ```
 */
export async function interleavingOrder(
  tasks: number,
  options: InterleavingOptions = {},
): Promise<InterleavingStep[]> {
  const { steps = 3, yieldWith = "timer" } = options;
  const where = "Cannot interleave tasks";
  assertInteger(where, "tasks", tasks, { max: 26 });
  assertInteger(where, "steps", steps);
  const log: InterleavingStep[] = [];
  await sleep(0); // The first timer of a program can be slow to set up.
  const started = performance.now();
  const pause = yieldWith === "timer"
    ? () => sleep(0)
    : () => Promise.resolve();
  const one = async (name: string) => {
    for (let step = 1; step <= steps; step++) {
      log.push({ task: name, step, atMs: performance.now() - started });
      if (step < steps) await pause();
    }
  };
  await Promise.all(
    Array.from({ length: tasks }, (_, i) => one(String.fromCharCode(65 + i))),
  );
  return log;
}

/** Options of {@linkcode lagSweep}. */
export interface LagSweepOptions extends LagOptions {
  /**
   * Measurements per busy time; the one with the median gap is kept, so a
   * single stray pause of the machine does not show as lag.
   * @default {3}
   */
  repeats?: number;
  /**
   * Called after each busy time is measured (for a progress bar).
   * @default {undefined}
   */
  onResult?: (result: LagResult) => void;
}

/**
 * Runs {@linkcode measureLag} for each busy time, one after another, after
 * one discarded warm-up measurement, keeping the median of `repeats` runs.
 *
 * @param busyList Busy times, each a non-negative number of milliseconds.
 * @param options As for {@linkcode measureLag}, plus repeats and a callback.
 * @returns One result per busy time, in order.
 * @throws {RangeError} When `busyList` is empty or holds a bad value, or
 *   `repeats` is not a positive integer.
 *
 * @example
 * ```ts
 * import { lagSweep } from "./event_loop.ts";
 * import assert from "node:assert/strict";
 * const sweep = await lagSweep([0, 40]);
 * assert.equal(sweep.length, 2);
 * assert.ok(sweep[1].maxGapMs > sweep[0].maxGapMs);
 * ```
 */
export async function lagSweep(
  busyList: readonly number[],
  options: LagSweepOptions = {},
): Promise<LagResult[]> {
  const { repeats = 3, onResult, ...lagOptions } = options;
  const where = "Cannot sweep event-loop lag";
  checkBusyList(where, busyList);
  assertInteger(where, "repeats", repeats);
  await measureLag(0, lagOptions);
  const results: LagResult[] = [];
  for (const busyMs of busyList) {
    const runs: LagResult[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(await measureLag(busyMs, lagOptions));
    }
    runs.sort((a, b) => a.maxGapMs - b.maxGapMs);
    const result = runs[Math.floor((runs.length - 1) / 2)];
    results.push(result);
    onResult?.(result);
  }
  return results;
}

/** Options of {@linkcode spinnerDemo}. */
export interface SpinnerOptions {
  /**
   * The spinner's interval, in milliseconds.
   * @default {20}
   */
  tickMs?: number;
}

/** How a spinner fared while one piece of work ran. */
export interface SpinnerResult {
  /** Where the work ran. */
  where: "main thread" | "worker";
  /** How long the work took, as seen from the main thread, in milliseconds. */
  elapsedMs: number;
  /** Ticks the spinner managed while the work ran. */
  ticks: number;
  /** Ticks a free event loop would have managed: `elapsedMs / tickMs`. */
  expectedTicks: number;
  /** The spinner's frames as drawn, e.g. `|/-\|`. */
  frames: string;
}

const FRAMES = "|/-\\";

async function withSpinner(
  where: SpinnerResult["where"],
  tickMs: number,
  work: () => Promise<unknown>,
): Promise<SpinnerResult> {
  let ticks = 0;
  let frames = "";
  const spinner = setInterval(() => {
    frames += FRAMES[ticks % FRAMES.length];
    ticks++;
  }, tickMs);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(spinner);
  }
  const elapsedMs = performance.now() - started;
  return {
    where,
    elapsedMs,
    ticks,
    expectedTicks: Math.floor(elapsedMs / tickMs),
    frames,
  };
}

/**
 * The responsiveness demo: a spinner (a `setInterval` ticker) counts its
 * ticks while `busyLoop(workMs)` runs, first on the main thread, then on a
 * Worker of a one-worker {@linkcode WorkerPool}. On the main thread the
 * spinner is frozen until the work ends; with the work on a Worker, the event
 * loop is free and the spinner ticks throughout. The worker is started before
 * the clock starts, so its start-up is not counted.
 *
 * @param workMs How long the work spins, a positive number of milliseconds.
 * @param options The spinner's interval.
 * @returns Two results: main thread, then worker.
 * @throws {RangeError} When `workMs` or `tickMs` is not a positive number.
 *
 * @example
 * ```ts
 * import { spinnerDemo } from "./event_loop.ts";
 * import assert from "node:assert/strict";
 * const [main, worker] = await spinnerDemo(200, { tickMs: 20 });
 * assert.equal(main.ticks, 0);
 * assert.ok(worker.ticks >= 1);
 * ```
 */
export async function spinnerDemo(
  workMs: number,
  options: SpinnerOptions = {},
): Promise<SpinnerResult[]> {
  const { tickMs = 20 } = options;
  const where = "Cannot run the spinner demo";
  assertMilliseconds(where, "workMs", workMs);
  assertMilliseconds(where, "tickMs", tickMs);
  const onMain = await withSpinner("main thread", tickMs, () => {
    busyLoop(workMs);
    return Promise.resolve();
  });
  await using pool = new WorkerPool(TASKS_MODULE, {
    size: 1,
    idleTimeoutMs: Infinity,
  });
  await pool.run("noop");
  const onWorker = await withSpinner(
    "worker",
    tickMs,
    () => pool.run("busyLoop", workMs),
  );
  return [onMain, onWorker];
}
