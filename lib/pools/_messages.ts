/**
 * The messages exchanged between a pool and the workers or child processes
 * that run a task module. Internal: only `expose.ts` and the pools use it.
 *
 * @module
 */

/** Command-line flag telling `expose()` it runs in a `ProcessPool` child. */
export const CHILD_FLAG = "--expose-pool-child";

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
 * message instead of one each, and in columns, not an object per request:
 * cloning one array of inputs costs a fifth of cloning as many objects. The
 * worker starts them in order, as if each had come alone, and runs up to
 * its `concurrency` of them at once.
 */
export interface TasksMessage {
  kind: "tasks";
  /** The first request's id; each next one's is one more. */
  first: number;
  /** The task to run: one name for every request, or one each. */
  task: string | string[];
  /** Each request's input; for a batch, the array of inputs. */
  inputs: unknown[];
  /** Whether the requests are batches: one flag for all, or one each. */
  batch: boolean | boolean[];
}

/** What a {@linkcode TasksMessage} is made from: requests in order. */
export interface Requested {
  task: string;
  input: unknown;
  batch: boolean;
}

/**
 * Packs `requests` into one {@linkcode TasksMessage}, their ids counting
 * from `first`.
 */
export function packTasks(
  first: number,
  requests: readonly Requested[],
): TasksMessage {
  const count = requests.length;
  const inputs = new Array(count);
  let task: string | string[] = requests[0].task;
  let batch: boolean | boolean[] = requests[0].batch;
  for (let i = 0; i < count; i++) {
    const request = requests[i];
    inputs[i] = request.input;
    if (typeof task === "string" && request.task !== task) {
      task = requests.map((request) => request.task);
    }
    if (typeof batch === "boolean" && request.batch !== batch) {
      batch = requests.map((request) => request.batch);
    }
  }
  return { kind: "tasks", first, task, inputs, batch };
}

/** The `index`th request of `message`. */
export function requestAt(message: TasksMessage, index: number): TaskRequest {
  const { task, batch } = message;
  return {
    id: message.first + index,
    task: typeof task === "string" ? task : task[index],
    input: message.inputs[index],
    batch: typeof batch === "boolean" ? batch : batch[index],
  };
}

/** An error flattened so it survives structured clone with its name. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * Sent by a pool to a new worker or child, which answers with a
 * {@linkcode ReadyMessage}. The pool asks first because a message a worker
 * posts on its own as it starts is sometimes never delivered when the
 * parent runs under `deno test`, although the worker runs and answers later
 * messages. `scripts/first_message_repro.ts` reproduces it: 4 workers that
 * post at top level, 40 fresh `deno test` processes, a first message lost
 * in 7 of them on Deno 2.9.0 and in 6 on 2.9.6 (none under `deno run`, and
 * none when the parent set every `onmessage` before starting any timer).
 * Replies to the parent's messages always arrived. A child is asked too:
 * the hello carries the marker its replies start with.
 */
export interface HelloMessage {
  kind: "hello";
  /** How many tasks the runner may run at once (async ones overlap). */
  concurrency: number;
  /**
   * Answer each task as soon as it finishes instead of gathering the answers
   * of tasks that finish in one go. Pools with a task timeout ask for this:
   * a runner killed for overrunning must not take finished answers with it.
   */
  answerEach: boolean;
  /**
   * A worker's shared counter, which it increments as it starts each task,
   * so the pool can tell, when the worker dies, which of the tasks sent to
   * it had not started and can safely run elsewhere.
   */
  started?: Int32Array;
  /**
   * A child's frame marker: 8 bytes, the first 0xFF, that start every
   * fragment of its replies on stdout, so that whatever a task writes there
   * itself is told apart from replies.
   */
  marker?: Uint8Array;
}

/**
 * Written by the pool into {@linkcode HelloMessage}'s `started` counter when
 * it stops a worker: from then on the worker starts no task, so the tasks it
 * had not started can run elsewhere without running twice.
 */
export const STOPPED = -1;

/**
 * Sent when the module has loaded and `expose()` is listening, in answer to
 * each {@linkcode HelloMessage}.
 */
export interface ReadyMessage {
  kind: "ready";
  tasks: string[];
}

/**
 * The outcome of one request; for a batch (`batch` set), `value` is the
 * array of results.
 */
export type TaskResult =
  | { id: number; ok: true; value: unknown; batch?: boolean }
  | { id: number; ok: false; error: SerializedError };

/**
 * Outcomes of requests, in columns as {@linkcode TasksMessage} has them.
 * Answers of tasks run one after another come in order, their ids one
 * apart; others list their ids.
 */
export interface ResultsMessage {
  kind: "results";
  /** The first result's request id; each next one's is one more... */
  first: number;
  /** ...unless the ids are listed here. */
  ids?: number[];
  /** Each result's value, or, where `failed` says so, its error. */
  values: unknown[];
  /** Indices of `values` that hold a {@linkcode SerializedError}. */
  failed?: number[];
  /** Indices of `values` that are a batch's array of results. */
  batches?: number[];
  /**
   * Milliseconds the worker spent running these tasks, waits of async ones
   * included: the pool's measure of what a task costs, free of the time
   * messages spend in transit.
   */
  spentMs: number;
}

/**
 * Sent by a runner that is about to end: a worker closing itself, or a
 * child exiting (through `Deno.exit()`, its end, or an uncaught error).
 */
export interface ExitMessage {
  kind: "exit";
  /**
   * How many tasks it had started in all, so the tasks sent after those can
   * safely run elsewhere (children only: workers count in shared memory).
   */
  started?: number;
}

/** Any message from a worker or child to its pool. */
export type ReplyMessage = ReadyMessage | ResultsMessage | ExitMessage;

/** Packs `results` into one {@linkcode ResultsMessage}. */
export function packResults(
  results: readonly TaskResult[],
  spentMs: number,
): ResultsMessage {
  const first = results[0].id;
  const values = new Array(results.length);
  let ids: number[] | undefined;
  let failed: number[] | undefined;
  let batches: number[] | undefined;
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    if (ids === undefined && result.id !== first + i) {
      ids = results.map((result) => result.id);
    }
    if (result.ok) {
      values[i] = result.value;
      if (result.batch) (batches ??= []).push(i);
    } else {
      values[i] = result.error;
      (failed ??= []).push(i);
    }
  }
  const message: ResultsMessage = { kind: "results", first, values, spentMs };
  if (ids !== undefined) message.ids = ids;
  if (failed !== undefined) message.failed = failed;
  if (batches !== undefined) message.batches = batches;
  return message;
}

/** The results of `message`, one object each. */
export function unpackResults(message: ResultsMessage): TaskResult[] {
  const { first, ids, values, failed = [], batches = [] } = message;
  return values.map((value, i): TaskResult => {
    const id = ids?.[i] ?? first + i;
    if (failed.includes(i)) {
      return { id, ok: false, error: value as SerializedError };
    }
    return batches.includes(i)
      ? { id, ok: true, value, batch: true }
      : { id, ok: true, value };
  });
}

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
