/**
 * Static pictures of the course's charts, for saved notebooks: each chart's
 * plotly figure is drawn in headless Chromium with the vendored plotly.js and
 * exported as SVG (`Plotly.toImage`), then put in the chart's `text/html`,
 * where front ends that run no scripts show it (see `lib/display/plot.ts`).
 *
 * @module
 */

import {
  type Figure,
  figureBundle,
  PICTURE_WIDTH_PX,
} from "../lib/display/plot.ts";
import {
  launchOfflineBrowser,
  type OfflineBrowser,
} from "./notebook_browser.ts";
import type { Notebook } from "./run_notebooks.ts";

const PLOTLY = new URL("../notebooks/vendor/plotly.min.js", import.meta.url);
const PLOTLY_MIME = "application/vnd.plotly.v1+json";

// The page's globals, in functions that run in the page (no DOM types here).
// deno-lint-ignore no-explicit-any
declare const document: any;
// deno-lint-ignore no-explicit-any
declare const Plotly: any;

/** A page with plotly.js loaded that draws charts as pictures. */
export interface ChartPainter extends AsyncDisposable {
  /**
   * Draws a figure and returns its picture.
   *
   * @param figure A figure from `lineChart` or `barChart`.
   * @returns An SVG document, {@linkcode PICTURE_WIDTH_PX} wide.
   */
  picture(figure: Figure): Promise<string>;
  /**
   * Puts a picture into the `text/html` of every chart of a notebook.
   *
   * @param notebook An executed notebook; changed in place.
   * @returns How many charts got a picture.
   */
  addPictures(notebook: Notebook): Promise<number>;
  /** Closes the browser. */
  close(): Promise<void>;
}

/**
 * Opens headless Chromium, offline, on a page with the vendored plotly.js;
 * loading plotly.js takes seconds, so one painter serves many notebooks.
 *
 * @returns The painter; `await using` closes it.
 * @throws {Error} When Chromium or the vendored plotly.js is missing.
 *
 * @example
 * ```ts ignore
 * import { openChartPainter } from "./chart_pictures.ts";
 * import { lineChart } from "../lib/display/plot.ts";
 * await using painter = await openChartPainter();
 * const svg = await painter.picture(lineChart(
 *   [{ name: "a", x: [1, 2], y: [3, 4] }],
 *   { title: "t", xTitle: "n (count)", yTitle: "time (ms)" },
 * ));
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export async function openChartPainter(): Promise<ChartPainter> {
  await Deno.stat(PLOTLY).catch(() => {
    throw new Error(
      `Cannot draw chart pictures: ${PLOTLY.pathname} is missing (run: deno run -A scripts/vendor_plotly.ts)`,
    );
  });
  const dir = await Deno.makeTempDir({ prefix: "chart_pictures_" });
  let browser: OfflineBrowser | undefined;
  const close = async () => {
    await browser?.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // Chromium reads plotly.js from disk itself: handing 4.6 MB to the page
    // through playwright takes far longer.
    await Deno.writeTextFile(
      `${dir}/page.html`,
      `<div id="chart"></div><script src="${PLOTLY.href}"></script>`,
    );
    browser = await launchOfflineBrowser();
    const page = await browser.context.newPage();
    await page.goto(new URL(`file://${dir}/page.html`).href);
    const picture = (figure: Figure) =>
      page.evaluate(async ({ figure, width }) => {
        const div = document.getElementById("chart");
        await Plotly.newPlot(div, figure.data, figure.layout, {
          ...figure.config,
          staticPlot: true,
        });
        const url: string = await Plotly.toImage(div, {
          format: "svg",
          width,
          height: figure.layout.height ?? 480,
        });
        Plotly.purge(div);
        return decodeURIComponent(url.slice(url.indexOf(",") + 1));
      }, { figure, width: PICTURE_WIDTH_PX });
    const addPictures = async (notebook: Notebook) => {
      const charts = notebook.cells.flatMap((cell) => cell.outputs ?? [])
        .filter((output) => output.data?.[PLOTLY_MIME] !== undefined);
      for (const output of charts) {
        const figure = output.data![PLOTLY_MIME] as Figure;
        const html = figureBundle(figure, { picture: await picture(figure) })[
          "text/html"
        ];
        // As nbformat stores text: a list of lines.
        output.data!["text/html"] = html.split(/(?<=\n)/);
      }
      return charts.length;
    };
    return { picture, addPictures, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
}
