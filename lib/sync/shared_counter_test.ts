import assert from "node:assert/strict";
import { incrementInWorkers } from "./testdata/worker_helpers.ts";

Deno.test("SharedCounter.incrementAtomic() from two workers loses no update", async () => {
  assert.equal(await incrementInWorkers("atomic", 100_000), 200_000);
});

Deno.test("SharedCounter.incrementRacy() from two workers never over-counts", async () => {
  const n = Number(Deno.env.get("SHARED_RACY_N") ?? 100_000);
  const value = await incrementInWorkers("racy", n);
  if (Deno.env.has("SHARED_RACY_N")) {
    console.log(`racy: ${value} of ${2 * n}, lost ${2 * n - value}`);
  }
  // Whether updates are lost depends on timing, so only the bound is certain.
  assert.ok(value <= 2 * n, `expected at most ${2 * n}, got ${value}`);
  assert.ok(value >= n, `expected at least ${n}, got ${value}`);
});
