/**
 * The smallest worker: it answers every message with the same message. Used
 * by `lib/experiments/startup_memory_isolation.ts` to time how long a worker takes to first reply.
 *
 * @module
 */

/// <reference lib="deno.worker" />

self.onmessage = (event: MessageEvent) => self.postMessage(event.data);
