/**
 * The `noop` task for the npm package `workerpool`, which runs the functions
 * a worker script registers with `workerpool.worker()`. Used by the pool
 * comparison in `lib/experiments/pool_throughput.ts`.
 *
 * @module
 */

import workerpool from "workerpool";

workerpool.worker({ noop: () => undefined });
