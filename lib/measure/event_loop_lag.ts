/**
 * Event-loop lag: how late a timer fires while the main thread is kept busy.
 *
 * @module
 */

import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import { busyLoop } from "../workloads/workloads.ts";

/** Options of {@linkcode measureLag}. */
export interface LagOptions {
  /**
   * The ticker's interval, in milliseconds.
   * @default {5}
   */
  tickMs?: number;
  /**
   * Ticks counted before and after the busy loop, so the ticker is steady
   * around it.
   * @default {5}
   */
  quietTicks?: number;
}

/** One lag measurement. */
export interface LagResult {
  /** How long the main thread was kept busy, in milliseconds. */
  busyMs: number;
  /** The ticker's interval, in milliseconds. */
  tickMs: number;
  /** The longest gap between two ticks, in milliseconds. */
  maxGapMs: number;
  /** The lag: how late the most delayed tick was, `maxGapMs - tickMs`. */
  lagMs: number;
  /** How many ticks fired in all: at least twice `quietTicks`. */
  ticks: number;
}

/**
 * Measures event-loop lag: a `setInterval` ticker records when it fires; in
 * the middle, a timer callback runs `busyLoop(busyMs)` on the main thread.
 * No tick can fire while the loop spins, so the longest gap between ticks
 * is at least the busy time: expect `maxGapMs` a little over `busyMs` (or
 * about `tickMs` when idle), and `lagMs` within one interval of `busyMs`.
 *
 * @param busyMs How long to spin, a non-negative number of milliseconds.
 * @param options The ticker's interval and its quiet ticks.
 * @returns The longest gap and the lag.
 * @throws {RangeError} When `busyMs` or `tickMs` is out of range.
 *
 * @example
 * ```ts
 * import { measureLag } from "./event_loop_lag.ts";
 * import assert from "node:assert/strict";
 * const lag = await measureLag(60, { tickMs: 5 });
 * assert.ok(lag.maxGapMs >= 55);
 * ```
 */
export async function measureLag(
  busyMs: number,
  options: LagOptions = {},
): Promise<LagResult> {
  const { tickMs = 5, quietTicks = 5 } = options;
  const where = "Cannot measure event-loop lag";
  assertMilliseconds(where, "busyMs", busyMs, { allowZero: true });
  assertMilliseconds(where, "tickMs", tickMs);
  assertInteger(where, "quietTicks", quietTicks);
  const stamps: number[] = [];
  // Quiet ticks are counted, not timed: on a loaded machine a timer can be
  // late, and the busy loop must still sit between steady ticks.
  let waiting: { ticks: number; resolve: () => void } | undefined;
  const ticked = (ticks: number) =>
    new Promise<void>((resolve) => (waiting = { ticks, resolve }));
  const ticker = setInterval(() => {
    stamps.push(performance.now());
    if (waiting !== undefined && stamps.length >= waiting.ticks) {
      waiting.resolve();
      waiting = undefined;
    }
  }, tickMs);
  try {
    await ticked(quietTicks);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        busyLoop(busyMs);
        resolve();
      }, 0)
    );
    await ticked(stamps.length + quietTicks);
  } finally {
    clearInterval(ticker);
  }
  let maxGapMs = 0;
  for (let i = 1; i < stamps.length; i++) {
    maxGapMs = Math.max(maxGapMs, stamps[i] - stamps[i - 1]);
  }
  return {
    busyMs,
    tickMs,
    maxGapMs,
    lagMs: Math.max(0, maxGapMs - tickMs),
    ticks: stamps.length,
  };
}
