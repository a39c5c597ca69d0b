/**
 * Notebook 02, workers, the basics: its parameters, the worker module it
 * starts, the seeded item lengths of its queue, and the charts of who
 * handled which item. The notebook writes the workers' life (create, post,
 * receive, join, terminate, errors) and the queue drain in its own cells.
 *
 * @module
 */

import type { Figure } from "../display/plot.ts";
import { lineChart } from "../display/plot.ts";
import { assertInteger, assertMilliseconds } from "../util/validate.ts";
import { seededRandom } from "../workloads/workloads.ts";

export type {
  QueueWorkerReply,
  QueueWorkerRequest,
} from "../../workers/queue_worker.ts";

/**
 * The URL of `workers/queue_worker.ts`, the worker notebook 02 starts (a
 * notebook cell has no `import.meta` to resolve it with).
 *
 * @example
 * ```ts
 * import { QUEUE_WORKER } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * assert.match(await Deno.readTextFile(QUEUE_WORKER), /speaks first/);
 * ```
 */
export const QUEUE_WORKER: URL = new URL(
  "../../workers/queue_worker.ts",
  import.meta.url,
);

/** The knobs of the workers notebook, checked by {@linkcode validateWorkersParameters}. */
export interface WorkersParameters {
  /** Workers draining the queue, a positive integer. */
  workers: number;
  /** Items in the queue, a positive integer. */
  items: number;
  /** Mean time one item takes, a positive number of milliseconds. */
  itemMs: number;
  /** Seed of the item lengths, an integer. */
  seed: number;
  /** The job handed to one worker and joined, a positive number of milliseconds. */
  jobMs: number;
}

/**
 * Checks the workers notebook's parameters.
 *
 * @param parameters The knobs, as set in the notebook's parameters cell.
 * @returns The same parameters, once checked.
 * @throws {RangeError} Naming the first bad value.
 *
 * @example
 * ```ts
 * import { validateWorkersParameters } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const ok = { workers: 5, items: 10, itemMs: 100, seed: 1, jobMs: 50 };
 * assert.equal(validateWorkersParameters(ok), ok);
 * assert.throws(
 *   () => validateWorkersParameters({ ...ok, workers: 0 }),
 *   /'workers' must be a positive integer, received 0/,
 * );
 * ```
 */
export function validateWorkersParameters<T extends WorkersParameters>(
  parameters: T,
): T {
  const where = "Invalid parameter";
  assertInteger(where, "workers", parameters.workers);
  assertInteger(where, "items", parameters.items);
  assertMilliseconds(where, "itemMs", parameters.itemMs);
  assertInteger(where, "seed", parameters.seed, {
    min: Number.MIN_SAFE_INTEGER,
  });
  assertMilliseconds(where, "jobMs", parameters.jobMs);
  return parameters;
}

/**
 * The planned length of each item: seeded, between half and one and a half
 * times `itemMs`.
 *
 * @param items How many items.
 * @param itemMs The mean length, in milliseconds.
 * @param seed The seed.
 * @returns One length per item, rounded to whole milliseconds.
 *
 * @example
 * ```ts
 * import { plannedItemMs } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const ms = plannedItemMs(10, 100, 1);
 * assert.deepEqual(ms, plannedItemMs(10, 100, 1));
 * assert.ok(ms.every((one) => one >= 50 && one <= 150));
 * ```
 */
export function plannedItemMs(
  items: number,
  itemMs: number,
  seed: number,
): number[] {
  const random = seededRandom(seed);
  return Array.from(
    { length: items },
    () => Math.round(itemMs * (0.5 + random())),
  );
}

/** Who handled one item of a queue, and when, in milliseconds since the drain began. */
export interface ItemRecord {
  /** The item, counted from 0 in queue order. */
  item: number;
  /** The worker that handled it, counted from 1. */
  worker: number;
  /** How long the item was meant to take. */
  plannedMs: number;
  /** When the main thread handed it to the worker. */
  startMs: number;
  /** When the main thread heard it was done. */
  endMs: number;
}

/**
 * How many items each worker handled.
 *
 * @param records One record per item.
 * @param workers How many workers took part.
 * @returns Counts, index 0 for worker 1.
 *
 * @example
 * ```ts
 * import { itemsPerWorker } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const records = [1, 2, 1].map((worker, item) =>
 *   ({ item, worker, plannedMs: 1, startMs: 0, endMs: 1 })
 * );
 * assert.deepEqual(itemsPerWorker(records, 2), [2, 1]);
 * ```
 */
export function itemsPerWorker(
  records: readonly ItemRecord[],
  workers: number,
): number[] {
  const counts = new Array<number>(workers).fill(0);
  for (const record of records) counts[record.worker - 1]++;
  return counts;
}

/**
 * A timeline of a queue drain: one row per worker, one thick segment per
 * item from hand-out to completion, labelled with the item number.
 *
 * @param records One record per item.
 * @param caption What to notice.
 * @returns A plotly figure, for {@linkcode showFigure}.
 *
 * @example
 * ```ts
 * import { timelineFigure } from "./workers_basics.ts";
 * import assert from "node:assert/strict";
 * const records = [{ item: 0, worker: 1, plannedMs: 5, startMs: 0, endMs: 5 }];
 * assert.equal(timelineFigure(records, "One item.").data.length, 1);
 * ```
 */
export function timelineFigure(
  records: readonly ItemRecord[],
  caption: string,
): Figure {
  const sorted = [...records].sort((a, b) => a.item - b.item);
  const figure = lineChart(
    sorted.map((r) => ({
      name: `item ${r.item}`,
      x: [+r.startMs.toFixed(1), +r.endMs.toFixed(1)],
      y: [r.worker, r.worker],
    })),
    {
      title: "Who handled which item, and when",
      xTitle: "time since the drain began (ms)",
      yTitle: "worker (number)",
      caption,
    },
  );
  for (const trace of figure.data) {
    trace.mode = "lines+text";
    trace.line = { width: 14 };
    trace.text = [trace.name.replace("item ", ""), ""];
    trace.textposition = "top right";
    trace.hoverinfo = "name+x";
  }
  figure.layout.yaxis = {
    ...(figure.layout.yaxis as Record<string, unknown>),
    dtick: 1,
    rangemode: "normal",
  };
  figure.layout.showlegend = false;
  return figure;
}
