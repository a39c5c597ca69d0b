/**
 * Charts for the course as plain plotly JSON, computed in Deno and drawn by
 * the notebook front end: {@linkcode lineChart} and {@linkcode barChart} build
 * a figure, {@linkcode figureBundle} turns it into a Jupyter MIME bundle, and
 * {@linkcode showFigure} displays it (or prints its text in a terminal).
 *
 * ## How the charts draw offline, and show where no script runs
 *
 * plotly.js needs a DOM, so it never runs in Deno. Each bundle carries:
 *
 * - `application/vnd.plotly.v1+json`: the figure, drawn by VS Code's built-in
 *   renderer and by JupyterLab when the plotly extension is installed.
 * - `text/html`: a `<div>` holding a static picture of the chart (an SVG in an
 *   `<img>`) when there is one, and a small script that replaces it with the
 *   live chart drawn by `Plotly.newPlot`. The kernel cannot draw, so a chart
 *   fresh from a cell has a placeholder sentence instead of the picture;
 *   `deno task notebooks` renders every chart's picture in headless Chromium
 *   (`scripts/chart_pictures.ts`) and puts it in the saved notebook. Front
 *   ends that run no output scripts (an untrusted notebook in the classic
 *   Notebook or JupyterLab, which sanitize the HTML but keep an `<img>`;
 *   nbviewer; GitHub's preview) show the picture. plotly.js is **not** inlined
 *   (3.5–5 MB per output); it is vendored once, at
 *   `notebooks/vendor/plotly.min.js` (copied from the pinned npm package by
 *   `deno run -A scripts/vendor_plotly.ts`), and loaded only if
 *   `window.Plotly` is missing. The script tries, in order:
 *   1. `vendor/plotly.min.js` relative to the page: right for HTML exported
 *      with `jupyter nbconvert --to html` into the `notebooks/` folder.
 *      Verified offline in headless Chromium by `scripts/plots_render_test.ts`.
 *   2. In a Jupyter server page (`…/lab/tree/…`, `…/notebooks/…`,
 *      `…/tree/…`), where the relative path would hit the app's own route,
 *      the same file through the server's `/files/` route beside the open
 *      notebook, e.g. `/files/notebooks/vendor/plotly.min.js`. Verified in the
 *      classic Notebook by `scripts/notebook_browser_test.ts`.
 *
 *   Several charts on one page share one load (`window.__coursePlotlyLoading`).
 *   When plotly.js cannot be found the picture stays (or, without one, the
 *   placeholder says why).
 * - `text/plain`: the title, a table of the data, the reference line and the
 *   caption.
 *
 * ## Layout
 *
 * Every chart has a plot area of a fixed height with the legend and the
 * caption below it, placed in pixels; the caption is wrapped (`<br>`) at
 * {@linkcode CAPTION_LINE_CHARACTERS} characters, since plotly does not wrap
 * text, and the figure's height grows with its lines, so the caption always
 * fits inside the chart.
 *
 * @module
 */

import { displayable, jupyterKernel } from "./_jupyter.ts";
import { table } from "./display.ts";

/** One named line or group of bars. */
export interface Series {
  /** The legend entry. */
  name: string;
  /** Positions along the x axis: numbers, or category names. */
  x: number[] | string[];
  /** Values, one per x. */
  y: number[];
}

/** A horizontal dashed line marking a value, such as "no speedup" at 1. */
export interface ReferenceLine {
  /** The y value of the line. */
  y: number;
  /** Its legend entry. */
  label: string;
}

/** Options of {@linkcode lineChart} and {@linkcode barChart}. */
export interface ChartOptions {
  /** The chart's title. */
  title: string;
  /**
   * The x axis label. With numeric x it must end with a unit in parentheses,
   * e.g. `"workers (count)"`.
   */
  xTitle: string;
  /** The y axis label, ending with a unit in parentheses, e.g. `"time (ms)"`. */
  yTitle: string;
  /**
   * A dashed horizontal line drawn as its own trace.
   * @default {undefined}
   */
  referenceLine?: ReferenceLine;
  /**
   * A sentence under the chart saying what to notice.
   * @default {undefined}
   */
  caption?: string;
}

/** One plotly trace, as JSON. */
export type Trace = Record<string, unknown> & {
  type: string;
  name: string;
  x: (number | string)[];
  y: number[];
};

/** A plotly figure as JSON: what `Plotly.newPlot` takes. */
export interface Figure {
  /** The traces. */
  data: Trace[];
  /** Titles, axes, legend and annotations. */
  layout: Record<string, unknown>;
  /** Plotly's config: responsive, without the logo. */
  config: Record<string, unknown>;
}

/** A figure as a Jupyter MIME bundle; shows itself as a cell's last value. */
export interface FigureBundle {
  /** The figure, for VS Code and JupyterLab's plotly renderer. */
  "application/vnd.plotly.v1+json": Figure;
  /** A `<div>` and script that draw with the vendored plotly.js. */
  "text/html": string;
  /** The title and a table of the data. */
  "text/plain": string;
  [mimeType: string]: string | object;
}

const UNIT = /\([^()]+\)\s*$/;

function checkLabel(name: string, value: unknown, needsUnit: boolean): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(
      `Cannot build the chart: '${name}' must be a non-empty string, received ${
        JSON.stringify(value)
      }`,
    );
  }
  if (needsUnit && !UNIT.test(value)) {
    throw new TypeError(
      `Cannot build the chart: '${name}' must end with a unit in parentheses, e.g. "time (ms)", received ${
        JSON.stringify(value)
      }`,
    );
  }
}

/**
 * The most characters a caption line holds: about 560 px of 12 px text, so
 * a caption fits a chart down to that width.
 */
export const CAPTION_LINE_CHARACTERS = 90;

/** Pixel geometry of every chart, top to bottom. */
const TITLE_SPACE_PX = 60;
const PLOT_HEIGHT_PX = 300;
/** Tick labels and the x axis title, under the plot area. */
const AXIS_SPACE_PX = 62;
const LEGEND_ROW_PX = 22;
const CAPTION_LINE_PX = 17;
const GAP_PX = 10;
/** The width a legend row is assumed to have, and what an entry takes in it. */
const LEGEND_ROW_WIDTH_PX = 560;
const LEGEND_ENTRY_PX = 46;
const LEGEND_CHARACTER_PX = 7;

/**
 * Breaks text into lines of at most `width` characters at spaces; a word
 * longer than that gets a line of its own.
 *
 * @param text The text.
 * @param width The most characters a line holds.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { wrapWords } from "./plot.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(wrapWords("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
 * ```
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((word) => word !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Rows a horizontal legend of these entries takes. */
function legendRows(names: readonly string[]): number {
  // plotly shows no legend for a single trace.
  if (names.length < 2) return 0;
  let rows = 1;
  let used = 0;
  for (const name of names) {
    const width = LEGEND_ENTRY_PX + LEGEND_CHARACTER_PX * name.length;
    if (used > 0 && used + width > LEGEND_ROW_WIDTH_PX) {
      rows++;
      used = 0;
    }
    used += width;
  }
  return rows;
}

/**
 * The layout of everything under the plot area, in pixels: the legend under
 * the axis, then the caption, wrapped; the bottom margin and the figure's
 * height grow with them.
 */
function belowThePlot(
  traceNames: readonly string[],
  caption: string | undefined,
): Record<string, unknown> {
  const rows = legendRows(traceNames);
  const lines = caption === undefined
    ? []
    : wrapWords(caption, CAPTION_LINE_CHARACTERS);
  const captionTop = AXIS_SPACE_PX + rows * LEGEND_ROW_PX + GAP_PX;
  const bottom = captionTop + lines.length * CAPTION_LINE_PX + GAP_PX;
  const layout: Record<string, unknown> = {
    height: TITLE_SPACE_PX + PLOT_HEIGHT_PX + bottom,
    margin: { t: TITLE_SPACE_PX, b: bottom },
    legend: {
      orientation: "h",
      x: 0,
      y: -AXIS_SPACE_PX / PLOT_HEIGHT_PX,
      yanchor: "top",
    },
  };
  if (lines.length > 0) {
    layout.annotations = [{
      text: lines.join("<br>"),
      xref: "paper",
      yref: "paper",
      x: 0,
      y: 0,
      yshift: -captionTop,
      xanchor: "left",
      yanchor: "top",
      showarrow: false,
      align: "left",
    }];
  }
  return layout;
}

/**
 * A figure's caption as plain text, its line breaks undone.
 *
 * @param figure A figure from {@linkcode lineChart} or {@linkcode barChart}.
 * @returns The caption, or `undefined` when the figure has none.
 *
 * @example
 * ```ts
 * import { captionOf, lineChart } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const caption = "A long sentence. ".repeat(10).trim();
 * const figure = lineChart([{ name: "a", x: [1], y: [1] }], {
 *   title: "t", xTitle: "n (count)", yTitle: "time (ms)", caption,
 * });
 * assert.equal(captionOf(figure), caption);
 * ```
 */
export function captionOf(figure: Figure): string | undefined {
  const text = (figure.layout.annotations as { text?: unknown }[] | undefined)
    ?.[0]?.text;
  return typeof text === "string" ? text.replaceAll("<br>", " ") : undefined;
}

/**
 * The same figure without its caption, laid out again to close the space
 * the caption took: for pages that show the caption as text of their own.
 *
 * @param figure A figure from {@linkcode lineChart} or {@linkcode barChart}.
 * @returns A new figure; the input is unchanged.
 *
 * @example
 * ```ts
 * import { captionOf, lineChart, withoutCaption } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const figure = lineChart([{ name: "a", x: [1], y: [1] }], {
 *   title: "t", xTitle: "n (count)", yTitle: "time (ms)", caption: "Look.",
 * });
 * const bare = withoutCaption(figure);
 * assert.equal(captionOf(bare), undefined);
 * assert.ok((bare.layout.height as number) < (figure.layout.height as number));
 * ```
 */
export function withoutCaption(figure: Figure): Figure {
  const layout = {
    ...figure.layout,
    ...belowThePlot(figure.data.map((trace) => trace.name), undefined),
  };
  delete layout.annotations;
  return { ...figure, layout };
}

function buildFigure(
  type: "line" | "bar",
  series: readonly Series[],
  options: ChartOptions,
): Figure {
  if (!Array.isArray(series)) {
    throw new TypeError(
      `Cannot build the chart: 'series' must be an array, received ${typeof series}`,
    );
  }
  if (series.length === 0) {
    throw new RangeError(
      "Cannot build the chart: 'series' must not be empty, received 0 series",
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot build the chart: 'options' must be an object, received ${
        String(options)
      }`,
    );
  }
  series.forEach((one, index) => {
    if (
      typeof one !== "object" || one === null || typeof one.name !== "string" ||
      !Array.isArray(one.x) || !Array.isArray(one.y)
    ) {
      throw new TypeError(
        `Cannot build the chart: series ${index} must be { name: string, x: array, y: array }, received ${
          JSON.stringify(one)
        }`,
      );
    }
    if (one.x.length !== one.y.length) {
      throw new RangeError(
        `Cannot build the chart: series "${one.name}" has ${one.x.length} x values but ${one.y.length} y values`,
      );
    }
    const badY = one.y.findIndex((value: unknown) =>
      typeof value !== "number" || !Number.isFinite(value)
    );
    if (badY !== -1) {
      throw new TypeError(
        `Cannot build the chart: series "${one.name}" has a y value that is not a finite number: ${
          String(one.y[badY])
        }`,
      );
    }
    const badX = one.x.findIndex((value: unknown) =>
      typeof value === "number"
        ? !Number.isFinite(value)
        : typeof value !== "string"
    );
    if (badX !== -1) {
      throw new TypeError(
        `Cannot build the chart: series "${one.name}" has an x value that is neither a finite number nor a string: ${
          String(one.x[badX])
        }`,
      );
    }
  });
  const numericX = series.every((one) =>
    one.x.every((value: unknown) => typeof value === "number")
  );
  checkLabel("title", options.title, false);
  checkLabel("xTitle", options.xTitle, numericX);
  checkLabel("yTitle", options.yTitle, true);

  const data: Trace[] = series.map((one) =>
    type === "line"
      ? {
        type: "scatter",
        mode: "lines+markers",
        name: one.name,
        x: [...one.x],
        y: [...one.y],
      }
      : { type: "bar", name: one.name, x: [...one.x], y: [...one.y] }
  );
  const { referenceLine, caption } = options;
  if (referenceLine !== undefined) {
    if (
      typeof referenceLine !== "object" || referenceLine === null ||
      typeof referenceLine.y !== "number" ||
      !Number.isFinite(referenceLine.y) ||
      typeof referenceLine.label !== "string"
    ) {
      throw new TypeError(
        `Cannot build the chart: 'referenceLine' must be { y: finite number, label: string }, received ${
          JSON.stringify(referenceLine)
        }`,
      );
    }
    const xs = series.flatMap((one) => one.x as (number | string)[]);
    // On a category axis the line spans the plot width on a hidden overlaid
    // x axis running from 0 to 1; on a numeric axis, the data's x range.
    const ends = numericX
      ? [Math.min(...(xs as number[])), Math.max(...(xs as number[]))]
      : [0, 1];
    data.push({
      type: "scatter",
      mode: "lines",
      name: referenceLine.label,
      ...(numericX ? {} : { xaxis: "x2" }),
      x: ends,
      y: [referenceLine.y, referenceLine.y],
      line: { dash: "dash", color: "#888", width: 1.5 },
      hoverinfo: "name+y",
    });
  }
  if (caption !== undefined && typeof caption !== "string") {
    throw new TypeError(
      `Cannot build the chart: 'caption' must be a string, received ${typeof caption}`,
    );
  }
  const layout: Record<string, unknown> = {
    title: { text: options.title },
    xaxis: {
      title: { text: options.xTitle },
      ...(numericX ? {} : { type: "category" }),
    },
    yaxis: { title: { text: options.yTitle }, rangemode: "tozero" },
    template: { layout: { font: { family: "system-ui, sans-serif" } } },
    ...(type === "bar" ? { barmode: "group" } : {}),
  };
  if (referenceLine !== undefined && !numericX) {
    layout.xaxis2 = { overlaying: "x", range: [0, 1], visible: false };
  }
  Object.assign(
    layout,
    belowThePlot(data.map((trace) => trace.name), caption || undefined),
  );
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

/**
 * A line chart with markers, one line per series.
 *
 * @param series The lines: name, x values and as many y values.
 * @param options Title, axis labels with units, an optional reference line and caption.
 * @returns The plotly figure as JSON.
 * @throws {RangeError} When `series` is empty or a series' x and y lengths differ.
 * @throws {TypeError} When a series, label or value has the wrong shape, or a label lacks its unit.
 *
 * @example
 * ```ts
 * import { lineChart } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const figure = lineChart(
 *   [{ name: "sum", x: [1, 2, 4], y: [1, 1.9, 3.5] }],
 *   {
 *     title: "Speedup",
 *     xTitle: "workers (count)",
 *     yTitle: "speedup (×)",
 *     referenceLine: { y: 1, label: "no speedup" },
 *   },
 * );
 * assert.equal(figure.data.length, 2);
 * assert.deepEqual(figure.data[1].x, [1, 4]);
 * ```
 */
export function lineChart(
  series: readonly Series[],
  options: ChartOptions,
): Figure {
  return buildFigure("line", series, options);
}

/**
 * A grouped bar chart, one colour per series.
 *
 * @param series The bar groups: name, x positions or categories and as many y values.
 * @param options Title, axis labels with units, an optional reference line and caption.
 * @returns The plotly figure as JSON.
 * @throws {RangeError} When `series` is empty or a series' x and y lengths differ.
 * @throws {TypeError} When a series, label or value has the wrong shape, or a label lacks its unit.
 *
 * @example
 * ```ts
 * import { barChart } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const figure = barChart(
 *   [{ name: "median", x: ["loop", "map"], y: [12, 30] }],
 *   { title: "Sum of a million numbers", xTitle: "method", yTitle: "time (ms)" },
 * );
 * assert.equal(figure.data[0].type, "bar");
 * ```
 */
export function barChart(
  series: readonly Series[],
  options: ChartOptions,
): Figure {
  return buildFigure("bar", series, options);
}

function titleText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    const text = (value as { text?: unknown }).text;
    if (typeof text === "string") return text;
  }
  return "";
}

function figureText(figure: Figure): string {
  const layout = figure.layout;
  const xTitle =
    titleText((layout.xaxis as { title?: unknown } | undefined)?.title) || "x";
  const yTitle =
    titleText((layout.yaxis as { title?: unknown } | undefined)?.title) || "y";
  const reference = figure.data.find((trace) =>
    trace.mode === "lines" &&
    (trace.line as { dash?: string } | undefined)?.dash === "dash"
  );
  const traces = figure.data.filter((trace) => trace !== reference);
  const rows = new Map<string, Record<string, unknown>>();
  for (const trace of traces) {
    trace.x.forEach((x, i) => {
      const key = `${typeof x}:${x}`;
      if (!rows.has(key)) rows.set(key, { [xTitle]: x });
      rows.get(key)![trace.name] = trace.y[i];
    });
  }
  const lines = [
    titleText(layout.title) || "(untitled chart)",
    `y: ${yTitle}`,
    "",
  ];
  lines.push(table([...rows.values()])["text/plain"]);
  if (reference) {
    lines.push(
      "",
      `Reference line: ${yTitle} = ${reference.y[0]} (${reference.name})`,
    );
  }
  const caption = captionOf(figure);
  if (caption !== undefined) lines.push("", caption);
  return lines.join("\n");
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** The path of the vendored plotly.js, relative to the notebooks folder. */
const VENDOR_PATH = "vendor/plotly.min.js";

/** How wide a chart's static picture is drawn, in CSS pixels. */
export const PICTURE_WIDTH_PX = 800;

/** Base64 of a string's UTF-8 bytes. */
function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function figureHtml(
  figure: Figure,
  title: string,
  picture: string | undefined,
): string {
  const json = JSON.stringify(figure).replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029");
  const id = `plot-${hash(json)}`;
  const height = typeof figure.layout.height === "number"
    ? figure.layout.height
    : 480;
  // Sanitizers (untrusted notebooks, GitHub) drop the style and the script
  // but keep an <img> and its width: the picture is what they show.
  const still = picture === undefined
    ? `<p style="color:#888;font-family:sans-serif">Chart “${
      escapeHtml(title)
    }”: drawn by ${VENDOR_PATH} when scripts may run; the data is in the text/plain output.</p>`
    : `<img src="data:image/svg+xml;base64,${base64(picture)}" alt="Chart: ${
      escapeHtml(title)
    }" width="${PICTURE_WIDTH_PX}">`;
  return `<div id="${id}" class="course-plot" style="width:100%;max-width:900px;height:${height}px">${still}</div>
<script>
(function () {
  var id = ${JSON.stringify(id)};
  var figure = ${json};
  var script = document.currentScript;
  var before = script && script.previousElementSibling;
  var div = before && before.id === id ? before : document.getElementById(id);
  function draw() {
    div.textContent = "";
    window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
  }
  if (window.Plotly) { draw(); return; }
  var loading = window.__coursePlotlyLoading;
  if (!loading) {
    var candidates = [${JSON.stringify(VENDOR_PATH)}];
    var match = location.pathname.match(/^(.*?)\\/(?:lab\\/(?:workspaces\\/[^\\/]+\\/)?tree|notebooks|tree)\\/(.*\\/)?[^\\/]*$/);
    if (match) candidates.push(match[1] + "/files/" + (match[2] || "") + ${
    JSON.stringify(VENDOR_PATH)
  });
    loading = window.__coursePlotlyLoading = new Promise(function (resolve, reject) {
      (function next(i) {
        if (i >= candidates.length) {
          window.__coursePlotlyLoading = undefined;
          reject(new Error("plotly.js not found at " + candidates.join(" or ")));
          return;
        }
        var tag = document.createElement("script");
        tag.src = candidates[i];
        tag.onload = function () { if (window.Plotly) resolve(); else next(i + 1); };
        tag.onerror = function () { tag.remove(); next(i + 1); };
        document.head.appendChild(tag);
      })(0);
    });
  }
  loading.then(draw, function (error) {
    // The static picture, if there is one, stays.
    var placeholder = div.querySelector("p");
    if (placeholder) placeholder.textContent = "Chart not drawn: " + error.message + ". The data is in the text/plain output.";
  });
})();
</script>`;
}

/** Options of {@linkcode figureBundle}. */
export interface FigureBundleOptions {
  /**
   * A static picture of the chart, an SVG document, shown where scripts do
   * not run until the live chart replaces it (`scripts/chart_pictures.ts`
   * renders one); without it a placeholder sentence stands in.
   * @default {undefined}
   */
  picture?: string;
}

/**
 * Turns a figure into a Jupyter MIME bundle that draws offline; see the
 * module documentation for how the `text/html` finds plotly.js and when it
 * holds a static picture.
 *
 * @param figure A figure from {@linkcode lineChart} or {@linkcode barChart}.
 * @param options A static picture of the chart.
 * @returns The bundle: plotly JSON, self-drawing HTML and a text table.
 * @throws {TypeError} When `figure` lacks `data` or `layout`.
 *
 * @example
 * ```ts
 * import { figureBundle, lineChart } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const figure = lineChart(
 *   [{ name: "loop", x: [1, 2], y: [10, 20] }],
 *   { title: "Time by size", xTitle: "size (MB)", yTitle: "time (ms)" },
 * );
 * const bundle = figureBundle(figure);
 * assert.deepEqual(Object.keys(bundle).sort(), [
 *   "application/vnd.plotly.v1+json",
 *   "text/html",
 *   "text/plain",
 * ]);
 * assert.match(bundle["text/plain"], /^Time by size/);
 * assert.match(bundle["text/html"], /vendor\/plotly\.min\.js/);
 * const saved = figureBundle(figure, { picture: "<svg></svg>" });
 * assert.match(saved["text/html"], /<img src="data:image\/svg\+xml;base64,/);
 * ```
 */
export function figureBundle(
  figure: Figure,
  options: FigureBundleOptions = {},
): FigureBundle {
  if (
    typeof figure !== "object" || figure === null ||
    !Array.isArray(figure.data) ||
    typeof figure.layout !== "object" || figure.layout === null
  ) {
    throw new TypeError(
      `Cannot make a figure bundle: 'figure' must be { data: array, layout: object }, received ${
        JSON.stringify(figure)?.slice(0, 80)
      }`,
    );
  }
  const { picture } = options;
  if (
    picture !== undefined && !/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(picture)
  ) {
    throw new TypeError(
      `Cannot make a figure bundle: 'picture' must be an SVG document, received ${
        JSON.stringify(String(picture).slice(0, 40))
      }`,
    );
  }
  return displayable({
    "application/vnd.plotly.v1+json": figure,
    "text/html": figureHtml(figure, titleText(figure.layout.title), picture),
    "text/plain": figureText(figure),
  });
}

/**
 * Shows a figure: displayed in the notebook when running in the Deno kernel,
 * otherwise its text (title and data table) is printed.
 *
 * @param figure A figure from {@linkcode lineChart} or {@linkcode barChart}.
 * @returns Once the figure is shown.
 *
 * @example
 * ```ts
 * import { lineChart, showFigure } from "./plot.ts";
 * const figure = lineChart(
 *   [{ name: "loop", x: [1, 2], y: [10, 20] }],
 *   { title: "Time by size", xTitle: "size (MB)", yTitle: "time (ms)" },
 * );
 * await showFigure(figure); // prints the table outside a notebook
 * ```
 */
export async function showFigure(figure: Figure): Promise<void> {
  const bundle = figureBundle(figure);
  const kernel = jupyterKernel();
  if (kernel) {
    await kernel.display({ ...bundle }, { raw: true });
  } else {
    console.log(bundle["text/plain"]);
  }
}

/**
 * Turns a figure's axes logarithmic (both by default), for data spanning
 * several orders of magnitude. Returns a new figure; the input is unchanged.
 *
 * @param figure A figure from {@linkcode lineChart}.
 * @param axes Which axes to make logarithmic.
 * @returns The figure with `type: "log"` on those axes.
 *
 * @example
 * ```ts
 * import { lineChart, logAxes } from "./plot.ts";
 * import assert from "node:assert/strict";
 * const figure = logAxes(lineChart([{ name: "a", x: [1, 10], y: [1, 100] }], {
 *   title: "t", xTitle: "size (bytes)", yTitle: "time (ms)",
 * }));
 * assert.equal((figure.layout.xaxis as { type: string }).type, "log");
 * assert.equal((figure.layout.yaxis as { type: string }).type, "log");
 * ```
 */
export function logAxes(
  figure: Figure,
  axes: readonly ("x" | "y")[] = ["x", "y"],
): Figure {
  const layout = { ...figure.layout };
  for (const axis of axes) {
    const key = `${axis}axis`;
    const current = { ...(layout[key] as Record<string, unknown>) };
    delete current.rangemode;
    layout[key] = { ...current, type: "log" };
  }
  return { ...figure, layout };
}
