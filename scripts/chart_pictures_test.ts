import assert from "node:assert/strict";
import { barChart, lineChart, wrapWords } from "../lib/display/plot.ts";
import { openChartPainter } from "./chart_pictures.ts";
import { CHROMIUM_PATH } from "./headless_chromium.ts";
import type { Notebook } from "./run_notebooks.ts";

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const missing = [CHROMIUM_PATH].filter((path) => {
  try {
    Deno.statSync(path);
    return false;
  } catch {
    return true;
  }
});
const inCi = Deno.env.get("CI") === "true";
if (missing.length > 0 && !inCi) {
  console.warn(
    `chart_pictures_test.ts: ignored, missing ${missing.join(", ")}`,
  );
}

const caption =
  "A caption long enough to need three lines of its own under the chart, so that the picture shows whether every line of it was drawn inside the figure.";
const line = lineChart([
  { name: "median", x: [1, 2, 4], y: [1, 1.8, 3.1] },
  { name: "best", x: [1, 2, 4], y: [1, 1.9, 3.5] },
], {
  title: "Speedup by workers",
  xTitle: "workers (count)",
  yTitle: "speedup (×)",
  referenceLine: { y: 1, label: "no speedup" },
  caption,
});

function decodePicture(html: string): string {
  const match = html.match(/<img src="data:image\/svg\+xml;base64,([^"]+)"/);
  assert.ok(match, `no picture in ${html.slice(0, 200)}`);
  const bytes = Uint8Array.from(atob(match[1]), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

Deno.test({
  name:
    "ChartPainter.picture() draws the figure as SVG: title, legend and every caption line",
  ignore: missing.length > 0 && !inCi,
  async fn() {
    await using painter = await openChartPainter();
    const svg = await painter.picture(line);
    assert.match(svg, /^<svg[\s>]/);
    assert.match(svg, /Speedup by workers/);
    assert.match(svg, /no speedup/);
    for (const text of wrapWords(caption, 90)) {
      assert.ok(svg.includes(text), `caption line missing: ${text}`);
    }
  },
});

Deno.test({
  name:
    "ChartPainter.addPictures() puts a picture in every chart's HTML and leaves other outputs alone",
  ignore: missing.length > 0 && !inCi,
  async fn() {
    const bars = barChart([{ name: "time", x: ["a", "b"], y: [3, 4] }], {
      title: "Two bars",
      xTitle: "mode",
      yTitle: "time (ms)",
    });
    const table = { "text/html": "<table></table>", "text/plain": "t" };
    const notebook: Notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", source: "# A" },
        {
          cell_type: "code",
          source: "",
          outputs: [
            { output_type: "stream", name: "stdout", text: "hello\n" },
            {
              output_type: "display_data",
              data: { [PLOTLY_MIME]: line, "text/html": "", "text/plain": "" },
            },
            { output_type: "execute_result", data: { ...table } },
          ],
        },
        {
          cell_type: "code",
          source: "",
          outputs: [{
            output_type: "display_data",
            data: { [PLOTLY_MIME]: bars, "text/html": "", "text/plain": "" },
          }],
        },
      ],
    };
    await using painter = await openChartPainter();
    assert.equal(await painter.addPictures(notebook), 2);
    const [first, second] = notebook.cells.slice(1).map((cell) =>
      cell.outputs!
    );
    const html = (lines: unknown) => (lines as string[]).join("");
    assert.match(
      decodePicture(html(first[1].data!["text/html"])),
      /Speedup by workers/,
    );
    assert.match(decodePicture(html(second[0].data!["text/html"])), /Two bars/);
    assert.deepEqual(first[2].data, table);
    assert.equal(first[0].text, "hello\n");
  },
});
