/**
 * Drives the classic Jupyter Notebook front end in Debian's Chromium through
 * `playwright-core`, offline: every request that is not to 127.0.0.1 (or a
 * local `file:`, `data:` or `blob:` URL) is blocked and recorded. Used by the browser test and by the screenshot of a
 * saved notebook in `docs/`.
 *
 * The page functions read the front end's own model (`Jupyter.notebook`):
 * which outputs each cell holds is what the learner sees under that cell.
 *
 * @module
 */

import {
  type Browser,
  type BrowserContext,
  chromium,
  errors,
  type Page,
} from "playwright-core";
import { CHROMIUM_PATH } from "./headless_chromium.ts";

/** Chromium flags: no sandbox (root in CI), nothing fetched in the background. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--no-first-run",
  "--disable-domain-reliability",
  "--metrics-recording-only",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/** A Chromium whose pages can reach only 127.0.0.1. */
export interface OfflineBrowser extends AsyncDisposable {
  /** The browser context every page is opened in. */
  readonly context: BrowserContext;
  /** Every URL that was blocked because it was not on 127.0.0.1. */
  readonly blocked: readonly string[];
  /** Closes the browser. */
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium headless with {@linkcode CHROMIUM_FLAGS} and one
 * context in which every request off 127.0.0.1 is aborted and recorded.
 *
 * @param viewport The size of each page, in CSS pixels.
 * @returns The browser; `await using` closes it.
 *
 * @example
 * ```ts ignore
 * import { launchOfflineBrowser } from "./notebook_browser.ts";
 * await using browser = await launchOfflineBrowser();
 * const page = await browser.context.newPage();
 * await page.goto("data:text/html,<img src='https://example.com/x.png'>");
 * console.log(browser.blocked); // ["https://example.com/x.png"]
 * ```
 */
export async function launchOfflineBrowser(
  viewport = { width: 1280, height: 900 },
): Promise<OfflineBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_FLAGS],
  });
  const blocked: string[] = [];
  try {
    const context = await browser.newContext({ viewport });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      const local = ["data:", "blob:", "file:"].includes(url.protocol) ||
        url.hostname === "127.0.0.1";
      if (local) return route.continue();
      blocked.push(url.href);
      return route.abort("blockedbyclient");
    });
    const close = () => browser.close();
    return { context, blocked, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

// The page's globals, in functions that run in the page (no DOM types here).
// deno-lint-ignore no-explicit-any
declare const Jupyter: any;
// deno-lint-ignore no-explicit-any
declare const document: any;

/**
 * Opens a notebook in the classic front end and waits until it is loaded
 * and its kernel is connected.
 *
 * @param page The page to use.
 * @param url The notebook's URL, with the token.
 * @param timeoutMs How long to wait.
 */
export async function openNotebook(
  page: Page,
  url: string,
  timeoutMs = 60_000,
): Promise<void> {
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: timeoutMs });
  await page.waitForFunction(
    () =>
      typeof Jupyter !== "undefined" && Jupyter.notebook?._fully_loaded &&
      Jupyter.notebook.kernel?.is_connected(),
    null,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** One output under a cell, as the front end holds it. */
export interface OutputView {
  /** `stream`, `display_data`, `execute_result` or `error`. */
  type: string;
  /** For a stream: `stdout` or `stderr`. */
  name?: string;
  /** For a stream, its text; for an error, `ename: evalue`. */
  text?: string;
  /** For display data and results: its MIME types. */
  mimeTypes?: string[];
}

/** A code cell and its outputs, as the front end holds them. */
export interface CellView {
  /** The cell's index among all cells of the notebook. */
  index: number;
  /** The cell's source. */
  source: string;
  /** Its execution count, `"*"` while queued or running, or `null`. */
  prompt: number | string | null;
  /** Its outputs, in order. */
  outputs: OutputView[];
}

/**
 * Reads every code cell and its outputs from the front end's model.
 *
 * @param page A page with a notebook open.
 * @returns The code cells, in order.
 */
export function readCells(page: Page): Promise<CellView[]> {
  return page.evaluate(() =>
    Jupyter.notebook.get_cells().flatMap((
      // deno-lint-ignore no-explicit-any
      cell: any,
      index: number,
    ) =>
      cell.cell_type !== "code" ? [] : [{
        index,
        source: cell.get_text(),
        prompt: cell.input_prompt_number ?? null,
        // deno-lint-ignore no-explicit-any
        outputs: cell.output_area.outputs.map((output: any) => ({
          type: output.output_type,
          name: output.name,
          text: output.output_type === "error"
            ? `${output.ename}: ${output.evalue}`
            : output.text,
          mimeTypes: output.data ? Object.keys(output.data) : undefined,
        })),
      }]
    )
  );
}

/**
 * Puts `line(index)` first in every non-empty code cell, e.g. a statement
 * that prints a marker naming the cell.
 *
 * @param page A page with a notebook open.
 * @param line The line for the cell at `index` (an index among all cells).
 */
export async function prependLines(
  page: Page,
  line: (index: number) => string,
): Promise<void> {
  const cells = await readCells(page);
  const lines = cells.filter((cell) => cell.source.trim() !== "").map((
    cell,
  ) => [cell.index, line(cell.index)] as const);
  await page.evaluate((lines) => {
    for (const [index, text] of lines) {
      const cell = Jupyter.notebook.get_cell(index);
      cell.set_text(`${text}\n${cell.get_text()}`);
    }
  }, lines);
}

/**
 * Kernel → Restart & Run All, without the confirmation dialog, then waits
 * until every non-empty code cell has run and the kernel is idle. Fails at
 * once, naming the cell, when a cell shows an error.
 *
 * @param page A page with a notebook open.
 * @param timeoutMs How long the whole run may take.
 * @throws {Error} When a cell errs or the run does not end in time.
 */
export async function restartRunAll(
  page: Page,
  timeoutMs: number,
): Promise<void> {
  await page.evaluate(() => {
    // Forget the old outputs first, so nothing stale can be read as new.
    Jupyter.notebook.clear_all_output();
    return Jupyter.notebook.restart_run_all({ confirm: false });
  });
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const state = await page.evaluate(() => {
      // deno-lint-ignore no-explicit-any
      const cells = Jupyter.notebook.get_cells().filter((cell: any) =>
        cell.cell_type === "code" && cell.get_text().trim() !== ""
      );
      // deno-lint-ignore no-explicit-any
      const failed = cells.find((cell: any) =>
        // deno-lint-ignore no-explicit-any
        cell.output_area.outputs.some((output: any) =>
          output.output_type === "error"
        )
      );
      const idle = document.querySelector("#kernel_indicator_icon")?.classList
        .contains("kernel_idle_icon");
      return {
        failed: failed === undefined ? undefined : {
          index: Jupyter.notebook.find_cell_index(failed),
          // deno-lint-ignore no-explicit-any
          error: failed.output_area.outputs.filter((output: any) =>
            output.output_type === "error"
            // deno-lint-ignore no-explicit-any
          ).map((output: any) => `${output.ename}: ${output.evalue}`).join(
            "; ",
          ),
        },
        done: idle &&
          // deno-lint-ignore no-explicit-any
          cells.every((cell: any) =>
            typeof cell.input_prompt_number === "number"
          ),
      };
    });
    if (state.failed) {
      throw new Error(
        `Cell ${state.failed.index} failed: ${state.failed.error}`,
      );
    }
    if (state.done) return;
    if (Date.now() > deadline) {
      throw new Error(`Run All did not finish within ${timeoutMs} ms`);
    }
    await page.waitForTimeout(100);
  }
}

/**
 * Waits until plotly has drawn every course chart in the page, or the time
 * is up (then {@linkcode readCharts} tells which did not draw).
 *
 * @param page A page with a notebook open.
 * @param timeoutMs How long to wait.
 */
export async function waitForCharts(
  page: Page,
  timeoutMs: number,
): Promise<void> {
  await page.waitForFunction(
    () =>
      // deno-lint-ignore no-explicit-any
      [...document.querySelectorAll(".course-plot")].every((plot: any) =>
        plot.querySelector("svg.main-svg") !== null
      ),
    null,
    { timeout: timeoutMs, polling: 100 },
  ).catch((error) => {
    if (!(error instanceof errors.TimeoutError)) throw error;
  });
}

/** A chart output of the course (`lib/display/plot.ts`), as shown in the page. */
export interface ChartView {
  /** The index of the cell it is under. */
  cell: number;
  /** Whether plotly drew it (its `main-svg` is there). */
  drawn: boolean;
  /** Whether a static picture is shown, loaded, with a non-zero size. */
  picture: boolean;
  /**
   * For a drawn chart with a caption, whether every line of the caption lies
   * inside the chart; `undefined` otherwise.
   */
  captionInside: boolean | undefined;
}

/**
 * Finds every course chart in the page and says how it is shown.
 *
 * @param page A page with a notebook open.
 * @returns One entry per chart, in page order.
 */
export function readCharts(page: Page): Promise<ChartView[]> {
  return page.evaluate(() =>
    // deno-lint-ignore no-explicit-any
    [...document.querySelectorAll(".course-plot")].map((plot: any) => {
      const cellElement = plot.closest(".cell");
      const cell = Jupyter.notebook.get_cells().findIndex((
        // deno-lint-ignore no-explicit-any
        candidate: any,
      ) => candidate.element[0] === cellElement);
      const image = plot.querySelector("img");
      const svg = plot.querySelector("svg.main-svg");
      const caption = plot.querySelector(".annotation-text");
      let captionInside: boolean | undefined;
      if (svg && caption) {
        const box = svg.getBoundingClientRect();
        const text = caption.getBoundingClientRect();
        captionInside = text.left >= box.left - 0.5 &&
          text.right <= box.right + 0.5 && text.top >= box.top - 0.5 &&
          text.bottom <= box.bottom + 0.5;
      }
      return {
        cell,
        drawn: svg !== null,
        picture: image !== null && image.complete && image.naturalWidth > 0 &&
          image.getBoundingClientRect().width > 0,
        captionInside,
      };
    })
  );
}
