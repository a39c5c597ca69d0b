/**
 * The course in a real front end: Debian's classic Jupyter Notebook server
 * (6.4) with the project's Deno kernel, driven in Debian's Chromium by
 * `playwright-core`, with every request off 127.0.0.1 blocked.
 *
 * For every `notebooks/*.ipynb` (two at a time, each in a page of its own):
 *
 * 1. Opened as committed, the notebook is untrusted (its output scripts do
 *    not run) and every chart still shows a static picture.
 * 2. Each non-empty code cell gets a first line that loads the course's
 *    display module (as every notebook does in its first cells; the test
 *    below checks that) and prints a marker naming the cell, then
 *    Kernel → Restart & Run All runs it in quick mode
 *    (`COURSE_QUICK=1`): every cell queued at once, as a learner's Run All
 *    does. Then no cell shows an error; every cell's outputs open with its own
 *    marker, so nothing a cell printed, displayed or returned landed under a
 *    later cell (the front end files each output under the cell whose request
 *    the kernel stamped on it); every cell shows the same kinds of output, in
 *    the same order, as the committed notebook (quick mode's note aside), so
 *    none went missing and none was added; every chart is drawn by plotly,
 *    with its caption inside the chart.
 *
 * Needs /usr/bin/jupyter (jupyter-notebook) and /usr/bin/chromium: without
 * them the test is ignored with the reason, or fails when `CI=true`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { QUICK_MODE_NOTE } from "../lib/display/quick_mode.ts";
import { runCommand } from "../lib/util/run_command.ts";
import { CHROMIUM_PATH } from "./headless_chromium.ts";
import {
  type CellView,
  launchOfflineBrowser,
  openNotebook,
  type OutputView,
  prependLines,
  readCells,
  readCharts,
  restartRunAll,
  waitForCharts,
} from "./notebook_browser.ts";
import type { Page } from "playwright-core";
import {
  JUPYTER_PATH,
  type NotebookServer,
  startNotebookServer,
} from "./notebook_server.ts";
import type { Notebook, NotebookOutput } from "./run_notebooks.ts";

const NOTEBOOKS = new URL("../notebooks/", import.meta.url);
const PLOTLY_MIME = "application/vnd.plotly.v1+json";
/** How long Run All of one notebook may take in quick mode. */
const RUN_ALL_TIMEOUT_MS = 120_000;
/** How many notebooks are checked at once, each in its own page and kernel. */
const PAGES = 2;
/** How long plotly may take to draw a notebook's charts. */
const DRAW_TIMEOUT_MS = 30_000;
/** How long the last outputs of a Run All may take to arrive after it ends. */
const OUTPUTS_SETTLE_MS = 15_000;
/** The module that makes each cell end once its output is published. */
const OUTPUTS_MODULE = new URL("../lib/display/_jupyter.ts", import.meta.url);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function notebookServerInstalled(): Promise<boolean> {
  if (!exists(JUPYTER_PATH)) return false;
  const { code } = await runCommand(
    "/usr/bin/python3",
    ["-c", "import notebook.notebookapp"],
    { allowFailure: true },
  );
  return code === 0;
}

const missing = [
  ...(await notebookServerInstalled()
    ? []
    : [`${JUPYTER_PATH} with the classic Notebook (jupyter-notebook)`]),
  ...(exists(CHROMIUM_PATH) ? [] : [CHROMIUM_PATH]),
];
const inCi = Deno.env.get("CI") === "true";
if (missing.length > 0 && !inCi) {
  console.warn(
    `notebook_browser_test.ts: ignored, missing ${
      missing.join(" and ")
    } (apt-get install jupyter-notebook chromium)`,
  );
}

const notebookNames = [...Deno.readDirSync(NOTEBOOKS)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
  .map((entry) => entry.name)
  .sort();

/** The marker the browser test prints first in cell `index`. */
function marker(index: number): string {
  return `[browser test: cell ${index}]`;
}

/** The line the browser test puts first in cell `index`. */
function markerLine(index: number): string {
  return `import "../lib/display/_jupyter.ts"; console.log(${
    JSON.stringify(marker(index))
  });`;
}

function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

/** What kind of output this is, as the comparison with the committed notebook sees it. */
function kind(output: NotebookOutput | OutputView): string {
  const type = "output_type" in output ? output.output_type : output.type;
  if (type === "stream") return `stream ${output.name}`;
  const mimeTypes = "output_type" in output
    ? Object.keys(output.data ?? {})
    : output.mimeTypes ?? [];
  return mimeTypes.includes(PLOTLY_MIME) ? `${type} (chart)` : type;
}

/**
 * The kinds of output a cell shows after Run All, as the committed notebook
 * (a default run) would show them: without the marker's line and without
 * the note quick mode prints beside results (`quickModeNote()`), dropping a
 * stream left empty by that.
 */
function kindsWithoutMarker(cell: CellView): string[] {
  const extra = new Set([marker(cell.index), QUICK_MODE_NOTE]);
  return cell.outputs.filter((output) =>
    output.type !== "stream" ||
    joined(output.text).split("\n").some((line) =>
      line !== "" && !extra.has(line)
    )
  ).map(kind);
}

function committedCharts(notebook: Notebook): number {
  return notebook.cells.flatMap((cell) => cell.outputs ?? []).filter((output) =>
    output.data?.[PLOTLY_MIME] !== undefined
  ).length;
}

function checkOutputsInTheirCells(
  name: string,
  cells: CellView[],
  committed: Notebook,
): void {
  for (const cell of cells) {
    if (cell.source.trim() === "") continue;
    const [first] = cell.outputs;
    const text = first?.type === "stream" ? joined(first.text) : "";
    assert.ok(
      first?.type === "stream" && first.name === "stdout" &&
        text.startsWith(`${marker(cell.index)}\n`),
      `${name} cell ${cell.index}: its outputs must open with its marker, but the first is ${
        JSON.stringify(first ? { ...first, text: text.slice(0, 200) } : null)
      }: an earlier cell's output landed here`,
    );
    assert.deepEqual(
      kindsWithoutMarker(cell),
      (committed.cells[cell.index].outputs ?? []).map(kind),
      `${name} cell ${cell.index}: the kinds of output differ from the committed notebook's`,
    );
  }
}

/**
 * Waits until every cell's outputs pass {@linkcode checkOutputsInTheirCells},
 * or OUTPUTS_SETTLE_MS has passed. The front end learns that a cell finished
 * (its prompt number, on the shell channel) apart from the cell's outputs (on
 * the IOPub channel), so the last cell's outputs can still be on their way
 * when Run All looks done; the check after this wait is the assertion.
 */
async function outputsSettled(
  page: Page,
  name: string,
  committed: Notebook,
): Promise<void> {
  const deadline = Date.now() + OUTPUTS_SETTLE_MS;
  while (Date.now() < deadline) {
    try {
      checkOutputsInTheirCells(name, await readCells(page), committed);
      return;
    } catch {
      await page.waitForTimeout(100);
    }
  }
}

/** The modules a cell imports, as URLs (relative ones resolved from notebooks/). */
function importsOf(source: string): URL[] {
  return [...source.matchAll(/(?:from|import)\s+"([^"]+)"/g)].map((match) =>
    new URL(match[1], NOTEBOOKS)
  );
}

/** Whether `module` imports, directly or not, `target`. */
async function loads(module: URL, target: URL): Promise<boolean> {
  const { stdout } = await runCommand(Deno.execPath(), [
    "info",
    "--json",
    module.href,
  ]);
  const graph: { modules: { specifier: string }[] } = JSON.parse(stdout);
  return graph.modules.some((entry) => entry.specifier === target.href);
}

Deno.test("In every notebook, the first cell with output loads the module that keeps outputs in their cells", async () => {
  for (const name of notebookNames) {
    const notebook: Notebook = JSON.parse(
      await Deno.readTextFile(new URL(name, NOTEBOOKS)),
    );
    const first = notebook.cells.findIndex((cell) =>
      cell.cell_type === "code" && (cell.outputs ?? []).length > 0
    );
    if (first === -1) continue;
    const imported = notebook.cells.slice(0, first + 1)
      .filter((cell) => cell.cell_type === "code")
      .flatMap((cell) => importsOf(joined(cell.source)));
    const found = await Promise.all(
      imported.map((module) => loads(module, OUTPUTS_MODULE)),
    );
    assert.ok(
      found.includes(true),
      `${name}: cell ${first} is the first with output, but no cell up to it loads ${OUTPUTS_MODULE.pathname}`,
    );
  }
});

/**
 * Opens one notebook untrusted and checks its pictures, then runs it all
 * with markers and checks where every output landed and every chart.
 */
async function checkNotebook(
  page: Page,
  server: NotebookServer,
  name: string,
): Promise<void> {
  const committed: Notebook = JSON.parse(
    await Deno.readTextFile(new URL(name, NOTEBOOKS)),
  );
  const charts = committedCharts(committed);
  await openNotebook(page, server.notebookUrl(name));
  assert.equal(
    await page.evaluate(() => Jupyter.notebook.trusted),
    false,
    `${name} opened trusted; the test needs an untrusted notebook`,
  );
  const saved = await readCharts(page);
  assert.equal(saved.length, charts, `${name}: charts shown untrusted`);
  for (const [i, chart] of saved.entries()) {
    assert.ok(
      chart.picture && !chart.drawn,
      `${name} chart ${i} (cell ${chart.cell}) untrusted: ${
        JSON.stringify(chart)
      }; expected its static picture, not a drawn chart`,
    );
  }

  await prependLines(page, markerLine);
  await restartRunAll(page, RUN_ALL_TIMEOUT_MS);
  await outputsSettled(page, name, committed);
  checkOutputsInTheirCells(name, await readCells(page), committed);
  await waitForCharts(page, DRAW_TIMEOUT_MS);
  const live = await readCharts(page);
  assert.equal(live.length, charts, `${name}: charts after Run All`);
  for (const [i, chart] of live.entries()) {
    assert.ok(
      chart.drawn && !chart.picture && chart.captionInside !== false,
      `${name} chart ${i} (cell ${chart.cell}) after Run All: ${
        JSON.stringify(chart)
      }; expected drawn, with its caption inside`,
    );
  }
  await page.evaluate(() => Jupyter.notebook.kernel.kill());
}

Deno.test({
  name:
    "The classic Notebook shows every saved chart untrusted, and Run All keeps every output in its cell",
  ignore: missing.length > 0 && !inCi,
  async fn(t) {
    if (missing.length > 0) {
      throw new Error(`CI=true but missing ${missing.join(" and ")}`);
    }
    assert.ok(notebookNames.length > 0, "no notebooks found");
    await using server = await startNotebookServer({ quick: true });
    await using browser = await launchOfflineBrowser();
    // Notebooks are checked PAGES at a time, each in a page of its own (most
    // of a notebook's time is the page loading and the kernel starting), and
    // each one's outcome is then reported as a step of its own.
    const queue = [...notebookNames];
    const outcomes = new Map<string, { error?: unknown; seconds: number }>();
    await Promise.all(
      Array.from({ length: PAGES }, async () => {
        const page = await browser.context.newPage();
        for (let name = queue.shift(); name; name = queue.shift()) {
          const started = performance.now();
          const error = await checkNotebook(page, server, name).then(
            () => undefined,
            (error) => error,
          );
          const seconds = (performance.now() - started) / 1000;
          outcomes.set(name, { error, seconds });
        }
      }),
    );
    for (const name of notebookNames) {
      const { error, seconds } = outcomes.get(name)!;
      await t.step(`${name} (${seconds.toFixed(1)} s)`, () => {
        if (error !== undefined) throw error;
      });
    }
    assert.deepEqual(browser.blocked, [], "requests off 127.0.0.1");
  },
});

// deno-lint-ignore no-explicit-any
declare const Jupyter: any;
