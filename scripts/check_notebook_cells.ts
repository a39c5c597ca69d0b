/**
 * Type-checks the code cells of every notebook.
 *
 * `deno check` cannot read `.ipynb`, so each notebook's code cells are joined,
 * in order, into one TypeScript module beside the notebook (cells share one
 * scope in the kernel, and relative imports must resolve as they do there).
 * Errors are reported as `notebook cell N, line M`.
 *
 * Usage: `deno run -A scripts/check_notebook_cells.ts [notebook...]`
 *
 * @module
 */

import { parseCliOrExit } from "./parse_cli.ts";
import { splitLines } from "../lib/util/lines.ts";
import { runCommand } from "../lib/util/run_command.ts";

/** One code cell's place in the generated module. */
export interface CellSpan {
  /** The cell's index among all cells of the notebook, counted from 1. */
  cell: number;
  /** First line of the cell in the module, counted from 1. */
  firstLine: number;
  /** How many lines the cell has. */
  lineCount: number;
}

/** A notebook's code cells as one checkable module. */
export interface CellModule {
  /** The module's source text. */
  source: string;
  /** Where each code cell lies in it. */
  spans: CellSpan[];
}

/**
 * Joins a notebook's code cells into one TypeScript module.
 *
 * @param notebook The parsed `.ipynb` JSON.
 * @returns The module text and where each cell lies in it.
 * @throws {TypeError} When the notebook has no `cells` array.
 *
 * @example
 * ```ts
 * import { cellsToModule } from "./check_notebook_cells.ts";
 * import assert from "node:assert/strict";
 * const notebook = { cells: [{ cell_type: "code", source: ["const a = 1;"] }] };
 * const { source, spans } = cellsToModule(notebook);
 * assert.ok(source.includes("const a = 1;"));
 * assert.deepEqual(spans, [{ cell: 1, firstLine: 3, lineCount: 1 }]);
 * ```
 */
export function cellsToModule(notebook: unknown): CellModule {
  const cells = (notebook as { cells?: unknown })?.cells;
  if (!Array.isArray(cells)) {
    throw new TypeError(
      `Cannot read notebook: expected a 'cells' array, received ${typeof cells}`,
    );
  }
  const lines = [
    "// Generated from a notebook's code cells by check_notebook_cells.ts",
    "export {};",
  ];
  const spans: CellSpan[] = [];
  cells.forEach(
    (cell: { cell_type?: string; source?: string | string[] }, index) => {
      if (cell.cell_type !== "code") return;
      const text = Array.isArray(cell.source)
        ? cell.source.join("")
        : cell.source ?? "";
      const cellLines = splitLines(text);
      spans.push({
        cell: index + 1,
        firstLine: lines.length + 1,
        lineCount: cellLines.length,
      });
      lines.push(...cellLines);
    },
  );
  return { source: lines.join("\n") + "\n", spans };
}

/**
 * Rewrites `module.ts:LINE:COL` locations in checker output as notebook cells.
 *
 * @param output What `deno check` printed.
 * @param moduleName The generated module's file name.
 * @param notebookName The notebook's path, as it should be shown.
 * @param spans Where each cell lies in the module.
 * @returns The output with every location naming the notebook cell and line.
 *
 * @example
 * ```ts
 * import { mapLocations } from "./check_notebook_cells.ts";
 * import assert from "node:assert/strict";
 * const text = mapLocations("at file:///x/m.ts:4:7", "m.ts", "a.ipynb", [
 *   { cell: 2, firstLine: 3, lineCount: 5 },
 * ]);
 * assert.equal(text, "at a.ipynb cell 2, line 2, column 7");
 * ```
 */
export function mapLocations(
  output: string,
  moduleName: string,
  notebookName: string,
  spans: CellSpan[],
): string {
  const escaped = moduleName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const location = new RegExp(`file://\\S*${escaped}:(\\d+):(\\d+)`, "g");
  return output.replace(
    location,
    (_match, lineText: string, column: string) => {
      const line = Number(lineText);
      const span = spans.find((s) =>
        line >= s.firstLine && line < s.firstLine + s.lineCount
      );
      if (!span) return `${notebookName} (generated line ${line})`;
      return `${notebookName} cell ${span.cell}, line ${
        line - span.firstLine + 1
      }, column ${column}`;
    },
  );
}

/**
 * Type-checks one notebook's code cells with `deno check`.
 *
 * @param notebookPath Path of the `.ipynb` file.
 * @returns Whether the check passed, and the checker's output with cell locations.
 */
export async function checkNotebookCells(
  notebookPath: string,
): Promise<{ ok: boolean; output: string }> {
  const notebook = JSON.parse(await Deno.readTextFile(notebookPath));
  const { source, spans } = cellsToModule(notebook);
  const directory = notebookPath.includes("/")
    ? notebookPath.slice(0, notebookPath.lastIndexOf("/"))
    : ".";
  const baseName = notebookPath.slice(notebookPath.lastIndexOf("/") + 1)
    .replace(/\.ipynb$/, "");
  const moduleName = `.cells_check_${baseName}.ts`;
  const modulePath = `${directory}/${moduleName}`;
  await Deno.writeTextFile(modulePath, source);
  try {
    const result = await runCommand(
      Deno.execPath(),
      ["check", "--quiet", modulePath],
      { env: { NO_COLOR: "1", RUST_BACKTRACE: "0" }, allowFailure: true },
    );
    const printed = result.stdout + result.stderr;
    return {
      ok: result.success,
      output: mapLocations(printed, moduleName, notebookPath, spans),
    };
  } finally {
    await Deno.remove(modulePath);
  }
}

async function main(paths: string[]): Promise<number> {
  if (paths.length === 0) {
    for await (const entry of Deno.readDir("notebooks")) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) {
        paths.push(`notebooks/${entry.name}`);
      }
    }
    paths.sort();
  }
  let failures = 0;
  for (const path of paths) {
    const { ok, output } = await checkNotebookCells(path);
    if (ok) {
      console.log(`cells ok: ${path}`);
    } else {
      failures++;
      console.error(
        `cells FAILED type check: ${path}\n${
          output.replace(/Stack backtrace:[\s\S]*/, "")
        }`,
      );
    }
  }
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) {
  const paths = parseCliOrExit(
    "check_notebook_cells",
    "Usage: deno run -A scripts/check_notebook_cells.ts [notebook...]",
    { args: Deno.args, allowPositionals: true },
  ).positionals;
  Deno.exit(await main(paths));
}
