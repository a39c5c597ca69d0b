/**
 * The report of a `deno task bench` run in its three forms: a text summary
 * for stdout, JSON with every sample, and a self-contained HTML page that
 * draws its charts offline with plotly.js inlined.
 *
 * @module
 */

import { table } from "../lib/display/display.ts";
import type { MachineFacts } from "../lib/measure/machine_facts.ts";
import { captionOf, type Figure, withoutCaption } from "../lib/display/plot.ts";
import type { BenchOutcomes, ExperimentName } from "./bench_experiments.ts";
import type { HeadlineRatio } from "./bench_ratios.ts";

/** The flags a run was made with. */
export interface BenchFlags {
  /** Test-sized workloads. */
  quick: boolean;
  /** Measured runs per point. */
  repeats: number;
  /** The experiments asked for. */
  only: ExperimentName[];
  /** The Python executable. */
  python: string;
}

/** Everything a run produced. */
export interface BenchReport {
  /** When the run started, ISO 8601. */
  startedAt: string;
  /** Wall-clock time of the whole run, in milliseconds. */
  wallMs: number;
  /** The flags. */
  flags: BenchFlags;
  /** The machine and runtime: cores, platform, Deno, V8, TypeScript. */
  machine: MachineFacts;
  /** Each experiment's outcome. */
  outcomes: BenchOutcomes;
  /** The headline ratios. */
  ratios: HeadlineRatio[];
}

/** The vendored plotly.js the HTML report inlines. */
export const PLOTLY_FILE: URL = new URL(
  "../notebooks/vendor/plotly.min.js",
  import.meta.url,
);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function machineLine(machine: MachineFacts): string {
  return `${machine.cores} cores, ${machine.platform}, Deno ${machine.deno}, V8 ${machine.v8}, TypeScript ${machine.typescript}`;
}

function flagsLine(flags: BenchFlags): string {
  return `${
    flags.quick ? "quick" : "default"
  } sizes, ${flags.repeats} repeats, experiments: ${flags.only.join(", ")}`;
}

function ratioRows(ratios: readonly HeadlineRatio[]) {
  return ratios.map((ratio) => ({
    ratio: ratio.name,
    value: ratio.value,
    goal: ratio.goal ?? "",
    meaning: ratio.meaning,
  }));
}

/**
 * The run as text for stdout: machine, flags, each experiment's tables (or
 * why it was skipped), then the headline ratios.
 *
 * @param report The run.
 * @returns Lines of text.
 *
 * @example
 * ```ts
 * import { summaryText } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * const text = summaryText({
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   wallMs: 1500,
 *   flags: { quick: true, repeats: 1, only: ["python"], python: "python9" },
 *   machine: { cores: 2, platform: "linux x86_64", deno: "2", v8: "1", typescript: "5" },
 *   outcomes: {
 *     python: { status: "skipped", title: "Python", reason: "no python9", elapsedMs: 3 },
 *   },
 *   ratios: [],
 * });
 * assert.match(text, /== Python: skipped, no python9/);
 * ```
 */
export function summaryText(report: BenchReport): string {
  const lines = [
    `machine: ${machineLine(report.machine)}`,
    `run: ${flagsLine(report.flags)}; ${seconds(report.wallMs)} in all`,
  ];
  for (const outcome of Object.values(report.outcomes)) {
    if (outcome.status === "skipped") {
      lines.push("", `== ${outcome.title}: skipped, ${outcome.reason}`);
      continue;
    }
    lines.push("", `== ${outcome.title} (${seconds(outcome.elapsedMs)})`);
    for (const { title, rows } of outcome.tables) {
      lines.push("", `${title}:`, table(rows)["text/plain"]);
    }
  }
  lines.push("", "== Headline ratios");
  lines.push(
    report.ratios.length === 0
      ? "(none: their experiments did not run)"
      : table(ratioRows(report.ratios))["text/plain"],
  );
  return lines.join("\n");
}

/**
 * The run as JSON: flags, machine, every experiment's parameters and the lib
 * functions' results (each sample they keep, and medians), the summary
 * tables and the ratios. Charts are left out: they are drawn from the same
 * results.
 *
 * @param report The run.
 * @returns Indented JSON text.
 *
 * @example
 * ```ts
 * import { reportJson } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * const json = JSON.parse(reportJson({
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   wallMs: 10,
 *   flags: { quick: true, repeats: 1, only: ["cpu"], python: "python3" },
 *   machine: { cores: 2, platform: "linux x86_64", deno: "2", v8: "1", typescript: "5" },
 *   outcomes: {
 *     cpu: {
 *       status: "done", title: "CPU", parameters: { limit: 10 }, results: [],
 *       tables: [], elapsedMs: 5,
 *       figures: [{ data: [], layout: {}, config: {} }],
 *     },
 *   },
 *   ratios: [],
 * }));
 * assert.equal(json.experiments.cpu.parameters.limit, 10);
 * assert.equal(json.experiments.cpu.figures, undefined);
 * ```
 */
export function reportJson(report: BenchReport): string {
  const experiments = Object.fromEntries(
    Object.entries(report.outcomes).map(([name, outcome]) => {
      if (outcome.status === "skipped") return [name, outcome];
      const { figures: _figures, ...rest } = outcome;
      return [name, rest];
    }),
  );
  return JSON.stringify(
    {
      startedAt: report.startedAt,
      wallMs: report.wallMs,
      flags: report.flags,
      machine: report.machine,
      experiments,
      ratios: report.ratios,
    },
    null,
    2,
  );
}

/**
 * Every chart of the run, in the order the report shows them.
 *
 * @param report The run.
 * @returns The figures of the experiments that ran.
 *
 * @example
 * ```ts
 * import { reportFigures } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * const figure = { data: [], layout: {}, config: {} };
 * assert.equal(reportFigures({
 *   startedAt: "", wallMs: 1, ratios: [],
 *   flags: { quick: true, repeats: 1, only: ["cpu"], python: "python3" },
 *   machine: { cores: 2, platform: "linux", deno: "2", v8: "1", typescript: "5" },
 *   outcomes: {
 *     cpu: {
 *       status: "done", title: "CPU", parameters: {}, results: [], tables: [],
 *       figures: [figure, figure], elapsedMs: 1,
 *     },
 *   },
 * }).length, 2);
 * ```
 */
export function reportFigures(report: BenchReport): Figure[] {
  return Object.values(report.outcomes).flatMap((outcome) =>
    outcome.status === "done" ? outcome.figures : []
  );
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/**
 * A figure's caption (lib/display/plot.ts puts it in an annotation under the plot)
 * taken out to be a paragraph of the page, where it wraps to the chart's
 * width instead of running off its edge.
 */
function captionApart(figure: Figure): { figure: Figure; caption: string } {
  const bare = withoutCaption(figure);
  return {
    figure: { ...bare, config: { ...bare.config, displayModeBar: false } },
    caption: captionOf(figure) ?? "",
  };
}

/** Text safe inside `<script>`: nothing in it can close the element. */
function scriptText(text: string): string {
  return text.replaceAll(/<\/script/gi, "<\\/script");
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1360px; padding: 0 16px; color: #222; }
h1 { margin-bottom: 4px; }
.run { color: #555; margin-top: 0; }
figure { margin: 0; }
section { border-top: 1px solid #ddd; margin-top: 24px; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 24px; align-items: start; }
.chart { height: 400px; }
.caption { color: #444; font-size: 14px; margin: 0 8px 8px; }
.tables { display: flex; flex-wrap: wrap; gap: 0 32px; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; }
th { text-align: left; background: #f6f6f6; }
.skipped { color: #a15c00; }
`;

/**
 * The run as one HTML page that opens offline: plotly.js inlined, one chart
 * per figure, the summary tables, the headline ratios and the machine.
 *
 * @param report The run.
 * @param plotlyJs The text of plotly.min.js, e.g. read from {@linkcode PLOTLY_FILE}.
 * @returns The page.
 *
 * @example
 * ```ts
 * import { reportHtml } from "./bench_report.ts";
 * import assert from "node:assert/strict";
 * const html = reportHtml({
 *   startedAt: "2026-01-01T00:00:00.000Z", wallMs: 1, ratios: [],
 *   flags: { quick: true, repeats: 1, only: ["cpu"], python: "python3" },
 *   machine: { cores: 2, platform: "linux", deno: "2", v8: "1", typescript: "5" },
 *   outcomes: {
 *     cpu: {
 *       status: "done", title: "CPU <bound>", parameters: {}, results: [],
 *       tables: [{ title: "modes", rows: [{ mode: "workers", ms: 5 }] }],
 *       figures: [{ data: [], layout: {}, config: {} }], elapsedMs: 1,
 *     },
 *   },
 * }, "window.Plotly = {};");
 * assert.match(html, /<script>window.Plotly = \{\};<\/script>/);
 * assert.match(html, /<h2>CPU &lt;bound&gt;<\/h2>/);
 * assert.equal(html.match(/class="chart"/g)?.length, 1);
 * ```
 */
export function reportHtml(report: BenchReport, plotlyJs: string): string {
  let chartIndex = 0;
  const sections = Object.values(report.outcomes).map((outcome) => {
    const heading = `<h2>${escapeHtml(outcome.title)}</h2>`;
    if (outcome.status === "skipped") {
      return `<section>${heading}<p class="skipped">Skipped: ${
        escapeHtml(outcome.reason)
      }</p></section>`;
    }
    const charts = outcome.figures.map((figure) =>
      `<figure><div class="chart" id="chart-${chartIndex++}"></div><figcaption class="caption">${
        escapeHtml(captionApart(figure).caption)
      }</figcaption></figure>`
    ).join("");
    const tables = outcome.tables.map(({ title, rows }) =>
      `<div><h3>${escapeHtml(title)}</h3>${table(rows)["text/html"]}</div>`
    ).join("");
    return `<section>${heading}<p class="run">measured in ${
      seconds(outcome.elapsedMs)
    }</p><div class="grid">${charts}<div class="tables">${tables}</div></div></section>`;
  });
  const ratios = report.ratios.length === 0
    ? "<p>None: their experiments did not run.</p>"
    : table(ratioRows(report.ratios))["text/html"];
  const machine = table([
    { fact: "cores", value: String(report.machine.cores) },
    { fact: "platform", value: report.machine.platform },
    { fact: "Deno", value: report.machine.deno },
    { fact: "V8", value: report.machine.v8 },
    { fact: "TypeScript", value: report.machine.typescript },
  ])["text/html"];
  const figures = JSON.stringify(
    reportFigures(report).map((figure) => captionApart(figure).figure),
  ).replaceAll(
    "<",
    "\\u003c",
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>deno task bench: threads, processes and the event loop, measured</title>
<style>${STYLE}</style>
<script>${scriptText(plotlyJs)}</script>
</head>
<body>
<h1>Threads, processes and the event loop, measured</h1>
<p class="run">${escapeHtml(report.startedAt)}: ${
    escapeHtml(flagsLine(report.flags))
  }; ${seconds(report.wallMs)} in all. Machine: ${
    escapeHtml(machineLine(report.machine))
  }.</p>
<section><h2>Headline ratios</h2>${ratios}</section>
${sections.join("\n")}
<section><h2>Machine</h2>${machine}</section>
<script type="application/json" id="figures">${figures}</script>
<script>
(function () {
  var figures = JSON.parse(document.getElementById("figures").textContent);
  figures.forEach(function (figure, index) {
    window.Plotly.newPlot("chart-" + index, figure.data, figure.layout, figure.config);
  });
})();
</script>
</body>
</html>
`;
}
