import assert from "node:assert/strict";
import { runProbe, summarize } from "./first_message_repro.ts";

Deno.test("summarize() counts runs with a loss, lost, late and answering workers", () => {
  assert.deepEqual(
    summarize([
      { workers: 4, lost: [1, 3], late: [], answered: 4 },
      { workers: 4, lost: [], late: [], answered: 4 },
      { workers: 2, lost: [0], late: [1], answered: 1 },
    ]),
    { runs: 3, runsWithLoss: 2, messages: 10, lost: 3, late: 1, answered: 9 },
  );
  assert.deepEqual(summarize([]), {
    runs: 0,
    runsWithLoss: 0,
    messages: 0,
    lost: 0,
    late: 0,
    answered: 0,
  });
});

Deno.test("runProbe(): in a fresh deno test process every worker answers a message it was sent", async () => {
  // What the course's handshake relies on: whatever becomes of a worker's
  // unasked first message, its reply to the parent's message arrives.
  for (
    const result of await Promise.all(
      [1, 2].map(() => runProbe(Deno.execPath(), "test", 4)),
    )
  ) {
    assert.equal(result.workers, 4);
    assert.equal(result.answered, 4, JSON.stringify(result));
    assert.ok(result.lost.length + result.late.length <= 4);
  }
});
