/**
 * Redis connections for the queue pool and its machines: one URL check, one
 * bounded way to connect, so that a bad or unreachable server is a clear
 * error within seconds, never a hang. Internal.
 *
 * @module
 */

import { Redis, type RedisOptions } from "ioredis";

/** How long connecting to Redis may take, in milliseconds, by default. */
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
 * @param url A URL that {@linkcode redisOptions} accepted.
 * @returns The URL, with `***` for a password.
 */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href.replace(/\/$/, "");
}

/**
 * ioredis options for a `redis://` or `rediss://` URL (user, password,
 * database number in the path), with bounded connecting and reconnecting.
 *
 * @param url The server's URL.
 * @param connectTimeoutMs How long connecting may take.
 * @returns Options for ioredis and for BullMQ's `connection`.
 * @throws {TypeError} When `url` is not a string or not a Redis URL.
 */
export function redisOptions(
  url: unknown,
  connectTimeoutMs: number,
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
 */
export async function checkRedis(
  url: string,
  connectTimeoutMs: number,
): Promise<void> {
  const options = redisOptions(url, connectTimeoutMs);
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
    const ended = disconnect(client);
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
 */
export async function connectRedis(
  url: string,
  connectTimeoutMs: number,
  onError: (error: Error) => void,
): Promise<Redis> {
  const client = new Redis({
    ...redisOptions(url, connectTimeoutMs),
    lazyConnect: true,
  });
  client.on("error", onError);
  try {
    await client.connect();
  } catch (error) {
    await disconnect(client);
    throw error;
  }
  return client;
}

/** Closes `client` at once and resolves when its socket is gone. */
export async function disconnect(client: Redis): Promise<void> {
  if (client.status === "end") return;
  const ended = new Promise<void>((resolve) => client.once("end", resolve));
  client.disconnect();
  await ended;
}
