/**
 * The course's standard task module: the workloads plus a few tasks that
 * exist to exercise a pool's fault handling. Run it with a
 * {@linkcode WorkerPool} or a {@linkcode ProcessPool}.
 *
 * @module
 */

import { expose } from "../lib/pools/expose.ts";
import {
  busyLoop,
  countPrimes,
  monteCarloPi,
  sleep,
  stringifyRecords,
} from "../lib/workloads/workloads.ts";

function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope !== "undefined";
}

expose({
  countPrimes: ({ start, end }: { start: number; end: number }) =>
    countPrimes(start, end),
  monteCarloPi: ({ samples, seed }: { samples: number; seed: number }) =>
    monteCarloPi(samples, seed),
  busyLoop: (ms: number) => busyLoop(ms),
  stringifyRecords: (count: number) => stringifyRecords(count),
  sleep: async (ms: number) => {
    await sleep(ms);
  },
  noop: () => undefined,
  // Counts its runs in shared memory, so a test can tell whether a task ran
  // once, twice or never.
  tally: ({ counts, index }: { counts: Int32Array; index: number }) => {
    Atomics.add(counts, index, 1);
  },
  echo: (x: unknown) => x,
  // A task that takes a while without using the CPU and says which it was.
  echoAfter: async ({ value, ms }: { value: unknown; ms: number }) => {
    await sleep(ms);
    return value;
  },
  throw: (message: string) => {
    throw new Error(message);
  },
  hang: () => new Promise(() => {}),
  crash: () => {
    if (inWorker()) (globalThis as unknown as { close(): void }).close();
    else Deno.exit(3);
  },
  crashLater: () => {
    // Thrown outside the task's call stack, so only the runtime sees it.
    setTimeout(() => {
      throw new Error("Crashed later");
    }, 0);
    return new Promise(() => {});
  },
});
