import assert from "node:assert/strict";
import { processPssKiB, processRssKiB } from "./memory.ts";

Deno.test("processRssKiB() reads this process or returns undefined", () => {
  const rss = processRssKiB(Deno.pid);
  if (Deno.build.os === "linux") assert.ok(rss !== undefined && rss > 0);
  assert.equal(processRssKiB(-1), undefined);
});

Deno.test("processPssKiB() reads this process, at most its RSS", () => {
  const pss = processPssKiB(Deno.pid);
  if (Deno.build.os === "linux") {
    assert.ok(pss !== undefined && pss > 0);
    assert.ok(pss <= processRssKiB(Deno.pid)!, "PSS never exceeds RSS");
  }
  assert.equal(processPssKiB(-1), undefined);
});
