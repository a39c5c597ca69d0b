/**
 * A PNG of a whole HTML page, such as the bench report, taken in headless
 * Chromium after its charts are drawn: the page is measured first, then
 * captured in a window as tall as it is.
 *
 * Usage: `deno run -A scripts/report_screenshot.ts reports/bench.html docs/bench_report.png [--width 1400]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { assertInteger } from "../lib/util/validate.ts";
import { chromiumDom, chromiumScreenshot } from "./headless_chromium.ts";

const USAGE =
  `Usage: deno run -A scripts/report_screenshot.ts PAGE.html OUT.png [--width PIXELS]

  --width PIXELS  the window's width (default 1400); the height is the page's`;

/** Options of {@linkcode pageScreenshot}. */
export interface PageScreenshotOptions {
  /**
   * The window's width, in CSS pixels.
   * @default {1400}
   */
  width?: number;
}

const MEASURE = `<script>
addEventListener("load", () => setTimeout(() => {
  document.documentElement.dataset.pageHeight = String(Math.ceil(document.documentElement.getBoundingClientRect().height));
}, 500));
</script>`;

/**
 * The height of a page in Chromium at a given width, once its scripts ran:
 * measured on a temporary copy with a script that records it in the DOM.
 * A page without `<!doctype html>` (quirks mode) measures at least the
 * window's height.
 *
 * @param page The HTML file.
 * @param width The window's width, in CSS pixels.
 * @returns The page's height, in CSS pixels.
 * @throws {Error} When the height cannot be read.
 *
 * @example
 * ```ts
 * import { pageHeight } from "./report_screenshot.ts";
 * import assert from "node:assert/strict";
 * const page = await Deno.makeTempFile({ suffix: ".html" });
 * await Deno.writeTextFile(page, '<!doctype html><body style="margin:0"><div style="height:1234px"></div></body>');
 * assert.equal(await pageHeight(page, 300), 1234);
 * await Deno.remove(page);
 * ```
 */
export async function pageHeight(page: string, width: number): Promise<number> {
  const directory = await Deno.makeTempDir({ prefix: "page_height_" });
  try {
    const copy = `${directory}/page.html`;
    await Deno.writeTextFile(copy, (await Deno.readTextFile(page)) + MEASURE);
    const dom = await chromiumDom(`file://${copy}`, { width, height: 800 });
    const match = dom.match(/data-page-height="(\d+)"/);
    if (!match) throw new Error(`Could not measure the height of ${page}`);
    return Number(match[1]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/**
 * Saves a PNG of a whole page: its height is measured, then it is captured
 * in a window that tall.
 *
 * @param page The HTML file.
 * @param png Where to write the PNG.
 * @param options The window's width.
 * @returns The window's size used.
 * @throws {RangeError} When `width` is not a positive integer.
 * @throws {Error} When Chromium fails.
 *
 * @example
 * ```ts
 * import { pageScreenshot } from "./report_screenshot.ts";
 * import assert from "node:assert/strict";
 * const page = await Deno.makeTempFile({ suffix: ".html" });
 * await Deno.writeTextFile(page, '<!doctype html><body style="margin:0"><div style="height:300px"></div></body>');
 * const png = await Deno.makeTempFile({ suffix: ".png" });
 * assert.deepEqual(await pageScreenshot(page, png, { width: 200 }), { width: 200, height: 300 });
 * await Deno.remove(page);
 * await Deno.remove(png);
 * ```
 */
export async function pageScreenshot(
  page: string,
  png: string,
  options: PageScreenshotOptions = {},
): Promise<{ width: number; height: number }> {
  const { width = 1400 } = options;
  assertInteger("Cannot take a screenshot", "width", width);
  const height = await pageHeight(page, width);
  const url = new URL(`file://${await Deno.realPath(page)}`);
  await chromiumScreenshot(url, png, { width, height });
  return { width, height };
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: { width: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`report_screenshot: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [page, png] = parsed.positionals;
  const width = Number(parsed.values.width ?? 1400);
  if (
    parsed.positionals.length !== 2 || !Number.isSafeInteger(width) || width < 1
  ) {
    console.error(
      `report_screenshot: expected PAGE.html OUT.png and a positive --width, received ${
        JSON.stringify(Deno.args)
      }\n\n${USAGE}`,
    );
    return 2;
  }
  const size = await pageScreenshot(page, png, { width });
  console.log(`wrote ${png} (${size.width}×${size.height})`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
