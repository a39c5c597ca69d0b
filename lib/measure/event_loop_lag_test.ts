import assert from "node:assert/strict";
import { measureLag, measureLagDuring } from "./event_loop_lag.ts";

Deno.test("measureLag: a busy loop delays the ticker by about its length", async () => {
  const idle = await measureLag(0, { tickMs: 5 });
  const busy = await measureLag(100, { tickMs: 5 });
  assert.ok(busy.maxGapMs >= 95, `gap ${busy.maxGapMs}`);
  assert.ok(busy.lagMs > idle.lagMs);
  assert.equal(busy.lagMs, busy.maxGapMs - 5);
  assert.ok(busy.ticks >= 5);
});

Deno.test("measureLag rejects bad input", async () => {
  await assert.rejects(measureLag(-1), /'busyMs'/);
  await assert.rejects(measureLag(10, { tickMs: -2 }), /'tickMs'.*-2/);
});

Deno.test("measureLagDuring: a timer ticks between the pieces of work that yields, not during one long loop", async () => {
  const spin = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // busy
    }
  };
  const long = await measureLagDuring(() => spin(60), { tickMs: 2 });
  assert.equal(long.ticksDuring, 0);
  assert.ok(long.maxGapMs >= 59, `gap ${long.maxGapMs}`);
  assert.ok(long.elapsedMs >= 60);
  const pieces = await measureLagDuring(async () => {
    for (let i = 0; i < 6; i++) {
      spin(10);
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  }, { tickMs: 2 });
  assert.ok(pieces.ticksDuring >= 1, JSON.stringify(pieces));
});

Deno.test("measureLagDuring rejects a bad interval", async () => {
  await assert.rejects(
    measureLagDuring(() => {}, { tickMs: 0 }),
    /'tickMs' must be a positive number of milliseconds, received 0/,
  );
});
