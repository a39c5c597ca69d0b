import assert from "node:assert/strict";
import { AsyncLock } from "./async_lock.ts";

Deno.test("AsyncLock serialises holders in request order", async () => {
  const lock = new AsyncLock();
  const log: string[] = [];
  await Promise.all([1, 2, 3].map(async (id) => {
    const release = await lock.acquire();
    log.push(`in ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    log.push(`out ${id}`);
    release();
  }));
  assert.deepEqual(log, ["in 1", "out 1", "in 2", "out 2", "in 3", "out 3"]);
});
