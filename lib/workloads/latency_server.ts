/**
 * A loopback HTTP server that answers every request after a set delay: a
 * stand-in for a slow remote service, so the I/O-bound experiments need no
 * network.
 *
 * @module
 */

import { assertMilliseconds } from "../util/validate.ts";
import { sleep } from "./workloads.ts";

/** Options of {@linkcode startLatencyServer}. */
export interface LatencyServerOptions {
  /**
   * How long each response waits before it is sent, in milliseconds.
   * A request may ask for another delay with the `ms` query parameter.
   * @default {100}
   */
  latencyMs?: number;
}

/** A running {@linkcode startLatencyServer}; dispose of it to close it. */
export interface LatencyServer extends AsyncDisposable {
  /** The server's address, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** The port the system picked. */
  port: number;
  /** The default delay of a response, in milliseconds. */
  latencyMs: number;
  /** Requests answered so far. */
  readonly served: number;
  /** Stops accepting requests and waits for those in flight to finish. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on `127.0.0.1`, on a port the system picks, that
 * answers each request with `ok` after `latencyMs` milliseconds (or after the
 * request's `?ms=` value). Waiting costs the server no CPU: it is a timer.
 *
 * @param options The default delay.
 * @returns The running server, with its URL; close it, or `await using` it.
 * @throws {RangeError} When `latencyMs` is negative or not finite.
 *
 * @example
 * ```ts
 * import { startLatencyServer } from "./latency_server.ts";
 * import assert from "node:assert/strict";
 * await using server = startLatencyServer({ latencyMs: 20 });
 * const started = performance.now();
 * assert.equal(await (await fetch(server.url)).text(), "ok");
 * assert.ok(performance.now() - started >= 19);
 * ```
 */
export function startLatencyServer(
  options: LatencyServerOptions = {},
): LatencyServer {
  const { latencyMs = 100 } = options;
  assertMilliseconds(
    "Cannot start the latency server",
    "latencyMs",
    latencyMs,
    {
      allowZero: true,
    },
  );
  let served = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (request) => {
    const asked = new URL(request.url).searchParams.get("ms");
    const ms = asked === null ? latencyMs : Number(asked);
    if (!Number.isFinite(ms) || ms < 0) {
      return new Response(
        `'ms' must be a non-negative number, received ${asked}`,
        { status: 400 },
      );
    }
    await sleep(ms);
    served++;
    return new Response("ok");
  });
  const { port } = server.addr as Deno.NetAddr;
  let closing: Promise<void> | undefined;
  const close = () => closing ??= server.shutdown();
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    latencyMs,
    get served() {
      return served;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
