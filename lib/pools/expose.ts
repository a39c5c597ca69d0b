/**
 * `expose()`: the one call a task module makes so a {@linkcode WorkerPool}
 * or a {@linkcode ProcessPool} can run its functions.
 *
 * @module
 */

import {
  CHILD_FLAG,
  type HelloMessage,
  packResults,
  type ReplyMessage,
  requestAt,
  serializeError,
  STOPPED,
  type TaskRequest,
  type TaskResult,
  type TasksMessage,
} from "./_messages.ts";
import {
  FragmentWriter,
  type ParentMessage,
  readFrames,
} from "./_child_wire.ts";

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
 *   `--expose-pool-child` flag), it answers the pool's frames on stdin with
 *   marked fragments on stdout, so whatever a task prints itself still
 *   reaches the terminal without disturbing them.
 * - Anywhere else, for example when a test imports the module, it does
 *   nothing, so importing a task module never takes over stdin.
 *
 * Errors thrown by a task travel back with their name, message and stack.
 * Asking for an unknown task gives a `RangeError` that lists the known ones;
 * a result that cannot be cloned, a `TypeError` naming it.
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
  else if (Deno.args.includes(CHILD_FLAG)) serveChild(tasks);
}

function isWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: { new (): unknown } })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

/** Sends one message to the pool; throws when it cannot be sent. */
type Post = (message: ReplyMessage) => void;

/** The runner-side loop shared by workers and children. */
interface Server {
  /** Queues the requests of `message` behind those already queued. */
  accept(message: TasksMessage): void;
  /** Sends the answers gathered so far and starts no further task. */
  stop(): void;
  /** How many tasks it has started in all. */
  readonly started: number;
}

/**
 * Starts the requests it is given in order, up to `concurrency` at once
 * (an async task lets the next start while it waits), and answers each.
 * Answers of tasks that finish in one synchronous stretch travel in one
 * message (with `answerEach`, each at once); an async task first sends what
 * has been gathered so that nothing waits behind it.
 */
function serve(
  tasks: Record<string, Task>,
  post: Post,
  { concurrency, answerEach }: Pick<HelloMessage, "concurrency" | "answerEach">,
  mayStart: () => boolean,
): Server {
  const waiting: TaskRequest[] = [];
  let head = 0;
  let running = 0;
  let started = 0;
  let answers: TaskResult[] = [];
  let answered: TaskRequest[] = [];
  let spentMs = 0;
  // When the synchronous tasks whose answers are gathered began: timing the
  // stretch, not each tiny task, keeps clock reads out of the loop.
  let stretch = 0;
  let pumping = false;
  let stopped = false;
  const flush = () => {
    if (answers.length === 0) return;
    const now = performance.now();
    spentMs += now - stretch;
    stretch = now;
    postResults(post, answers, answered, spentMs);
    answers = [];
    answered = [];
    spentMs = 0;
  };
  const finish = (request: TaskRequest, answer: TaskResult) => {
    answers.push(answer);
    answered.push(request);
    if (answerEach) flush();
  };
  const pump = () => {
    pumping = true;
    stretch = performance.now();
    while (head < waiting.length && running < concurrency && !stopped) {
      if (!mayStart()) {
        stopped = true;
        break;
      }
      const request = waiting[head];
      waiting[head++] = undefined as never;
      started++;
      const answer = run(tasks, request);
      // A task that closed its runner gets no answer: the pool reports it.
      if (stopped) break;
      if (answer instanceof Promise) {
        running++;
        flush();
        const began = performance.now();
        answer.then((answer) => {
          running--;
          if (stopped) return;
          // Its own time, waits included, not the stretch it ends in.
          spentMs += performance.now() - began;
          stretch = performance.now();
          finish(request, answer);
          if (!pumping) pump();
        });
      } else finish(request, answer);
    }
    if (head === waiting.length) {
      waiting.length = 0;
      head = 0;
    }
    flush();
    pumping = false;
  };
  return {
    accept(message) {
      for (let i = 0; i < message.inputs.length; i++) {
        waiting.push(requestAt(message, i));
      }
      if (!pumping) pump();
    },
    stop() {
      flush();
      stopped = true;
    },
    get started() {
      return started;
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
  const batch = request.batch;
  const succeed = (value: unknown): TaskResult =>
    batch ? { id, ok: true, value, batch } : { id, ok: true, value };
  const fail = (error: unknown) => failure(id, error);
  try {
    if (!batch) {
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
 * them one by one, with a `TypeError` naming what could not be cloned in
 * that one's place, instead of going silent.
 */
function postResults(
  post: Post,
  results: TaskResult[],
  requests: TaskRequest[],
  spentMs: number,
): void {
  try {
    post(packResults(results, spentMs));
  } catch {
    const eachMs = spentMs / results.length;
    for (let i = 0; i < results.length; i++) {
      try {
        post(packResults([results[i]], eachMs));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        post(packResults([
          failure(
            results[i].id,
            new TypeError(
              `Cannot return the result of task '${
                requests[i].task
              }': it could not be cloned (${why})`,
            ),
          ),
        ], eachMs));
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

/** As `await` decides it: only an object or a function can be a thenable. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function";
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
  let server: Server | undefined;
  // Deno tells the parent nothing when a worker closes itself, so say it
  // here; otherwise the task that was running would wait forever.
  const close = scope.close.bind(scope);
  scope.close = () => {
    server?.stop();
    scope.postMessage({ kind: "exit" } satisfies ReplyMessage);
    close();
  };
  scope.onmessage = (event) => {
    const message = event.data;
    if (message.kind === "hello") {
      const { started } = message;
      server ??= serve(
        tasks,
        (message) => scope.postMessage(message),
        message,
        () => started === undefined || countStart(started),
      );
      scope.postMessage(
        { kind: "ready", tasks: Object.keys(tasks) } satisfies ReplyMessage,
      );
    } else server?.accept(message);
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

function serveChild(tasks: Record<string, Task>): void {
  let server: Server | undefined;
  let replies: FragmentWriter | undefined;
  let ended = false;
  // Finished answers and the count of started tasks go out before the
  // child ends, however it ends, so the pool knows which tasks it may run
  // elsewhere; the writes are synchronous, so nothing is left behind.
  const end = (event: Event) => {
    if (ended || replies === undefined || event.defaultPrevented) return;
    ended = true;
    try {
      server!.stop();
      replies.send({ kind: "exit", started: server!.started });
    } catch {
      // The pool is gone (its end of the pipe closed): no one to tell.
    }
  };
  globalThis.addEventListener("unload", end);
  globalThis.addEventListener("error", end);
  globalThis.addEventListener("unhandledrejection", end);
  readFrames(
    (into) => Deno.stdin.read(into),
    (message: ParentMessage) => {
      if (message.kind === "tasks") {
        server?.accept(message);
        return;
      }
      replies = new FragmentWriter(
        message.marker!,
        (bytes) => Deno.stdout.writeSync(bytes),
      );
      const writer = replies;
      server = serve(tasks, (reply) => writer.send(reply), message, () => true);
      writer.send({ kind: "ready", tasks: Object.keys(tasks) });
    },
  );
}
