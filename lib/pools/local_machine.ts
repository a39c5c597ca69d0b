/**
 * `startLocalMachine()`: a machine of a {@linkcode QueuePool} as a local
 * `deno run` process of `workers/machine.ts`, for notebooks and tests. On
 * other hosts, run that file by hand (see its documentation).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { moduleUrl } from "./_module_url.ts";
import { assertInteger } from "../util/validate.ts";
import { readLines } from "../util/lines.ts";
import { checkQueueName, DEFAULT_QUEUE, MACHINE_READY } from "./_queue_jobs.ts";

/**
 * The machine's entry point, `workers/machine.ts`, for starting one by
 * hand with `Deno.Command` (a notebook cell has no `import.meta` to find it).
 *
 * @example
 * ```ts
 * import { MACHINE_ENTRY } from "./local_machine.ts";
 * import assert from "node:assert/strict";
 * assert.ok(MACHINE_ENTRY.href.endsWith("/workers/machine.ts"));
 * ```
 */
export const MACHINE_ENTRY: URL = new URL(
  "../../workers/machine.ts",
  import.meta.url,
);

/** The project's configuration, whose import map the machine needs. */
const CONFIG = new URL("../../deno.json", import.meta.url);

/** How long a machine may take to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
/** Output lines kept to explain a machine that failed to start. */
const TAIL_LINES = 8;

/** Options of {@linkcode startLocalMachine}. */
export interface LocalMachineOptions {
  /**
   * The queue it serves.
   *
   * @default {"course"}
   */
  queue?: string;
  /**
   * Jobs it runs at once, each on its own Worker.
   *
   * @default {1}
   */
  concurrency?: number;
  /**
   * BullMQ's `lockDuration`, in milliseconds.
   *
   * @default {30000}
   */
  lockDurationMs?: number;
  /**
   * BullMQ's `stalledInterval`, in milliseconds.
   *
   * @default {30000}
   */
  stalledIntervalMs?: number;
  /**
   * What happens to the machine's stderr once it serves: shown (on this
   * program's stderr), or discarded. Until then it is kept to explain a
   * failed start.
   *
   * @default {"inherit"}
   */
  stderr?: "inherit" | "null";
}

/** A local machine process. */
export interface LocalMachine extends AsyncDisposable {
  /** Its process id. */
  readonly pid: number;
  /** Jobs it runs at once. */
  readonly concurrency: number;
  /** Its name, as the jobs it takes record it (`job.processedBy`). */
  readonly name: string;
  /** Resolves when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /**
   * Sends it a signal: `"SIGKILL"` kills it mid-job (its jobs return to the
   * queue when their locks expire); `"SIGTERM"` lets its running jobs finish.
   * Does nothing once it has exited.
   */
  kill(signal?: Deno.Signal): void;
  /**
   * SIGTERM, then SIGKILL if it has not exited within 5 s; resolves when it
   * has exited.
   */
  stop(): Promise<Deno.CommandStatus>;
}

/**
 * Starts `workers/machine.ts` as a child process serving `module` from the
 * queue on `redisUrl`, and resolves once it says it serves the queue. The
 * process is killed if this program exits first.
 *
 * @param redisUrl The Redis server.
 * @param module The task module: a URL, a URL string, or a file path.
 * @param options Queue, concurrency, lock timing, stderr.
 * @returns The running machine.
 * @throws {TypeError} When `module` or `queue` is malformed.
 * @throws {Error} When the machine exits before serving, with its last
 *   output (for example Redis could not be reached).
 *
 * @example
 * ```ts
 * import { startLocalMachine } from "./local_machine.ts";
 * import { startRedisServer } from "./redis_server.ts";
 * import assert from "node:assert/strict";
 * await using server = await startRedisServer();
 * const module = new URL("../../workers/tasks.ts", import.meta.url);
 * const machine = await startLocalMachine(server.url, module);
 * assert.equal((await machine.stop()).success, true);
 * ```
 */
export async function startLocalMachine(
  redisUrl: string,
  module: string | URL,
  options: LocalMachineOptions = {},
): Promise<LocalMachine> {
  const where = "Cannot start machine";
  const url = moduleUrl(where, module);
  const {
    queue = DEFAULT_QUEUE,
    concurrency = 1,
    lockDurationMs,
    stalledIntervalMs,
    stderr = "inherit",
  } = options;
  checkQueueName(where, queue);
  assertInteger(where, "concurrency", concurrency);
  for (
    const [name, value] of Object.entries({ lockDurationMs, stalledIntervalMs })
  ) {
    if (value !== undefined) assertInteger(where, name, value);
  }
  const args = [
    "run",
    "--allow-all",
    "--quiet",
    "--config",
    fileURLToPath(CONFIG),
    fileURLToPath(MACHINE_ENTRY),
    "--redis",
    redisUrl,
    "--module",
    url.href,
    "--queue",
    queue,
    "--concurrency",
    String(concurrency),
  ];
  if (lockDurationMs !== undefined) {
    args.push("--lock-duration", String(lockDurationMs));
  }
  if (stalledIntervalMs !== undefined) {
    args.push("--stalled-interval", String(stalledIntervalMs));
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const killOnUnload = () => kill("SIGKILL");
  globalThis.addEventListener("unload", killOnUnload);
  const status = child.status;
  let exited = false;
  const kill = (signal: Deno.Signal = "SIGTERM") => {
    if (exited) return;
    try {
      child.kill(signal);
    } catch {
      // It exited in the meantime.
    }
  };
  const tail: string[] = [];
  let serving = false;
  let name = "";
  const ready = Promise.withResolvers<"ready">();
  const remember = (line: string) => {
    if (tail.push(line) > TAIL_LINES) tail.shift();
  };
  const readStdout = async () => {
    for await (const line of readLines(child.stdout)) {
      if (!serving && line.startsWith(MACHINE_READY)) {
        serving = true;
        name = line.match(/, name (\S+)$/)?.[1] ?? "";
        ready.resolve("ready");
      } else if (!serving) remember(line);
    }
  };
  const readStderr = async () => {
    for await (const line of readLines(child.stderr)) {
      if (!serving) remember(line);
      else if (stderr === "inherit") console.error(line);
    }
  };
  // Both pipes are read to the end, so the machine never blocks on one.
  const drained = Promise.all([readStdout(), readStderr()]);
  const done = status.then(async (result) => {
    exited = true;
    await drained;
    globalThis.removeEventListener("unload", killOnUnload);
    return result;
  });
  const outcome = await Promise.race([
    ready.promise,
    done.then(() => "exited" as const),
  ]);
  if (outcome === "exited") {
    const result = await done;
    throw new Error(
      `${where}: it exited with code ${result.code} before serving queue '${queue}'; its last output: ${
        tail.join("\n") || "(none)"
      }`,
    );
  }
  let stopping: Promise<Deno.CommandStatus> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), STOP_GRACE_MS);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  return {
    pid: child.pid,
    concurrency,
    name,
    status: done,
    kill,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
