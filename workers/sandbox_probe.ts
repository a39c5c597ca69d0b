/**
 * Runs the worker sandbox demonstration in its own process (it needs
 * `--unstable-worker-options`, which the notebook kernel lacks) and prints
 * the outcome as one JSON line.
 *
 * @module
 */

import { sandboxedRead } from "../lib/isolation.ts";

const file = Deno.args[0];
console.log(JSON.stringify(await sandboxedRead(file)));
