/**
 * A task module that takes half a second to start, standing in for a worker
 * with a slow start (a large import, a model to load). Notebook 08 gives its
 * pool a `taskTimeoutMs` far shorter than that start, to show that the
 * timeout counts only the task: a pool starts a task's clock when a worker is
 * ready and free to run it.
 *
 * @module
 */

import { expose } from "../lib/pools/expose.ts";
import { sleep } from "../lib/workloads/workloads.ts";

/** How long this module takes to start, in milliseconds. */
export const START_DELAY_MS = 500;

await sleep(START_DELAY_MS);

expose({ echo: (value: unknown) => value });
