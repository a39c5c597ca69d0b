import assert from "node:assert/strict";
import { measureLag } from "./event_loop_lag.ts";

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
