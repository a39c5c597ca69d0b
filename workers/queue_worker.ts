/**
 * The worker of notebook 02. It answers each message it is sent and never
 * speaks first (see `lib/pools/_messages.ts` for why):
 *
 * - `{ kind: "echo", value }` comes straight back;
 * - `{ kind: "work", item, ms }` waits `ms` milliseconds, as I/O would, then
 *   answers `{ kind: "done", item }`;
 * - `{ kind: "throw", message }` throws, so the parent gets an `error` event.
 *
 * @module
 */

/** A message the main thread sends to this worker. */
export type QueueWorkerRequest =
  | { kind: "echo"; value: unknown }
  | { kind: "work"; item: number; ms: number }
  | { kind: "throw"; message: string };

/** A message this worker sends back. */
export type QueueWorkerReply =
  | { kind: "echo"; value: unknown }
  | { kind: "done"; item: number };

// Typed by hand: `deno check` types this file with the main thread's globals.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<QueueWorkerRequest>) => void) | null;
  postMessage(reply: QueueWorkerReply): void;
};

scope.onmessage = (event) => {
  const request = event.data;
  if (request.kind === "echo") {
    scope.postMessage({ kind: "echo", value: request.value });
  } else if (request.kind === "work") {
    setTimeout(
      () => scope.postMessage({ kind: "done", item: request.item }),
      request.ms,
    );
  } else {
    throw new Error(request.message);
  }
};
