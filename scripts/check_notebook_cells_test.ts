import assert from "node:assert/strict";
import { checkNotebookCells } from "./check_notebook_cells.ts";

function notebookOf(...cells: string[]): string {
  return JSON.stringify({
    cells: [
      { cell_type: "markdown", metadata: {}, source: ["# Title"] },
      ...cells.map((source) => ({
        cell_type: "code",
        metadata: {},
        execution_count: null,
        outputs: [],
        source: [source],
      })),
    ],
    metadata: {
      kernelspec: {
        name: "deno",
        display_name: "Deno",
        language: "typescript",
      },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

async function checkTemporaryNotebook(...cells: string[]) {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/sample.ipynb`;
  try {
    await Deno.writeTextFile(path, notebookOf(...cells));
    return await checkNotebookCells(path);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

Deno.test("checkNotebookCells() fails a type error and names the cell and line", async () => {
  const { ok, output } = await checkTemporaryNotebook(
    "const a = 1;\nconsole.log(a);",
    'const b = 2;\nconst x: number = "s";',
  );
  assert.equal(ok, false);
  assert.match(output, /Type 'string' is not assignable to type 'number'/);
  assert.match(output, /sample\.ipynb cell 3, line 2, column 7/);
});

Deno.test("checkNotebookCells() passes cells that share one scope", async () => {
  const { ok, output } = await checkTemporaryNotebook(
    "const limit = 10;",
    "const doubled: number = limit * 2;\ndoubled",
  );
  assert.equal(ok, true, output);
});
