// The task module of notebook 06's process pool: expose() lets a ProcessPool
// call `cube` (the seeds' Pool(4).map(cube, range(10))) and `pid` by name in
// each child.
import { expose } from "../lib/pools/expose.ts";

expose({
  cube: (n: number) => n * n * n,
  pid: () => Deno.pid,
});
