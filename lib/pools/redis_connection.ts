/**
 * Redis connections for the queue pool, its machines, and BullMQ code in
 * notebooks: one URL parser ({@linkcode redisConnection}), one reachability
 * check ({@linkcode checkRedis}), and bounded connecting and reconnecting,
 * so that a bad or unreachable server is a clear error within seconds,
 * never a hang.
 *
 * @module
 */

import { Redis, type RedisOptions } from "ioredis";

/**
 * How long connecting to Redis may take, in milliseconds, by default.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONNECT_TIMEOUT_MS } from "./redis_connection.ts";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_CONNECT_TIMEOUT_MS, 3000);
 * ```
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;

/**
 * Reconnection attempts after a connection drops, about 8 s in all, before
 * it gives up and its pending commands fail.
 */
const RECONNECT_ATTEMPTS = 10;

/** Milliseconds before reconnection attempt `times`, or `null`: give up. */
function reconnectDelay(times: number): number | null {
  return times > RECONNECT_ATTEMPTS ? null : Math.min(times * 200, 1_000);
}

/**
 * The URL with its password masked, for messages.
 *
 * @param url A URL that {@linkcode redisConnection} accepts.
 * @returns The URL, with `***` for a password.
 *
 * @example
 * ```ts
 * import { redactUrl } from "./redis_connection.ts";
 * import assert from "node:assert/strict";
 * assert.equal(redactUrl("redis://me:secret@db:6379"), "redis://me:***@db:6379");
 * ```
 */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href.replace(/\/$/, "");
}

/**
 * The `connection` options for BullMQ's `Queue`, `Worker` and `QueueEvents`
 * (ioredis options) from a `redis://` or `rediss://` URL: user, password,
 * database number in the path; connecting bounded by `connectTimeoutMs`, and
 * reconnecting given up after about 8 s, so that nothing waits forever.
 *
 * @param url The server's URL.
 * @param connectTimeoutMs How long connecting may take, in milliseconds.
 * @returns The options.
 * @throws {TypeError} When `url` is not a string or not a Redis URL.
 *
 * @example
 * ```ts
 * import { redisConnection } from "./redis_connection.ts";
 * import assert from "node:assert/strict";
 * const connection = redisConnection("redis://10.0.0.5:6380/2");
 * assert.deepEqual([connection.host, connection.port, connection.db], ["10.0.0.5", 6380, 2]);
 * assert.throws(() => redisConnection("localhost:6379"), TypeError);
 * ```
 */
export function redisConnection(
  url: unknown,
  connectTimeoutMs: number = DEFAULT_CONNECT_TIMEOUT_MS,
): RedisOptions {
  if (typeof url !== "string") {
    throw new TypeError(
      `Cannot use Redis: 'redisUrl' must be a string, received ${typeof url}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Cannot use Redis: 'redisUrl' must be a redis:// or rediss:// URL, received '${url}'`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Cannot use Redis: 'redisUrl' must be a redis:// or rediss:// URL, received '${
        redactUrl(url)
      }'`,
    );
  }
  const database = parsed.pathname.replace(/^\//, "");
  if (database !== "" && !/^\d+$/.test(database)) {
    throw new TypeError(
      `Cannot use Redis: the path of 'redisUrl' must be a database number, received '${
        redactUrl(url)
      }'`,
    );
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? 6379 : Number(parsed.port),
    username: parsed.username === ""
      ? undefined
      : decodeURIComponent(parsed.username),
    password: parsed.password === ""
      ? undefined
      : decodeURIComponent(parsed.password),
    db: database === "" ? 0 : Number(database),
    tls: parsed.protocol === "rediss:" ? {} : undefined,
    connectTimeout: connectTimeoutMs,
    retryStrategy: reconnectDelay,
  };
}

/**
 * Connects once, without retrying, and sends `PING`: the check every user
 * of a URL makes first, so a wrong URL fails fast and says which.
 *
 * @param url The server's URL.
 * @param connectTimeoutMs How long connecting, and the answer, may take.
 * @throws {TypeError} When `url` is not a Redis URL.
 * @throws {Error} When the server cannot be reached or does not answer,
 *   naming the URL (password masked) and the cause.
 *
 * @example
 * ```ts
 * import { checkRedis } from "./redis_connection.ts";
 * import assert from "node:assert/strict";
 * await assert.rejects(
 *   checkRedis("redis://127.0.0.1:1", 500),
 *   /^Error: Cannot connect to Redis at 'redis:\/\/127\.0\.0\.1:1': /,
 * );
 * ```
 */
export async function checkRedis(
  url: string,
  connectTimeoutMs: number = DEFAULT_CONNECT_TIMEOUT_MS,
): Promise<void> {
  const options = redisConnection(url, connectTimeoutMs);
  const client = new Redis({
    ...options,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    commandTimeout: connectTimeoutMs,
  });
  // Reported through connect() and ping() instead.
  client.on("error", () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Connecting is bounded by connectTimeout, but a server that accepts and
  // never answers would hold up ioredis' ready check for longer.
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), silent]);
  } catch (error) {
    throw new Error(
      `Cannot connect to Redis at '${redactUrl(url)}': ${
        error instanceof Error ? error.message : String(error)
      } (connect timeout ${connectTimeoutMs} ms)`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    // A probe needs no graceful close, and a silent peer would delay one.
    const ended = disconnectRedis(client);
    client.stream?.destroy();
    await ended;
  }
}

/**
 * A connected client that reconnects a few times after a drop, then ends.
 *
 * @param url The server's URL, already checked with {@linkcode checkRedis}.
 * @param connectTimeoutMs How long connecting may take.
 * @param onError Told of connection errors (an unhandled one would throw).
 * @returns The ready client.
 * @throws {Error} When it cannot connect.
 *
 * @example
 * ```ts
 * import { connectRedis, disconnectRedis } from "./redis_connection.ts";
 * import { startRedisServer } from "./redis_server.ts";
 * import assert from "node:assert/strict";
 * await using server = await startRedisServer();
 * const client = await connectRedis(server.url, 1000, () => {});
 * assert.equal(await client.ping(), "PONG");
 * await disconnectRedis(client);
 * ```
 */
export async function connectRedis(
  url: string,
  connectTimeoutMs: number,
  onError: (error: Error) => void,
): Promise<Redis> {
  const client = new Redis({
    ...redisConnection(url, connectTimeoutMs),
    lazyConnect: true,
  });
  client.on("error", onError);
  try {
    await client.connect();
  } catch (error) {
    await disconnectRedis(client);
    throw error;
  }
  return client;
}

/**
 * Closes `client` at once (pending commands fail) and resolves when its
 * socket is gone.
 *
 * @param client An ioredis client, connected or not.
 * @returns A promise that resolves once the client has ended.
 *
 * @example
 * ```ts
 * import { disconnectRedis } from "./redis_connection.ts";
 * import { Redis } from "ioredis";
 * import assert from "node:assert/strict";
 * const client = new Redis({ lazyConnect: true });
 * await disconnectRedis(client);
 * assert.equal(client.status, "end");
 * ```
 */
export async function disconnectRedis(client: Redis): Promise<void> {
  if (client.status === "end") return;
  const ended = new Promise<void>((resolve) => client.once("end", resolve));
  client.disconnect();
  await ended;
}
