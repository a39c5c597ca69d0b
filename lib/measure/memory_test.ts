import assert from "node:assert/strict";
import { processRssKiB } from "./memory.ts";

Deno.test("processRssKiB reads this process or returns undefined", () => {
  const rss = processRssKiB(Deno.pid);
  if (Deno.build.os === "linux") assert.ok(rss !== undefined && rss > 0);
  assert.equal(processRssKiB(-1), undefined);
});
