/**
 * Where the course's standard task module lives, for pools created from
 * notebook cells (which have no `import.meta` to resolve paths with).
 *
 * @module
 */

/**
 * The URL of `workers/tasks.ts`, the module every course pool runs.
 *
 * @example
 * ```ts
 * import { TASKS_MODULE } from "./tasks_module.ts";
 * import { WorkerPool } from "../pools/worker_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new WorkerPool(TASKS_MODULE, { size: 1 });
 * assert.equal(await pool.run("echo", "hi"), "hi");
 * ```
 */
export const TASKS_MODULE: URL = new URL(
  "../../workers/tasks.ts",
  import.meta.url,
);
