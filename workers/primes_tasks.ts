// The task module of notebook 04's pools: expose() lets a WorkerPool (in a
// worker) or a ProcessPool (in a child process) call countPrimes by name.
import { expose } from "../lib/pools/expose.ts";
import { countPrimes } from "../lib/workloads/workloads.ts";

expose({
  countPrimes: ({ start, end }: { start: number; end: number }) =>
    countPrimes(start, end),
});
