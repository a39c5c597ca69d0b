import assert from "node:assert/strict";
import {
  isQuickMode,
  QUICK_MODE_NOTE,
  QUICK_MODE_VARIABLE,
  quickModeNote,
  sized,
} from "./quick_mode.ts";

/** Runs `fn` with the quick-mode variable set to `value` (or unset), then restores it. */
function withQuickMode(value: string | undefined, fn: () => void): void {
  const before = Deno.env.get(QUICK_MODE_VARIABLE);
  if (value === undefined) Deno.env.delete(QUICK_MODE_VARIABLE);
  else Deno.env.set(QUICK_MODE_VARIABLE, value);
  try {
    fn();
  } finally {
    if (before === undefined) Deno.env.delete(QUICK_MODE_VARIABLE);
    else Deno.env.set(QUICK_MODE_VARIABLE, before);
  }
}

/** What `fn` passed to `console.log`, one entry per call. */
function printed(fn: () => void): string[] {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    fn();
  } finally {
    console.log = log;
  }
  return lines;
}

Deno.test("isQuickMode() and sized() follow COURSE_QUICK=1 only", async (t) => {
  for (
    const [value, quick] of [
      ["1", true],
      ["0", false],
      ["true", false],
      [undefined, false],
    ] as const
  ) {
    await t.step(
      value === undefined ? "COURSE_QUICK unset" : `COURSE_QUICK=${value}`,
      () => {
        withQuickMode(value, () => {
          assert.equal(isQuickMode(), quick);
          assert.equal(sized(1_000, 10), quick ? 10 : 1_000);
        });
      },
    );
  }
});

Deno.test("quickModeNote() prints the note in quick mode and nothing otherwise", () => {
  withQuickMode("1", () => {
    assert.deepEqual(printed(quickModeNote), [QUICK_MODE_NOTE]);
  });
  withQuickMode(undefined, () => {
    assert.deepEqual(printed(quickModeNote), []);
  });
});

Deno.test("QUICK_MODE_NOTE says the numbers are not meaningful and how to measure", () => {
  assert.match(QUICK_MODE_NOTE, /COURSE_QUICK=1/);
  assert.match(QUICK_MODE_NOTE, /not meaningful/);
  assert.match(QUICK_MODE_NOTE, /without quick mode/);
});
