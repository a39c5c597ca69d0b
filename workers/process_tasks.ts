/**
 * The task module of the processes notebook (06): `cube`, the course's
 * version of the `Pool.map(cube, range(10))` example, run by a
 * {@linkcode ProcessPool}.
 *
 * @module
 */

import { expose } from "../lib/pools/expose.ts";

expose({
  cube: (n: number) => n * n * n,
  pid: () => Deno.pid,
});
