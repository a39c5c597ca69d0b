/**
 * The `noop` task for `poolifier-web-worker`, whose workers export a
 * `ThreadWorker` wrapping the task. Used by the pool comparison in
 * `lib/experiments/pool_throughput.ts`.
 *
 * @module
 */

import { ThreadWorker } from "poolifier-web-worker";

/** The worker poolifier runs: it does nothing, like `noop` in `tasks.ts`. */
export default new ThreadWorker(() => undefined);
