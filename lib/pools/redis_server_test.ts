import assert from "node:assert/strict";
import { processExists } from "./testdata/processes.ts";
import { startRedisServer } from "./redis_server.ts";

async function ping(port: number): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const read = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, read ?? 0));
  } finally {
    conn.close();
  }
}

Deno.test("startRedisServer() answers on 127.0.0.1 and close() stops its process", async () => {
  const server = await startRedisServer();
  assert.equal(server.url, `redis://127.0.0.1:${server.port}`);
  assert.equal(await ping(server.port), "+PONG\r\n");
  assert.equal(processExists(server.pid), true);
  await server.close();
  await server.close();
  assert.equal(processExists(server.pid), false);
  await assert.rejects(ping(server.port), Deno.errors.ConnectionRefused);
});

Deno.test("startRedisServer() says how to install redis-server when it is missing", async () => {
  await assert.rejects(
    startRedisServer({ binary: "/nonexistent/redis-server" }),
    {
      message:
        "Cannot start Redis: '/nonexistent/redis-server' was not found; install it with `apt-get install redis-server` (Debian, Ubuntu) or set REDIS_URL to a running Redis",
    },
  );
});

Deno.test("startRedisServer() reports a server that exits before accepting connections", async () => {
  await assert.rejects(
    startRedisServer({ binary: "false" }),
    /^Error: Cannot start Redis: 'false' exited with code 1 before accepting connections/,
  );
});

Deno.test("startRedisServer() rejects bad options, naming them", async () => {
  await assert.rejects(startRedisServer({ binary: "" }), {
    name: "TypeError",
    message:
      "Cannot start Redis: 'binary' must be a non-empty string, received \"\"",
  });
  for (const startTimeoutMs of [0, -1, NaN, Infinity]) {
    await assert.rejects(startRedisServer({ startTimeoutMs }), {
      name: "RangeError",
      message:
        `Cannot start Redis: 'startTimeoutMs' must be a positive number of milliseconds, received ${startTimeoutMs}`,
    });
  }
});
