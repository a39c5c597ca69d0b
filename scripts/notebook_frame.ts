/**
 * Keeps the course's fixed frame, so nobody maintains it by hand: a
 * navigation line ("← previous | index | next →") as the first and last cell
 * of every notebook, and the README's notebook index built from each
 * notebook's H1 and its `metadata.course.summary`.
 *
 * Usage: `deno run -A scripts/notebook_frame.ts [--check]`; with `--check` it
 * writes nothing and exits 1 when a file is out of date.
 *
 * @module
 */

import { parseCliOrExit } from "./parse_cli.ts";
import { runCommand } from "../lib/util/run_command.ts";

/** The parts of a notebook the frame reads and writes. */
export interface FramedNotebook {
  /** The notebook's cells. */
  cells: {
    cell_type: string;
    id?: string;
    metadata: Record<string, unknown>;
    source: string | string[];
  }[];
  /** Notebook metadata; `course.summary` holds the index line. */
  metadata: { course?: { summary?: string } } & Record<string, unknown>;
}

/** A notebook's place in the course. */
export interface CourseEntry {
  /** File name, e.g. `04_cpu_bound.ipynb`. */
  file: string;
  /** The H1 without `# `, e.g. `04 · CPU-bound work`. */
  title: string;
  /** One line on what it teaches. */
  summary: string;
}

const NAVIGATION_TAG = "navigation";
const INDEX_START = "<!-- notebook-index:start -->";
const INDEX_END = "<!-- notebook-index:end -->";

function text(source: string | string[]): string {
  return Array.isArray(source) ? source.join("") : source;
}

/**
 * Reads a notebook's place in the course: its H1 and summary.
 *
 * @param file The notebook's file name.
 * @param notebook The parsed notebook.
 * @returns The entry for the index.
 * @throws {TypeError} When the notebook has no H1 or no `metadata.course.summary`.
 *
 * @example
 * ```ts
 * import { courseEntry } from "./notebook_frame.ts";
 * import assert from "node:assert/strict";
 * const entry = courseEntry("00_a.ipynb", {
 *   cells: [{ cell_type: "markdown", metadata: {}, source: "# 00 · A\n\nText" }],
 *   metadata: { course: { summary: "what A teaches" } },
 * });
 * assert.deepEqual(entry, { file: "00_a.ipynb", title: "00 · A", summary: "what A teaches" });
 * ```
 */
export function courseEntry(
  file: string,
  notebook: FramedNotebook,
): CourseEntry {
  const heading = notebook.cells
    .filter((cell) => cell.cell_type === "markdown")
    .map((cell) => text(cell.source).match(/^# (.+)$/m)?.[1])
    .find((title) => title !== undefined);
  if (!heading) {
    throw new TypeError(
      `Cannot frame notebook: expected an H1 in ${file}, found none`,
    );
  }
  const summary = notebook.metadata.course?.summary;
  if (typeof summary !== "string" || summary.length === 0) {
    throw new TypeError(
      `Cannot frame notebook: expected 'metadata.course.summary' in ${file}, received ${
        JSON.stringify(summary)
      }`,
    );
  }
  return { file, title: heading.trim(), summary };
}

/**
 * The navigation line of the notebook at `position` in `course`.
 *
 * @param course Every notebook, in order.
 * @param position Index of this notebook in `course`.
 * @returns Markdown: previous, index and next links.
 *
 * @example
 * ```ts
 * import { navigationLine } from "./notebook_frame.ts";
 * import assert from "node:assert/strict";
 * const course = [
 *   { file: "00_a.ipynb", title: "00 · A", summary: "a" },
 *   { file: "01_b.ipynb", title: "01 · B", summary: "b" },
 * ];
 * assert.equal(navigationLine(course, 0), "[index](../README.md#the-notebooks) | [01 · B →](01_b.ipynb)");
 * ```
 */
export function navigationLine(
  course: CourseEntry[],
  position: number,
): string {
  const parts: string[] = [];
  const previous = course[position - 1];
  const next = course[position + 1];
  if (previous) parts.push(`[← ${previous.title}](${previous.file})`);
  parts.push("[index](../README.md#the-notebooks)");
  if (next) parts.push(`[${next.title} →](${next.file})`);
  return parts.join(" | ");
}

/**
 * Puts the navigation line first and last in a notebook, replacing the old ones.
 *
 * @param notebook The parsed notebook; changed in place.
 * @param line The navigation markdown.
 * @returns The same notebook.
 */
export function frameNotebook(
  notebook: FramedNotebook,
  line: string,
): FramedNotebook {
  const isNavigation = (cell: FramedNotebook["cells"][number]) =>
    (cell.metadata.tags as string[] | undefined)?.includes(NAVIGATION_TAG) ??
      false;
  const body = notebook.cells.filter((cell) => !isNavigation(cell));
  const navigation = (id: string) => ({
    cell_type: "markdown",
    id,
    metadata: { tags: [NAVIGATION_TAG] },
    source: [line],
  });
  notebook.cells = [
    navigation("navigation-top"),
    ...body,
    navigation("navigation-bottom"),
  ];
  return notebook;
}

/**
 * Replaces the README's notebook index with a table of `course`.
 *
 * @param readme The README text, holding the index markers.
 * @param course Every notebook, in order.
 * @returns The README with a fresh index.
 * @throws {TypeError} When the markers are missing.
 */
export function withIndex(readme: string, course: CourseEntry[]): string {
  const start = readme.indexOf(INDEX_START);
  const end = readme.indexOf(INDEX_END);
  if (start < 0 || end < start) {
    throw new TypeError(
      `Cannot write the notebook index: README.md lacks ${INDEX_START} and ${INDEX_END}`,
    );
  }
  const rows = course.map((entry) =>
    `| [${entry.title}](notebooks/${entry.file}) | ${entry.summary} |`
  );
  const table = ["| notebook | what it teaches |", "| --- | --- |", ...rows]
    .join("\n");
  return `${readme.slice(0, start)}${INDEX_START}\n\n${table}\n\n${
    readme.slice(end)
  }`;
}

async function formatted(path: string, content: string): Promise<string> {
  const directory = await Deno.makeTempDir();
  try {
    const copy = `${directory}/${path.slice(path.lastIndexOf("/") + 1)}`;
    await Deno.writeTextFile(copy, content);
    await runCommand(Deno.execPath(), ["fmt", "--quiet", "--no-config", copy], {
      what: `deno fmt of ${path}`,
    });
    return await Deno.readTextFile(copy);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/**
 * Computes every framed file: each notebook and the README, formatted.
 *
 * @param root The project's root directory.
 * @returns Path and expected content of each file the frame owns.
 */
export async function framedFiles(
  root: URL,
): Promise<{ path: string; content: string }[]> {
  const notebooksDirectory = new URL("notebooks/", root);
  const files = [...Deno.readDirSync(notebooksDirectory)]
    .filter((entry) => entry.isFile && /^\d\d_.*\.ipynb$/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const notebooks = files.map((file) =>
    JSON.parse(
      Deno.readTextFileSync(new URL(file, notebooksDirectory)),
    ) as FramedNotebook
  );
  const course = files.map((file, i) => courseEntry(file, notebooks[i]));
  const result: { path: string; content: string }[] = [];
  for (const [i, notebook] of notebooks.entries()) {
    const path = new URL(files[i], notebooksDirectory).pathname;
    frameNotebook(notebook, navigationLine(course, i));
    result.push({
      path,
      content: await formatted(path, JSON.stringify(notebook, null, 1) + "\n"),
    });
  }
  const readmePath = new URL("README.md", root).pathname;
  result.push({
    path: readmePath,
    content: await formatted(
      readmePath,
      withIndex(Deno.readTextFileSync(readmePath), course),
    ),
  });
  return result;
}

if (import.meta.main) {
  const { check } = parseCliOrExit(
    "notebook_frame",
    "Usage: deno run -A scripts/notebook_frame.ts [--check]",
    {
      args: Deno.args,
      options: { check: { type: "boolean", default: false } },
    },
  ).values;
  let stale = 0;
  for (
    const { path, content } of await framedFiles(
      new URL("../", import.meta.url),
    )
  ) {
    if (Deno.readTextFileSync(path) === content) continue;
    stale++;
    if (check) console.error(`out of date: ${path} (run deno task frame)`);
    else Deno.writeTextFileSync(path, content);
  }
  if (check && stale > 0) Deno.exit(1);
  console.log(check ? "frame up to date" : `framed ${stale} file(s)`);
}
