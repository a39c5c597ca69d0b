import assert from "node:assert/strict";
import { startLatencyServer } from "./latency_server.ts";

Deno.test("the latency server answers ok after its delay, on loopback", async () => {
  await using server = startLatencyServer({ latencyMs: 50 });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(server.port > 0);
  const started = performance.now();
  const response = await fetch(server.url);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ok");
  assert.ok(performance.now() - started >= 49);
  assert.equal(server.served, 1);
});

Deno.test("concurrent requests overlap their delays", async () => {
  await using server = startLatencyServer({ latencyMs: 100 });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 10 }, async () => (await fetch(server.url)).text()),
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 600, `10 concurrent requests took ${elapsed} ms`);
  assert.equal(server.served, 10);
});

Deno.test("a request can ask for its own delay, and a bad one is refused", async () => {
  await using server = startLatencyServer({ latencyMs: 1_000 });
  const started = performance.now();
  assert.equal(await (await fetch(`${server.url}?ms=0`)).text(), "ok");
  assert.ok(performance.now() - started < 500);
  const bad = await fetch(`${server.url}?ms=-1`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /received -1/);
});

Deno.test("close stops the server and can be called twice", async () => {
  const server = startLatencyServer({ latencyMs: 0 });
  await (await fetch(server.url)).text();
  await server.close();
  await server.close();
  await assert.rejects(() => fetch(server.url));
});

Deno.test("startLatencyServer rejects a bad latency", () => {
  assert.throws(() => startLatencyServer({ latencyMs: -5 }), {
    name: "RangeError",
    message:
      "Cannot start the latency server: 'latencyMs' must be a non-negative number of milliseconds, received -5",
  });
});
