/**
 * The worker of notebook 02, driven by plain `postMessage` (no pool): it
 * answers `hello` with `ready`, echoes, works on queue items, or throws on
 * request. It never speaks first: under `deno test`, Deno 2.9 sometimes
 * loses a message a worker posts on its own as it starts.
 *
 * @module
 */

import { busyLoop, sleep } from "../lib/workloads/workloads.ts";

/** A message the main thread sends to this worker. */
export type QueueWorkerRequest =
  | { kind: "hello" }
  | { kind: "echo"; value: unknown }
  | { kind: "work"; item: number; ms: number; spin: boolean }
  | { kind: "throw"; message: string };

/** A message this worker sends back. */
export type QueueWorkerReply =
  | { kind: "ready" }
  | { kind: "echo"; value: unknown }
  | { kind: "done"; item: number };

interface Scope {
  onmessage: ((event: MessageEvent<QueueWorkerRequest>) => void) | null;
  postMessage(message: QueueWorkerReply): void;
}

const scope = globalThis as unknown as Scope;

if ("WorkerGlobalScope" in globalThis) {
  scope.onmessage = async (event) => {
    const request = event.data;
    if (request.kind === "hello") {
      scope.postMessage({ kind: "ready" });
    } else if (request.kind === "echo") {
      scope.postMessage({ kind: "echo", value: request.value });
    } else if (request.kind === "work") {
      if (request.spin) busyLoop(request.ms);
      else await sleep(request.ms);
      scope.postMessage({ kind: "done", item: request.item });
    } else {
      throw new Error(request.message);
    }
  };
}
