import assert from "node:assert/strict";
import { IdleTimer } from "./_idle_timer.ts";

/**
 * Waits for `promise` with the event loop held open: the idle timer never
 * keeps the process alive itself (in a pool, the runners do).
 */
async function held<T>(promise: Promise<T>): Promise<T> {
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    return await promise;
  } finally {
    clearInterval(keepAlive);
  }
}

Deno.test("IdleTimer calls onIdle once the pool has stayed idle", async () => {
  const idle = Promise.withResolvers<void>();
  const timer = new IdleTimer(0, () => true, idle.resolve);
  timer.arm();
  await held(idle.promise);
});

Deno.test("IdleTimer leaves a pool that is busy again when it fires alone", async () => {
  const asked = Promise.withResolvers<void>();
  let reaped = false;
  const timer = new IdleTimer(0, () => {
    asked.resolve();
    return false;
  }, () => reaped = true);
  timer.arm();
  await held(asked.promise);
  assert.equal(reaped, false);
});

Deno.test("IdleTimer starts no timer when stopped or without a timeout", () => {
  const never = () => assert.fail("called");
  const stopped = new IdleTimer(0, never, never);
  stopped.stop();
  stopped.arm();
  const armed = new IdleTimer(0, never, never);
  armed.arm();
  armed.stop();
  new IdleTimer(Infinity, never, never).arm();
  // The sanitizers fail this test if any timer is left.
});
