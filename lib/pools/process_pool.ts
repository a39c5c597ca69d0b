/**
 * `ProcessPool`: a fixed-size pool of warm `deno run` child processes running
 * one task module, sending structured clones over stdin and stdout.
 *
 * @module
 */

import { Encoder } from "./_codec.ts";
import {
  newMarker,
  type ParentMessage,
  readFragments,
  writeFrame,
} from "./_child_wire.ts";
import { CHILD_FLAG } from "./_messages.ts";
import type { Runner, RunnerEvents, RunnerSettings } from "./_pool.ts";
import { TaskPool, type TaskPoolOptions } from "./task_pool.ts";

export type { PoolStats } from "./task_pool.ts";

/** Where a child's own output goes: to this process's, or nowhere. */
export type ChildOutput = "inherit" | "null";

/** Options of {@linkcode ProcessPool}. */
export interface ProcessPoolOptions extends TaskPoolOptions {
  /**
   * Permission flags for `deno run`, such as `"--allow-read=data"`. Each
   * must start with `--allow-` or `--deny-`.
   *
   * @default {[]} (no permissions)
   */
  permissions?: string[];
  /**
   * What happens to what tasks write to stdout themselves: passed on to
   * this process's stdout as it comes, or discarded. It never disturbs the
   * pool's replies, which share the pipe.
   *
   * @default {"inherit"}
   */
  stdout?: ChildOutput;
  /**
   * What happens to the children's stderr: shown, or discarded.
   *
   * @default {"inherit"}
   */
  stderr?: ChildOutput;
}

/**
 * A fixed-size pool of warm child processes (`deno run` of the task module,
 * which calls {@linkcode expose}) with explicit permissions. It behaves as
 * {@linkcode WorkerPool} does: inputs and results are structured clones,
 * so a `Map`, a `Date`, a typed array or `-0` arrives as it left; what
 * cannot leave the process (a function, a `SharedArrayBuffer`, a `Blob`)
 * rejects with a `TypeError` naming it. Tiny tasks are grouped the same way.
 * Whatever a task prints (with or without a final newline) reaches this
 * process's stdout and stderr without touching the replies.
 *
 * Faults stay local: a task that throws rejects its own promise; a task
 * that times out, is aborted while running, or whose child exits rejects
 * and its child is replaced. Nothing runs twice: a child that exits by
 * itself (`Deno.exit()`, an uncaught error) first sends its finished answers
 * and how many tasks it had started, and the tasks after those go back to
 * the front of the queue. A child killed from outside (a signal) says
 * nothing, so every task sent to it and not answered rejects; with
 * `taskTimeoutMs`, children answer each task before starting the next, so
 * only the running one does. A task module that fails to load rejects every
 * task with the load error.
 *
 * @example
 * ```ts
 * import { ProcessPool } from "./process_pool.ts";
 * import assert from "node:assert/strict";
 * await using pool = new ProcessPool(
 *   new URL("../../workers/tasks.ts", import.meta.url),
 *   { size: 2 },
 * );
 * assert.equal(await pool.run("countPrimes", { start: 0, end: 100 }), 25);
 * assert.deepEqual(await pool.map("echo", [1, 2, 3]), [1, 2, 3]);
 * const when = new Date(0);
 * assert.deepEqual(await pool.run("echo", new Map([["when", when]])), new Map([["when", when]]));
 * ```
 */
export class ProcessPool extends TaskPool {
  /**
   * Creates a pool; children start when the first tasks arrive.
   *
   * @param module The task module: a URL, a URL string, or a file path
   *   (absolute, or relative to the current directory).
   * @param options See {@linkcode ProcessPoolOptions}.
   * @throws {TypeError} When `module` is not a module or an option has the
   *   wrong type.
   * @throws {RangeError} When an option is out of range.
   *
   * @example
   * ```ts
   * import { ProcessPool } from "./process_pool.ts";
   * import assert from "node:assert/strict";
   * // A path works too: relative ones from the current directory.
   * const path = new URL("../../workers/tasks.ts", import.meta.url).pathname;
   * await using pool = new ProcessPool(path, { size: 1 });
   * assert.equal(await pool.run("echo", "from a path"), "from a path");
   * ```
   */
  constructor(module: string | URL, options: ProcessPoolOptions = {}) {
    const permissions = options.permissions ?? [];
    if (!Array.isArray(permissions)) {
      throw new TypeError(
        `Cannot create pool: 'permissions' must be an array of strings, received ${typeof permissions}`,
      );
    }
    for (const flag of permissions) {
      if (typeof flag !== "string") {
        throw new TypeError(
          `Cannot create pool: 'permissions' must be an array of strings, received an element of type ${typeof flag}`,
        );
      }
      if (!flag.startsWith("--allow-") && !flag.startsWith("--deny-")) {
        throw new RangeError(
          `Cannot create pool: each permission must start with '--allow-' or '--deny-', received '${flag}'`,
        );
      }
    }
    const output = {
      stdout: checkOutput("stdout", options.stdout),
      stderr: checkOutput("stderr", options.stderr),
    };
    super(
      module,
      options,
      "child process",
      (url) => (events, settings) =>
        spawnChild(
          ["run", "--no-prompt", ...permissions, url.href, CHILD_FLAG],
          output,
          events,
          settings,
        ),
    );
  }
}

function checkOutput(name: string, value: unknown): ChildOutput {
  if (value === undefined) return "inherit";
  if (value !== "inherit" && value !== "null") {
    throw new RangeError(
      `Cannot create pool: '${name}' must be 'inherit' or 'null', received '${value}'`,
    );
  }
  return value;
}

function spawnChild(
  args: string[],
  output: { stdout: ChildOutput; stderr: ChildOutput },
  events: RunnerEvents,
  settings: RunnerSettings,
): Runner {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: output.stderr,
  }).spawn();
  const writer = child.stdin.getWriter();
  // Frames sent in one tick go out in one write, not one op per task,
  // straight from the encoder's buffer: a spare encoder takes the next
  // frames until the write is done, as a fresh copy would cost more.
  const spare: Encoder[] = [];
  let frames = new Encoder();
  const flush = () => {
    const written = frames;
    frames = spare.pop() ?? new Encoder();
    // A failed write means the child died; `status` reports that.
    writer.write(written.bytes()).catch(() => {}).finally(() => {
      written.reset();
      spare.push(written);
    });
  };
  const send = (message: ParentMessage) => {
    if (frames.length === 0) queueMicrotask(flush);
    writeFrame(frames, message);
  };
  const marker = newMarker();
  send({ kind: "hello", marker, ...settings });
  let started: number | undefined;
  const reading = readFragments(
    child.stdout,
    marker,
    (message) => {
      if (message.kind === "exit") started = message.started;
      else events.message(message);
    },
    output.stdout === "inherit" ? writeStdout : () => {},
  );
  // Answers written before the exit are read first, so a task that had
  // finished is not reported as killed with its child.
  const status = Promise.all([child.status, reading.catch(() => {})]).then(
    ([status]) => {
      events.death(
        `it exited with code ${status.code}${
          status.signal === null ? "" : ` (${status.signal})`
        }`,
        started,
      );
    },
  );
  return {
    send,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      await writer.close().catch(() => {});
      await Promise.all([status, reading.catch(() => {})]);
    },
  };
}

/** Passes a task's own output on to this process's stdout. */
function writeStdout(bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}
