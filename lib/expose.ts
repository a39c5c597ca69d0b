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
  type TaskRequest,
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

type Reply = (message: ReplyMessage) => void;

function handle(
  tasks: Record<string, Task>,
  request: TaskRequest,
  reply: Reply,
): void {
  const { id, task: name } = request;
  const task = Object.hasOwn(tasks, name) ? tasks[name] : undefined;
  if (task === undefined) {
    const known = Object.keys(tasks).map((key) => `'${key}'`).join(", ");
    const error = new RangeError(
      `Cannot run task '${name}': no such task, known tasks are ${
        known || "none"
      }`,
    );
    reply({ kind: "result", id, ok: false, error: serializeError(error) });
    return;
  }
  const fail = (error: unknown) =>
    reply({ kind: "result", id, ok: false, error: serializeError(error) });
  const succeed = (value: unknown) =>
    reply({ kind: "result", id, ok: true, value });
  try {
    if (!request.batch) {
      const value = task(request.input);
      if (isThenable(value)) value.then(succeed, fail);
      else succeed(value);
      return;
    }
    const inputs = request.input as unknown[];
    const values: unknown[] = new Array(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const value = task(inputs[i]);
      if (isThenable(value)) {
        // Only batches that really are async pay for the async loop.
        finishBatchAsync(task, inputs, values, i, value).then(succeed, fail);
        return;
      }
      values[i] = value;
    }
    succeed(values);
  } catch (error) {
    fail(error);
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
    | ((event: MessageEvent<TaskRequest | HelloMessage>) => void)
    | null;
  postMessage(message: unknown): void;
  close(): void;
}

function serveWorker(tasks: Record<string, Task>): void {
  const scope = globalThis as unknown as WorkerScope;
  const reply: Reply = (message) => {
    try {
      scope.postMessage(message);
    } catch (error) {
      // The result could not be cloned: report that instead of going silent.
      if (message.kind !== "result") throw error;
      scope.postMessage(
        {
          kind: "result",
          id: message.id,
          ok: false,
          error: serializeError(error),
        } satisfies ReplyMessage,
      );
    }
  };
  // Deno tells the parent nothing when a worker closes itself, so say it
  // here; otherwise the task that was running would wait forever.
  const close = scope.close.bind(scope);
  scope.close = () => {
    scope.postMessage({ kind: "exit" } satisfies ReplyMessage);
    close();
  };
  scope.onmessage = (event) => {
    const message = event.data;
    if ("kind" in message) reply({ kind: "ready", tasks: Object.keys(tasks) });
    else handle(tasks, message, reply);
  };
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
  const reply: Reply = (message) => {
    let line: string;
    try {
      line = JSON.stringify(message);
    } catch (error) {
      if (message.kind !== "result") throw error;
      line = JSON.stringify(
        {
          kind: "result",
          id: message.id,
          ok: false,
          error: serializeError(error),
        } satisfies ReplyMessage,
      );
    }
    write(LINE_MARKER + line + "\n");
  };
  reply({ kind: "ready", tasks: Object.keys(tasks) });
  readLines(Deno.stdin.readable, (line) => {
    if (line.length > 0) handle(tasks, JSON.parse(line), reply);
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
