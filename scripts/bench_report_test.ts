import assert from "node:assert/strict";
import { barChart } from "../lib/display/plot.ts";
import {
  type BenchReport,
  reportFigures,
  reportHtml,
  reportJson,
  summaryText,
} from "./bench_report.ts";

const figure = barChart([{ name: "median", x: ["a", "b"], y: [1, 2] }], {
  title: "Two bars",
  xTitle: "mode",
  yTitle: "time (ms)",
  caption: "B takes twice as long </script> <b>really</b>.",
});

const report: BenchReport = {
  startedAt: "2026-01-01T00:00:00.000Z",
  wallMs: 2_500,
  flags: {
    quick: true,
    repeats: 2,
    only: ["cpu", "python"],
    python: "python3",
  },
  machine: {
    cores: 2,
    platform: "linux x86_64",
    deno: "2.9.6",
    v8: "15.0",
    typescript: "6.0",
  },
  outcomes: {
    cpu: {
      status: "done",
      title: "CPU-bound",
      parameters: { limit: 1000 },
      results: [{
        mode: "sequential",
        primes: 168,
        samplesMs: [1.5, 2.5],
        medianMs: 2,
        speedup: 1,
      }],
      tables: [{ title: "CPU modes", rows: [{ mode: "sequential", ms: 2 }] }],
      figures: [figure, figure],
      elapsedMs: 1_200,
    },
    python: {
      status: "skipped",
      title: "Python side by side",
      reason: "'python3' was not found on PATH",
      elapsedMs: 3,
    },
  },
  ratios: [{
    name: "WorkerPool speedup over sequential",
    value: 1.75,
    meaning: "of 2 cores",
    experiment: "cpu",
  }],
};

Deno.test("summaryText() shows the machine, each table, each skip and the ratios", () => {
  const text = summaryText(report);
  assert.match(text, /^machine: 2 cores, linux x86_64, Deno 2\.9\.6/);
  assert.match(
    text,
    /quick sizes, 2 repeats, experiments: cpu, python; 2\.5 s in all/,
  );
  assert.match(text, /== CPU-bound \(1\.2 s\)\n\nCPU modes:\nmode {7}\| ms\n/);
  assert.match(
    text,
    /== Python side by side: skipped, 'python3' was not found on PATH/,
  );
  assert.match(
    text,
    /WorkerPool speedup over sequential \| {2}1\.75 \| +\| of 2 cores/,
  );
});

Deno.test("summaryText() says when no ratio could be computed", () => {
  assert.match(
    summaryText({ ...report, ratios: [] }),
    /== Headline ratios\n\(none: their experiments did not run\)/,
  );
});

Deno.test("reportJson() keeps every sample, the flags and the machine, and leaves out the charts", () => {
  const json = JSON.parse(reportJson(report));
  assert.deepEqual(json.flags, report.flags);
  assert.deepEqual(json.machine, report.machine);
  assert.deepEqual(json.experiments.cpu.results[0].samplesMs, [1.5, 2.5]);
  assert.equal(json.experiments.cpu.figures, undefined);
  assert.equal(json.experiments.python.status, "skipped");
  assert.equal(json.ratios[0].value, 1.75);
});

Deno.test("reportHtml() inlines plotly, makes one chart per figure and escapes text", () => {
  const plotly = 'window.Plotly = { note: "</script>" };';
  const html = reportHtml(report, plotly);
  assert.equal(reportFigures(report).length, 2);
  assert.equal(html.match(/<div class="chart" id="chart-\d">/g)?.length, 2);
  assert.ok(html.includes('window.Plotly = { note: "<\\/script>" };'));
  assert.equal(html.match(/<\/script>/g)?.length, 3, "plotly, data, drawing");
  assert.doesNotMatch(html, /<script[^>]+src=/);
  assert.match(html, /Skipped: 'python3' was not found on PATH/);
  assert.match(
    html,
    /<figcaption class="caption">B takes twice as long &lt;\/script&gt; &lt;b&gt;really&lt;\/b&gt;\.<\/figcaption>/,
  );
  assert.match(html, /<td>sequential<\/td>/);
});

Deno.test("reportHtml() draws figures without their caption annotation or mode bar", () => {
  const html = reportHtml(report, "");
  const json = html.match(
    /<script type="application\/json" id="figures">(.*?)<\/script>/s,
  )![1];
  const figures = JSON.parse(json);
  assert.equal(figures.length, 2);
  assert.equal(figures[0].layout.annotations, undefined);
  assert.equal(figures[0].config.displayModeBar, false);
  assert.equal(figures[0].layout.title.text, "Two bars");
  assert.doesNotMatch(json, /</, "no '<' can end the script early");
});
