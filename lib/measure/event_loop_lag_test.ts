import assert from "node:assert/strict";
import { measureLag, measureLagDuring } from "./event_loop_lag.ts";
import { busyLoop } from "../workloads/workloads.ts";

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

Deno.test("measureLagDuring() sees no tick during one long loop, and ticks between the pieces of work that yields", async () => {
  const long = await measureLagDuring(() => busyLoop(60), { tickMs: 2 });
  assert.equal(long.ticksDuring, 0);
  // The gap spanning the loop cannot be shorter than the loop.
  assert.ok(long.maxGapMs >= 60, `gap ${long.maxGapMs}`);
  assert.ok(long.elapsedMs >= 60);
  const pieces = await measureLagDuring(async () => {
    for (let i = 0; i < 6; i++) {
      busyLoop(10);
      // The 2 ms tick fell due during the piece, before this timer was set,
      // so it fires first.
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  }, { tickMs: 2 });
  assert.ok(pieces.ticksDuring >= 1, JSON.stringify(pieces));
});

Deno.test("measureLagDuring() rejects a bad interval, naming it", async () => {
  await assert.rejects(
    measureLagDuring(() => {}, { tickMs: 0 }),
    /'tickMs' must be a positive number of milliseconds, received 0/,
  );
});
