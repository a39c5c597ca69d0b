/**
 * The messages exchanged between a pool and the workers or child processes
 * that run a task module. Internal: only `expose.ts` and the pools use it.
 *
 * @module
 */

/** Command-line flag telling `expose()` to answer NDJSON over stdio. */
export const CHILD_FLAG = "--expose-ndjson";

/**
 * Prefix of every protocol line a child writes, so stray `console.log()`
 * output from a task can be told apart from replies instead of corrupting
 * the stream.
 */
export const LINE_MARKER = "\x1e";

/** Ask for one task, or one task over many inputs when `batch` is set. */
export interface TaskRequest {
  id: number;
  task: string;
  /** The input, or the array of inputs when `batch` is true. */
  input: unknown;
  batch: boolean;
}

/**
 * Requests travelling in one message, so that many tiny tasks cost one
 * message instead of one each. The worker runs them one after another, in
 * order, as if each had come alone.
 */
export interface TasksMessage {
  kind: "tasks";
  requests: TaskRequest[];
  /**
   * Answer each task as soon as it finishes instead of gathering the answers
   * of tasks that finish in one go. Pools with a task timeout ask for this:
   * a worker killed for overrunning must not take finished answers with it.
   */
  answerEach: boolean;
}

/** An error flattened so it survives structured clone and JSON. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * Sent by a pool to a new worker, which answers with a
 * {@linkcode ReadyMessage}. The pool asks first because a message a worker
 * posts on its own as it starts is sometimes never delivered when the
 * parent runs under `deno test`, although the worker runs and answers later
 * messages. `scripts/first_message_repro.ts` reproduces it: 4 workers that
 * post at top level, 40 fresh `deno test` processes, a first message lost
 * in 7 of them on Deno 2.9.0 and in 6 on 2.9.6 (none under `deno run`, and
 * none when the parent set every `onmessage` before starting any timer).
 * Replies to the parent's messages always arrived. Child processes speak
 * first: their stdout has no such problem.
 */
export interface HelloMessage {
  kind: "hello";
  /**
   * A shared counter the worker increments as it starts each task, so the
   * pool can tell, when the worker dies, which of the tasks sent to it had
   * not started and can safely run elsewhere.
   */
  started: Int32Array;
}

/**
 * Written by the pool into {@linkcode HelloMessage}'s `started` counter when
 * it stops a worker: from then on the worker starts no task, so the tasks it
 * had not started can run elsewhere without running twice.
 */
export const STOPPED = -1;

/**
 * Sent when the module has loaded and `expose()` is listening: by a worker
 * in answer to each {@linkcode HelloMessage}, by a child unasked.
 */
export interface ReadyMessage {
  kind: "ready";
  tasks: string[];
}

/** The outcome of one request; for a batch, `value` is the array of results. */
export type TaskResult =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError };

/** Outcomes of requests, in the order the requests were sent. */
export interface ResultsMessage {
  kind: "results";
  results: TaskResult[];
  /**
   * Milliseconds the worker spent running these tasks, waits of async ones
   * included: the pool's measure of what a task costs, free of the time
   * messages spend in transit.
   */
  spentMs: number;
}

/** Sent by a worker that is about to close itself. */
export interface ExitMessage {
  kind: "exit";
}

/** Any message from a worker or child to its pool. */
export type ReplyMessage = ReadyMessage | ResultsMessage | ExitMessage;

/** Flattens anything thrown into a {@linkcode SerializedError}. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error) };
}

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/**
 * Rebuilds an error on the pool's side, keeping the built-in class when
 * there is one so `instanceof RangeError` still works across the boundary.
 */
export function deserializeError(error: SerializedError): Error {
  const ErrorClass = ERROR_CLASSES[error.name] ?? Error;
  const rebuilt = new ErrorClass(error.message);
  if (rebuilt.name !== error.name) rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
