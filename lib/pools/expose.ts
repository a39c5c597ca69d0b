/**
 * `expose()`: the one call a task module makes so a {@linkcode WorkerPool}
 * or a {@linkcode ProcessPool} can run its functions.
 *
 * @module
 */

import {
  CHILD_FLAG,
  type HelloMessage,
  LINE_MARKER,
  type ReplyMessage,
  serializeError,
  STOPPED,
  type TaskRequest,
  type TaskResult,
  type TasksMessage,
} from "./_messages.ts";

/** A task: one input in, a result or a promise of one out. */
// deno-lint-ignore no-explicit-any
export type Task = (input: any) => unknown;

/**
 * Makes the functions in `tasks` callable by a pool. Call it once, at the top
 * level of the task module.
 *
 * - Inside a Web Worker (a {@linkcode WorkerPool}), it answers the pool's
 *   messages.
 * - In a child process started by a {@linkcode ProcessPool} (which passes the
 *   `--expose-ndjson` flag), it answers NDJSON lines on stdin and stdout.
 * - Anywhere else, for example when a test imports the module, it does
 *   nothing, so importing a task module never takes over stdin.
 *
 * Errors thrown by a task travel back with their name, message and stack.
 * Asking for an unknown task gives a `RangeError` that lists the known ones.
 *
 * @param tasks The tasks, by name; each takes one input.
 * @throws {TypeError} When `tasks` is not an object of functions.
 *
 * @example
 * ```ts
 * import { expose } from "./expose.ts";
 * import assert from "node:assert/strict";
 * // Outside a worker or pool child this only validates the tasks.
 * expose({ double: (n: number) => n * 2 });
 * assert.throws(() => expose({ bad: 1 as never }), TypeError);
 * ```
 */
export function expose(tasks: Record<string, Task>): void {
  if (typeof tasks !== "object" || tasks === null) {
    throw new TypeError(
      `Cannot expose tasks: 'tasks' must be an object of functions, received ${
        tasks === null ? "null" : typeof tasks
      }`,
    );
  }
  for (const [name, task] of Object.entries(tasks)) {
    if (typeof task !== "function") {
      throw new TypeError(
        `Cannot expose tasks: task '${name}' must be a function, received ${typeof task}`,
      );
    }
  }
  if (isWorker()) serveWorker(tasks);
  else if (Deno.args.includes(CHILD_FLAG)) serveLines(tasks);
}

function isWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: { new (): unknown } })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

/** Sends one message to the pool; throws when it cannot be sent. */
type Post = (message: ReplyMessage) => void;

/** The worker-side loop shared by workers and children. */
interface Server {
  /** Queues the requests of `message` behind those already queued. */
  accept(message: TasksMessage): void;
  /** Sends the answers gathered so far and starts no further task. */
  stop(): void;
}

/**
 * Runs the requests it is given one after another, like a pool's worker
 * always has, and answers them in order. Answers of tasks that finish in one
 * synchronous stretch travel in one message; an async task first sends what
 * has been gathered so that nothing waits behind it.
 */
function serve(
  tasks: Record<string, Task>,
  post: Post,
  mayStart: () => boolean,
): Server {
  const waiting: TasksMessage[] = [];
  let answers: TaskResult[] = [];
  let spentMs = 0;
  let draining = false;
  let stopped = false;
  const flush = () => {
    if (answers.length === 0) return;
    postResults(post, answers, spentMs);
    answers = [];
    spentMs = 0;
  };
  const drain = async () => {
    draining = true;
    while (waiting.length > 0) {
      const { requests, answerEach } = waiting.shift()!;
      for (const request of requests) {
        if (stopped || !mayStart()) return;
        const began = performance.now();
        let answer = run(tasks, request);
        if (answer instanceof Promise) {
          flush();
          answer = await answer;
        }
        // A task that closed its worker gets no answer: the pool reports it.
        if (stopped) return;
        spentMs += performance.now() - began;
        answers.push(answer);
        if (answerEach) flush();
      }
    }
    flush();
    draining = false;
  };
  return {
    accept(message) {
      waiting.push(message);
      if (!draining) drain();
    },
    stop() {
      flush();
      stopped = true;
    },
  };
}

/** Runs one request; never throws, a failure becomes a failed result. */
function run(
  tasks: Record<string, Task>,
  request: TaskRequest,
): TaskResult | Promise<TaskResult> {
  const { id, task: name } = request;
  const task = Object.hasOwn(tasks, name) ? tasks[name] : undefined;
  if (task === undefined) {
    const known = Object.keys(tasks).map((key) => `'${key}'`).join(", ");
    return failure(
      id,
      new RangeError(
        `Cannot run task '${name}': no such task, known tasks are ${
          known || "none"
        }`,
      ),
    );
  }
  const succeed = (value: unknown): TaskResult => ({ id, ok: true, value });
  const fail = (error: unknown) => failure(id, error);
  try {
    if (!request.batch) {
      const value = task(request.input);
      return isThenable(value)
        ? Promise.resolve(value).then(succeed, fail)
        : succeed(value);
    }
    const inputs = request.input as unknown[];
    const values: unknown[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const value = task(inputs[i]);
      if (isThenable(value)) {
        // Only batches that really are async pay for the async loop.
        return finishBatchAsync(task, inputs, values, i, value)
          .then(succeed, fail);
      }
      values[i] = value;
    }
    return succeed(values);
  } catch (error) {
    return fail(error);
  }
}

function failure(id: number, error: unknown): TaskResult {
  return { id, ok: false, error: serializeError(error) };
}

/**
 * Posts `results` in one message; when one of them cannot be sent, posts
 * them one by one, with that one's error in its place, instead of going
 * silent.
 */
function postResults(
  post: Post,
  results: TaskResult[],
  spentMs: number,
): void {
  try {
    post({ kind: "results", results, spentMs });
  } catch {
    const eachMs = spentMs / results.length;
    for (const result of results) {
      try {
        post({ kind: "results", results: [result], spentMs: eachMs });
      } catch (error) {
        post({
          kind: "results",
          results: [failure(result.id, error)],
          spentMs: eachMs,
        });
      }
    }
  }
}

async function finishBatchAsync(
  task: Task,
  inputs: unknown[],
  values: unknown[],
  index: number,
  pending: PromiseLike<unknown>,
): Promise<unknown[]> {
  values[index] = await pending;
  for (let i = index + 1; i < inputs.length; i++) {
    values[i] = await task(inputs[i]);
  }
  return values;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

interface WorkerScope {
  onmessage:
    | ((event: MessageEvent<TasksMessage | HelloMessage>) => void)
    | null;
  postMessage(message: unknown): void;
  close(): void;
}

function serveWorker(tasks: Record<string, Task>): void {
  const scope = globalThis as unknown as WorkerScope;
  let started: Int32Array | undefined;
  const server = serve(
    tasks,
    (message) => scope.postMessage(message),
    () => started === undefined || countStart(started),
  );
  // Deno tells the parent nothing when a worker closes itself, so say it
  // here; otherwise the task that was running would wait forever.
  const close = scope.close.bind(scope);
  scope.close = () => {
    server.stop();
    scope.postMessage({ kind: "exit" } satisfies ReplyMessage);
    close();
  };
  scope.onmessage = (event) => {
    const message = event.data;
    if (message.kind === "hello") {
      started = message.started;
      scope.postMessage(
        { kind: "ready", tasks: Object.keys(tasks) } satisfies ReplyMessage,
      );
    } else server.accept(message);
  };
}

/**
 * Counts one more started task in the pool's shared counter, unless the pool
 * has stopped this worker; only the pool writes there besides, so the loop
 * turns at most twice.
 */
function countStart(started: Int32Array): boolean {
  for (;;) {
    const count = Atomics.load(started, 0);
    if (count === STOPPED) return false;
    if (Atomics.compareExchange(started, 0, count, count + 1) === count) {
      return true;
    }
  }
}

function serveLines(tasks: Record<string, Task>): void {
  const encoder = new TextEncoder();
  const write = (text: string) => {
    const bytes = encoder.encode(text);
    let written = 0;
    while (written < bytes.length) {
      written += Deno.stdout.writeSync(bytes.subarray(written));
    }
  };
  const post: Post = (message) =>
    write(LINE_MARKER + JSON.stringify(message) + "\n");
  const server = serve(tasks, post, () => true);
  // A task that calls Deno.exit() must not take finished answers with it.
  globalThis.addEventListener("unload", () => server.stop());
  post({ kind: "ready", tasks: Object.keys(tasks) });
  readLines(Deno.stdin.readable, (line) => {
    if (line.length > 0) server.accept(JSON.parse(line));
  });
}

async function readLines(
  readable: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let buffered = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
}
