/**
 * Quick mode: one switch, read from the environment, that shrinks every
 * workload of the course so the tests and `deno task bench --quick` finish fast.
 *
 * Every notebook loads this module in its first cells, so it also loads
 * `_jupyter.ts`, which in the Deno kernel makes each cell end only once its
 * output is published (a front end's Run All then files every output under
 * the cell that made it).
 *
 * @module
 */

import "./_jupyter.ts";

/** The environment variable that turns quick mode on when set to `1`. */
export const QUICK_MODE_VARIABLE = "COURSE_QUICK";

/**
 * Whether quick mode is on: `COURSE_QUICK=1` in the environment.
 *
 * Without permission to read the environment, quick mode is off.
 *
 * @returns `true` when workloads should shrink to test size.
 *
 * @example
 * ```ts
 * import { isQuickMode } from "./quick_mode.ts";
 * import assert from "node:assert/strict";
 * assert.equal(typeof isQuickMode(), "boolean");
 * ```
 */
export function isQuickMode(): boolean {
  try {
    return Deno.env.get(QUICK_MODE_VARIABLE) === "1";
  } catch {
    return false;
  }
}

/**
 * Picks the full-size value, or the quick-mode value when quick mode is on.
 *
 * @param full The value used in a normal run.
 * @param quick The value used in quick mode.
 * @returns `quick` in quick mode, otherwise `full`.
 *
 * @example
 * ```ts
 * import { sized } from "./quick_mode.ts";
 * import assert from "node:assert/strict";
 * const n = sized(1_000_000, 10_000);
 * assert.ok(n === 1_000_000 || n === 10_000);
 * ```
 */
export function sized<T>(full: T, quick: T): T {
  return isQuickMode() ? quick : full;
}

/**
 * The sentence {@linkcode quickModeNote} prints: in quick mode the workloads
 * are too small to measure, so a speedup or a time from them says nothing
 * about the machine.
 *
 * @example
 * ```ts
 * import { QUICK_MODE_NOTE } from "./quick_mode.ts";
 * import assert from "node:assert/strict";
 * assert.match(QUICK_MODE_NOTE, /not meaningful/);
 * ```
 */
export const QUICK_MODE_NOTE =
  "Quick mode (COURSE_QUICK=1): the workloads are shrunk to test size, too small to measure, so these numbers are not meaningful; run without quick mode to measure.";

/**
 * Prints {@linkcode QUICK_MODE_NOTE} when quick mode is on, and nothing
 * otherwise. Call it beside every measured result a notebook shows (a
 * table, a chart, a sentence with a number), so nobody takes a test-sized
 * figure at face value.
 *
 * @example
 * ```ts
 * import { isQuickMode, QUICK_MODE_NOTE, quickModeNote } from "./quick_mode.ts";
 * import assert from "node:assert/strict";
 * const printed: string[] = [];
 * const log = console.log;
 * console.log = (line: string) => printed.push(line);
 * quickModeNote();
 * console.log = log;
 * assert.deepEqual(printed, isQuickMode() ? [QUICK_MODE_NOTE] : []);
 * ```
 */
export function quickModeNote(): void {
  if (isQuickMode()) console.log(QUICK_MODE_NOTE);
}
