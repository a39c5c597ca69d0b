import assert from "node:assert/strict";
import { mapLimited } from "./map_limited.ts";

Deno.test("mapLimited() keeps order and never exceeds the limit", async () => {
  let running = 0;
  let most = 0;
  const tasks = Array.from({ length: 12 }, (_, i) => async () => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 12 - i));
    running--;
    return i;
  });
  assert.deepEqual(
    await mapLimited(tasks, 3),
    Array.from({ length: 12 }, (_, i) => i),
  );
  assert.equal(most, 3);
  await assert.rejects(
    () => mapLimited(tasks, 0),
    /'limit' must be a positive integer, received 0/,
  );
});
