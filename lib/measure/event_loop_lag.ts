/**
 * Event-loop lag: how late a timer fires while the main thread is kept busy.
 *
 * @module
 */

import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import { busyLoop } from "../workloads/workloads.ts";

/** Options of {@linkcode measureLag} and {@linkcode measureLagDuring}. */
export interface LagOptions {
  /**
   * The ticker's interval, in milliseconds.
   * @default {5}
   */
  tickMs?: number;
  /**
   * Ticks counted before and after the work, so the ticker is steady
   * around it.
   * @default {5}
   */
  quietTicks?: number;
}

/** What a ticker saw while some work ran: {@linkcode measureLagDuring}'s result. */
export interface WorkLagResult {
  /** The ticker's interval, in milliseconds. */
  tickMs: number;
  /** How long the work took, from its start to its end (or its promise settling), in milliseconds. */
  elapsedMs: number;
  /** The longest gap between two ticks, in milliseconds. */
  maxGapMs: number;
  /** The lag: how late the most delayed tick was, `maxGapMs - tickMs`. */
  lagMs: number;
  /** How many ticks fired in all: at least twice `quietTicks`. */
  ticks: number;
  /** How many ticks fired while the work ran. */
  ticksDuring: number;
}

/** One lag measurement of {@linkcode measureLag}. */
export interface LagResult extends WorkLagResult {
  /** How long the main thread was kept busy, in milliseconds. */
  busyMs: number;
}

/**
 * Runs `work` on the main thread while a `setInterval` ticker records when
 * it fires, with `quietTicks` ticks before and after. A tick can only fire
 * when the work gives the event loop a turn, so the longest gap between
 * ticks is the longest stretch the work kept the loop to itself: about the
 * whole run for one long synchronous loop, about one piece for work that
 * yields to the event loop between pieces.
 *
 * @param work The work: a function, synchronous or async, run once.
 * @param options The ticker's interval and its quiet ticks.
 * @returns How long the work took, the longest gap and the ticks.
 * @throws {RangeError} When `tickMs` or `quietTicks` is out of range (as a rejection).
 *
 * @example
 * ```ts
 * import { measureLagDuring } from "./event_loop_lag.ts";
 * import { busyLoop } from "../workloads/workloads.ts";
 * import assert from "node:assert/strict";
 * const result = await measureLagDuring(() => busyLoop(50));
 * assert.equal(result.ticksDuring, 0);
 * assert.ok(result.maxGapMs >= 50);
 * ```
 */
export async function measureLagDuring(
  work: () => unknown,
  options: LagOptions = {},
): Promise<WorkLagResult> {
  const { tickMs = 5, quietTicks = 5 } = options;
  const where = "Cannot measure event-loop lag";
  assertMilliseconds(where, "tickMs", tickMs);
  assertInteger(where, "quietTicks", quietTicks);
  const stamps: number[] = [];
  // Quiet ticks are counted, not timed: on a loaded machine a timer can be
  // late, and the work must still sit between steady ticks.
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
  let started = 0;
  let ended = 0;
  try {
    await ticked(quietTicks);
    started = performance.now();
    await work();
    ended = performance.now();
    await ticked(stamps.length + quietTicks);
  } finally {
    clearInterval(ticker);
  }
  let maxGapMs = 0;
  for (let i = 1; i < stamps.length; i++) {
    maxGapMs = Math.max(maxGapMs, stamps[i] - stamps[i - 1]);
  }
  return {
    tickMs,
    elapsedMs: ended - started,
    maxGapMs,
    lagMs: Math.max(0, maxGapMs - tickMs),
    ticks: stamps.length,
    ticksDuring: stamps.filter((at) => at > started && at < ended).length,
  };
}

/**
 * Measures event-loop lag: {@linkcode measureLagDuring} with
 * `busyLoop(busyMs)` as the work. No tick can fire while the loop spins, so
 * the longest gap between ticks is at least the busy time: expect `maxGapMs`
 * a little over `busyMs` (or about `tickMs` when idle), and `lagMs` within
 * one interval of `busyMs`.
 *
 * @param busyMs How long to spin, a non-negative number of milliseconds.
 * @param options The ticker's interval and its quiet ticks.
 * @returns The longest gap and the lag.
 * @throws {RangeError} When `busyMs`, `tickMs` or `quietTicks` is out of range (as a rejection).
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
  assertMilliseconds("Cannot measure event-loop lag", "busyMs", busyMs, {
    allowZero: true,
  });
  return { busyMs, ...await measureLagDuring(() => busyLoop(busyMs), options) };
}
