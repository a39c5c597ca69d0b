/**
 * Measures worker start-up in a plain `deno run` process and prints the
 * result as one JSON line, so a notebook can compare it with the kernel.
 *
 * @module
 */

import { workerStartupByKind } from "../lib/startup_cost.ts";

const repeats = Number(Deno.args[0] ?? "3");
const parallel = Number(Deno.args[1] ?? "4");
console.log(JSON.stringify(await workerStartupByKind({ repeats, parallel })));
