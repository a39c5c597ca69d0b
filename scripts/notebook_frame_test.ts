import assert from "node:assert/strict";
import {
  courseEntry,
  framedFiles,
  frameNotebook,
  withIndex,
} from "./notebook_frame.ts";

Deno.test("framedFiles() matches every notebook and the README: the frame is up to date", async () => {
  for (
    const { path, content } of await framedFiles(
      new URL("../", import.meta.url),
    )
  ) {
    assert.ok(
      Deno.readTextFileSync(path) === content,
      `${path} is out of date: run \`deno task frame\``,
    );
  }
});

Deno.test("frameNotebook() replaces old navigation cells instead of adding more", () => {
  const notebook = {
    cells: [{ cell_type: "markdown", metadata: {}, source: "# 01 · B" }],
    metadata: {},
  };
  frameNotebook(notebook, "old line");
  frameNotebook(notebook, "new line");
  assert.deepEqual(notebook.cells.map((cell) => cell.source), [
    ["new line"],
    "# 01 · B",
    ["new line"],
  ]);
});

Deno.test("courseEntry() names the notebook that lacks a summary", () => {
  assert.throws(
    () =>
      courseEntry("07_x.ipynb", {
        cells: [{ cell_type: "markdown", metadata: {}, source: "# 07 · X" }],
        metadata: {},
      }),
    {
      name: "TypeError",
      message:
        /expected 'metadata.course.summary' in 07_x.ipynb, received undefined/,
    },
  );
});

Deno.test("withIndex() refuses a README without the index markers", () => {
  assert.throws(() => withIndex("# README", []), TypeError);
});
