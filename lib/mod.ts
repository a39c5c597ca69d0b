/**
 * The course's concurrency toolkit: pools of Workers and of child processes
 * over one task-module format, shared-memory locks, workloads, measurement,
 * and plots and tables for notebooks.
 *
 * Each part is also importable from its own module (`./worker_pool.ts`,
 * `./shared.ts`, ...); notebooks import those directly.
 *
 * @example
 * ```ts
 * import { countPrimes, WorkerPool } from "./mod.ts";
 * import assert from "node:assert/strict";
 * await using pool = new WorkerPool(
 *   new URL("../workers/tasks.ts", import.meta.url),
 *   { size: 1 },
 * );
 * const inPool = await pool.run("countPrimes", { start: 0, end: 1000 });
 * assert.equal(inPool, countPrimes(0, 1000));
 * ```
 *
 * @module
 */

export * from "./expose.ts";
export * from "./worker_pool.ts";
export * from "./process_pool.ts";
export * from "./shared.ts";
export * from "./workloads.ts";
export * from "./latency_server.ts";
export * from "./measure.ts";
export * from "./plot.ts";
export * from "./display.ts";
