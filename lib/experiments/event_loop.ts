/**
 * The event loop, measured: the parameters of notebook 01 and the sweep of
 * event-loop lag over main-thread busy times. The notebook writes the rest
 * (tasks taking turns, awaits of resolved promises, a chunked loop, a
 * spinner beside a Worker) in its cells and times it with
 * `measureLagDuring` from `lib/measure/event_loop_lag.ts`.
 *
 * @module
 */

import {
  type LagOptions,
  type LagResult,
  measureLag,
} from "../measure/event_loop_lag.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";

/** The knobs of the event-loop notebook, checked by {@linkcode validateEventLoopParameters}. */
export interface EventLoopParameters {
  /** How many async tasks interleave, a positive integer up to 26 (named `A` to `Z`). */
  tasks: number;
  /** How many steps (awaits) each task takes, a positive integer. */
  steps: number;
  /** How often the ticker fires, a positive number of milliseconds. */
  tickMs: number;
  /** Busy times to measure lag for, each a non-negative number of milliseconds. */
  busyMs: readonly number[];
  /** Awaits of a resolved promise in a row, a positive integer. */
  awaits: number;
  /** Items the long loop sums, a positive integer. */
  loopItems: number;
  /** Items per chunk of the chunked loop, a positive integer. */
  chunkItems: number;
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
 *   awaits: 1000,
 *   loopItems: 1000,
 *   chunkItems: 100,
 *   workMs: 200,
 *   spinnerTickMs: 20,
 *   lagRepeats: 3,
 * };
 * assert.equal(validateEventLoopParameters(ok), ok);
 * assert.throws(
 *   () => validateEventLoopParameters({ ...ok, tasks: 0 }),
 *   /'tasks' must be a positive integer of at most 26, received 0/,
 * );
 * ```
 */
export function validateEventLoopParameters<T extends EventLoopParameters>(
  parameters: T,
): T {
  const where = "Invalid parameter";
  assertInteger(where, "tasks", parameters.tasks, { max: 26 });
  assertInteger(where, "steps", parameters.steps);
  assertMilliseconds(where, "tickMs", parameters.tickMs);
  checkBusyList(where, parameters.busyMs);
  assertInteger(where, "awaits", parameters.awaits);
  assertInteger(where, "loopItems", parameters.loopItems);
  assertInteger(where, "chunkItems", parameters.chunkItems);
  assertMilliseconds(where, "workMs", parameters.workMs);
  assertMilliseconds(where, "spinnerTickMs", parameters.spinnerTickMs);
  assertInteger(where, "lagRepeats", parameters.lagRepeats);
  return parameters;
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
