/**
 * The course's concurrency toolkit: pools of Workers, of child processes and
 * of machines behind a job queue, over one task-module format, shared-memory
 * locks, workloads, measurement, and plots and tables for notebooks.
 *
 * Each part is also importable from its own module, in folders by job:
 * `pools/` (WorkerPool and ProcessPool, both a TaskPool; QueuePool and its
 * machines; `expose`), `sync/` (locks on shared memory), `measure/`,
 * `display/` (tables, plots, progress), `workloads/` and `util/`. The
 * course's experiments live in `experiments/` and are not
 * part of the toolkit.
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

export * from "./pools/expose.ts";
export * from "./pools/task_pool.ts";
export * from "./pools/worker_pool.ts";
export * from "./pools/process_pool.ts";
export * from "./pools/queue_pool.ts";
export * from "./pools/local_machine.ts";
export * from "./pools/machine.ts";
export * from "./pools/redis_server.ts";
export * from "./pools/redis_connection.ts";
export * from "./sync/async_lock.ts";
export * from "./sync/barrier.ts";
export * from "./sync/deadlock_error.ts";
export * from "./sync/mutex.ts";
export * from "./sync/options.ts";
export * from "./sync/semaphore.ts";
export * from "./sync/shared_counter.ts";
export * from "./measure/amdahl.ts";
export * from "./measure/compare.ts";
export * from "./measure/event_loop_lag.ts";
export * from "./measure/machine_facts.ts";
export * from "./measure/memory.ts";
export * from "./measure/time_it.ts";
export * from "./display/display.ts";
export * from "./display/format_bytes.ts";
export * from "./display/plot.ts";
export * from "./display/quick_mode.ts";
export * from "./workloads/file_io.ts";
export * from "./workloads/latency_server.ts";
export * from "./workloads/tasks_module.ts";
export * from "./workloads/workloads.ts";
export * from "./util/map_limited.ts";
export * from "./util/validate.ts";
