/**
 * Run by `workers_basics_test.ts` as the only test of a fresh `deno test`
 * process, where Deno 2.9 sometimes loses a message a worker posts on its
 * own as it starts: two plain workers must still both start.
 *
 * @module
 */

import assert from "node:assert/strict";
import { drainQueue } from "../workers_basics.ts";

Deno.test("two fresh plain workers both start and drain the queue", async () => {
  const result = await drainQueue({ workers: 2, items: 4, itemMs: 5, seed: 1 });
  assert.equal(result.records.length, 4);
});
