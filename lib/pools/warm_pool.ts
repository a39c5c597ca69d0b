/**
 * Worker pools that stay warm across notebook cells.
 *
 * In the Jupyter kernel every `new Worker` costs about a second (the kernel
 * runs a REPL session, and there a new worker stalls about 500 ms before its
 * code runs and again before its first message; under `deno run` it takes
 * about 15 ms). An experiment that starts a fresh pool pays that on every
 * rerun. {@linkcode borrowWorkerPool} keeps one pool per task module and size
 * for the life of the kernel, so a notebook waits for a spawn once; outside a
 * kernel it hands out a fresh pool that closes when the borrow ends, so
 * scripts and tests leave nothing running.
 *
 * Experiments that measure start-up or crash workers on purpose keep using
 * their own pools.
 *
 * @module
 */

import { jupyterKernel } from "../display/_jupyter.ts";
import { WorkerPool } from "./worker_pool.ts";

/** A pool lent out by {@linkcode borrowWorkerPool}; end the borrow with `await using`. */
export interface BorrowedPool extends AsyncDisposable {
  /** The pool. Do not close it: ending the borrow does what is right. */
  readonly pool: WorkerPool;
}

/** Options of {@linkcode borrowWorkerPool}. */
export interface BorrowOptions {
  /**
   * Keep the pool warm for later borrows instead of closing it.
   * @default {true inside the Jupyter kernel, false elsewhere}
   */
  keepWarm?: boolean;
}

const warmPools = new Map<string, WorkerPool>();

/**
 * Lends a pool of `size` workers running `module`: a warm one kept from an
 * earlier borrow when `keepWarm` (the default inside the Jupyter kernel), a
 * fresh one that closes when the borrow ends otherwise. Warm pools never
 * reap idle workers; {@linkcode closeWarmPools} closes them.
 *
 * @param module The task module, as an absolute URL.
 * @param size Workers in the pool, a positive integer.
 * @param options Whether to keep the pool warm.
 * @returns The borrowed pool; dispose of it with `await using`.
 * @throws {TypeError} When `module` is not a URL.
 * @throws {RangeError} When `size` is not a positive integer.
 *
 * @example
 * ```ts
 * import { borrowWorkerPool, closeWarmPools } from "./warm_pool.ts";
 * import assert from "node:assert/strict";
 * const tasks = new URL("../../workers/tasks.ts", import.meta.url);
 * {
 *   await using first = borrowWorkerPool(tasks, 1, { keepWarm: true });
 *   assert.equal(await first.pool.run("echo", 1), 1);
 * }
 * await using again = borrowWorkerPool(tasks, 1, { keepWarm: true });
 * assert.equal(again.pool.stats().completed, 1); // the same, warm pool
 * await closeWarmPools();
 * ```
 */
export function borrowWorkerPool(
  module: URL,
  size: number,
  options: BorrowOptions = {},
): BorrowedPool {
  const { keepWarm = jupyterKernel() !== undefined } = options;
  if (!keepWarm) {
    const pool = new WorkerPool(module, { size, idleTimeoutMs: Infinity });
    return { pool, [Symbol.asyncDispose]: () => pool.close() };
  }
  const key = `${size} ${module.href}`;
  let pool = warmPools.get(key);
  if (pool === undefined) {
    pool = new WorkerPool(module, { size, idleTimeoutMs: Infinity });
    warmPools.set(key, pool);
  }
  return { pool, [Symbol.asyncDispose]: () => Promise.resolve() };
}

/**
 * Closes every warm pool {@linkcode borrowWorkerPool} kept, freeing their
 * workers; later borrows start new ones.
 *
 * @example
 * ```ts
 * import { closeWarmPools } from "./warm_pool.ts";
 * await closeWarmPools(); // nothing kept: nothing to do
 * ```
 */
export async function closeWarmPools(): Promise<void> {
  const pools = [...warmPools.values()];
  warmPools.clear();
  await Promise.all(pools.map((pool) => pool.close()));
}
