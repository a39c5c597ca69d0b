import assert from "node:assert/strict";
import { measureLag } from "./event_loop_lag.ts";

Deno.test("measureLag() sees a busy loop as a gap between ticks at least as long as the loop", async () => {
  const busy = await measureLag(100, { tickMs: 5, quietTicks: 4 });
  // Every tick before the loop came before it started, every tick after it
  // after it ended: the gap spanning it cannot be shorter than the loop.
  assert.ok(busy.maxGapMs >= 100, `gap ${busy.maxGapMs}`);
  assert.equal(busy.lagMs, busy.maxGapMs - 5);
  assert.ok(busy.ticks >= 2 * 4, `ticks ${busy.ticks}`);
});

Deno.test("measureLag() counts its quiet ticks before and after an idle moment", async () => {
  const idle = await measureLag(0, { tickMs: 2, quietTicks: 6 });
  assert.equal(idle.busyMs, 0);
  assert.ok(idle.ticks >= 12, `ticks ${idle.ticks}`);
  assert.equal(idle.lagMs, Math.max(0, idle.maxGapMs - 2));
});

Deno.test("measureLag() rejects bad input, naming it", async () => {
  await assert.rejects(
    measureLag(-1),
    /'busyMs' must be a non-negative number of milliseconds, received -1/,
  );
  await assert.rejects(measureLag(10, { tickMs: -2 }), /'tickMs'.*-2/);
  await assert.rejects(
    measureLag(10, { quietTicks: 0 }),
    /'quietTicks' must be a positive integer, received 0/,
  );
});
