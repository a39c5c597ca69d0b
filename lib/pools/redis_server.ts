/**
 * `startRedisServer()`: a private `redis-server` on a free loopback port,
 * so a {@linkcode QueuePool} runs out of the box when no `REDIS_URL` is set.
 *
 * @module
 */

import { readLines } from "../util/lines.ts";
import { assertMilliseconds } from "../util/validate.ts";

/** Options of {@linkcode startRedisServer}. */
export interface RedisServerOptions {
  /**
   * The `redis-server` executable: a name looked up on `PATH`, or a path.
   *
   * @default {"redis-server"}
   */
  binary?: string;
  /**
   * How long the server may take to accept connections, in milliseconds,
   * before it is stopped and the start rejects.
   *
   * @default {10000}
   */
  startTimeoutMs?: number;
}

/** A running {@linkcode startRedisServer}; close it, or `await using` it. */
export interface RedisServer extends AsyncDisposable {
  /** Where it listens, e.g. `redis://127.0.0.1:40123`. */
  readonly url: string;
  /** The loopback port it listens on. */
  readonly port: number;
  /** The server's process id. */
  readonly pid: number;
  /**
   * Stops the server (SIGTERM; nothing is saved) and waits until it has
   * exited. Calling it twice is harmless.
   */
  close(): Promise<void>;
}

/** The line `redis-server` logs once it accepts connections. */
const READY_LINE = "Ready to accept connections";
/** Log lines kept to explain a failed start. */
const TAIL_LINES = 8;
/** Starts tried when the picked port was taken in the meantime. */
const PORT_ATTEMPTS = 3;

class PortTakenError extends Error {}

/**
 * Starts `redis-server` bound to `127.0.0.1` on a free port, with
 * persistence off (`--save "" --appendonly no`), and resolves once its log
 * says it accepts connections. The server is stopped by `close()`, and
 * killed if the program exits first.
 *
 * @param options The executable and the start timeout.
 * @returns The running server.
 * @throws {TypeError} When `binary` is not a non-empty string.
 * @throws {RangeError} When `startTimeoutMs` is not a positive number of
 *   milliseconds.
 * @throws {Error} When the executable is missing (the message says how to
 *   install it), exits before accepting connections (with its last log
 *   lines), or takes longer than `startTimeoutMs`.
 *
 * @example
 * ```ts
 * import { startRedisServer } from "./redis_server.ts";
 * import assert from "node:assert/strict";
 * await using server = await startRedisServer();
 * assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
 * const socket = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
 * socket.close();
 * ```
 */
export async function startRedisServer(
  options: RedisServerOptions = {},
): Promise<RedisServer> {
  const { binary = "redis-server", startTimeoutMs = 10_000 } = options;
  if (typeof binary !== "string" || binary.length === 0) {
    throw new TypeError(
      `Cannot start Redis: 'binary' must be a non-empty string, received ${
        JSON.stringify(binary)
      }`,
    );
  }
  assertMilliseconds("Cannot start Redis", "startTimeoutMs", startTimeoutMs);
  for (let attempt = 1;; attempt++) {
    try {
      return await launch(binary, freeLoopbackPort(), startTimeoutMs);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === PORT_ATTEMPTS) {
        throw error;
      }
    }
  }
}

function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function launch(
  binary: string,
  port: number,
  startTimeoutMs: number,
): Promise<RedisServer> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(binary, {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        "",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot start Redis: '${binary}' was not found; install it with \`apt-get install redis-server\` (Debian, Ubuntu) or set REDIS_URL to a running Redis`,
        { cause: error },
      );
    }
    throw new Error(
      `Cannot start Redis: '${binary}' could not be run (${
        error instanceof Error ? error.message : String(error)
      })`,
      { cause: error },
    );
  }
  // If the program ends without close(), the server must not outlive it.
  const killOnUnload = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // It had exited already.
    }
  };
  globalThis.addEventListener("unload", killOnUnload);
  const tail: string[] = [];
  const ready = Promise.withResolvers<"ready">();
  const watch = async (stream: ReadableStream<Uint8Array>) => {
    for await (const line of readLines(stream)) {
      if (tail.push(line) > TAIL_LINES) tail.shift();
      if (line.includes(READY_LINE)) ready.resolve("ready");
    }
  };
  // Read to the end, so the server never blocks on a full pipe.
  const drained = Promise.all([watch(child.stdout), watch(child.stderr)]);
  const exited = child.status;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), startTimeoutMs);
  });
  const outcome = await Promise.race([
    ready.promise,
    exited.then(() => "exited" as const),
    timedOut,
  ]);
  clearTimeout(timer);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // It had exited already.
      }
      await exited;
      await drained;
      globalThis.removeEventListener("unload", killOnUnload);
    })();
    return closing;
  };
  if (outcome !== "ready") {
    await close();
    const log = tail.join("\n");
    if (log.includes("Address already in use")) throw new PortTakenError();
    const status = await exited;
    throw new Error(
      outcome === "timeout"
        ? `Cannot start Redis: '${binary}' did not accept connections on port ${port} within ${startTimeoutMs} ms; its last output: ${
          log || "(none)"
        }`
        : `Cannot start Redis: '${binary}' exited with code ${status.code} before accepting connections; its last output: ${
          log || "(none)"
        }`,
    );
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    close,
    [Symbol.asyncDispose]: close,
  };
}
