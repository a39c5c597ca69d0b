/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// A plain worker for notebook 04: it counts the primes in the range it is
// sent and posts the count back. (The two lines above give `self` the types
// of a worker.)
import { countPrimes } from "../lib/workloads/workloads.ts";

self.onmessage = (event: MessageEvent<{ start: number; end: number }>) => {
  const { start, end } = event.data;
  self.postMessage(countPrimes(start, end));
};
