/**
 * The real-browser check of lib/display/plot.ts: a notebook whose output is a
 * figure bundle is exported with `jupyter nbconvert --to html` beside a copy
 * of `notebooks/vendor/`, opened in headless Chromium with no network, and
 * must contain plotly's `main-svg` nodes. Needs /usr/bin/chromium and
 * /usr/bin/jupyter: without them the test is ignored, or fails when `CI=true`.
 *
 * Set `PLOT_SCREENSHOT=/path.png` to also save a screenshot of the page.
 *
 * @module
 */

import assert from "node:assert/strict";
import { barChart, figureBundle, lineChart } from "../lib/display/plot.ts";
import { runCommand } from "../lib/util/run_command.ts";
import {
  CHROMIUM_PATH,
  chromiumDom,
  chromiumScreenshot,
} from "./headless_chromium.ts";

const JUPYTER = "/usr/bin/jupyter";
const VENDOR = new URL("../notebooks/vendor/plotly.min.js", import.meta.url);

function exists(path: string | URL): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const missing = [CHROMIUM_PATH, JUPYTER, VENDOR.pathname].filter((path) =>
  !exists(path)
);
const inCi = Deno.env.get("CI") === "true";
if (missing.length > 0 && !inCi) {
  console.warn(
    `plots_render_test.ts: ignored, missing ${
      missing.join(", ")
    } (run scripts/vendor_plotly.ts for the vendor file)`,
  );
}

/**
 * Exports `dir/name.ipynb` to HTML with nbconvert beside a link to the
 * vendored plotly.js, opens it in headless Chromium and returns the DOM.
 */
async function exportAndRender(
  dir: string,
  name: string,
): Promise<{ dom: string; html: string }> {
  if (!exists(`${dir}/vendor`)) {
    await Deno.mkdir(`${dir}/vendor`);
    await Deno.symlink(VENDOR.pathname, `${dir}/vendor/plotly.min.js`);
  }
  await runCommand(JUPYTER, [
    "nbconvert",
    "--to",
    "html",
    `${dir}/${name}.ipynb`,
  ], { what: "jupyter nbconvert" });
  const html = `${dir}/${name}.html`;
  assert.ok(exists(html), `nbconvert wrote no ${name}.html`);
  const dom = await chromiumDom(`file://${html}`);
  return { dom, html };
}

Deno.test({
  name:
    "a figure bundle exported by nbconvert draws plotly SVG in headless Chromium, offline",
  ignore: missing.length > 0 && !inCi,
  async fn() {
    assert.deepEqual(missing, [], `missing ${missing.join(", ")}`);
    const dir = await Deno.makeTempDir({ prefix: "plots_render_" });
    try {
      const bundle = figureBundle(lineChart(
        [
          { name: "sum", x: [1, 2, 4, 8], y: [1, 1.9, 3.6, 4.1] },
          { name: "sort", x: [1, 2, 4, 8], y: [1, 1.5, 2.2, 2.4] },
        ],
        {
          title: "Speedup by workers",
          xTitle: "workers (count)",
          yTitle: "speedup (×)",
          referenceLine: { y: 1, label: "no speedup" },
          caption:
            "Past 4 workers the speedup flattens: the memory bus is shared.",
        },
      ));
      const bars = figureBundle(barChart(
        [{ name: "median", x: ["loop", "reduce", "map"], y: [12, 14, 30] }],
        {
          title: "Sum of a million numbers",
          xTitle: "method",
          yTitle: "time (ms)",
        },
      ));
      const notebook = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: "deno",
            display_name: "Deno",
            language: "typescript",
          },
          language_info: { name: "typescript" },
        },
        cells: [{
          cell_type: "code",
          id: "plot",
          execution_count: 1,
          metadata: {},
          source: ["showFigure(figure);"],
          outputs: [
            { output_type: "display_data", metadata: {}, data: { ...bundle } },
            { output_type: "display_data", metadata: {}, data: { ...bars } },
          ],
        }],
      };
      await Deno.writeTextFile(`${dir}/plot.ipynb`, JSON.stringify(notebook));
      const { dom, html } = await exportAndRender(dir, "plot");
      const svgs = dom.match(/class="main-svg"/g) ?? [];
      assert.ok(
        svgs.length >= 1,
        `no plotly main-svg in the DOM:\n${dom.slice(-2000)}`,
      );
      const plots = dom.match(/class="plot-container plotly"/g) ?? [];
      assert.equal(
        plots.length,
        2,
        "both charts, sharing one plotly.js load, must draw",
      );
      assert.match(dom, /Speedup by workers/);
      assert.match(dom, /Sum of a million numbers/);
      assert.match(dom, /no speedup/);
      // draw() empties the div, so its placeholder paragraph must be gone.
      assert.doesNotMatch(dom, /<p style="color:#888;font-family:sans-serif">/);

      const screenshot = Deno.env.get("PLOT_SCREENSHOT");
      if (screenshot) {
        await chromiumScreenshot(`file://${html}`, screenshot);
        assert.ok(exists(screenshot), `no screenshot at ${screenshot}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const NOTEBOOKS = new URL("../notebooks/", import.meta.url);
const PLOTLY_MIME = "application/vnd.plotly.v1+json";

interface NotebookOutput {
  data?: Record<string, unknown>;
}

for (
  const entry of [...Deno.readDirSync(NOTEBOOKS)].sort((a, b) =>
    a.name.localeCompare(b.name)
  )
) {
  if (!entry.isFile || !entry.name.endsWith(".ipynb")) continue;
  const name = entry.name.replace(/\.ipynb$/, "");
  const source = Deno.readTextFileSync(new URL(entry.name, NOTEBOOKS));
  const charts = (JSON.parse(source).cells as { outputs?: NotebookOutput[] }[])
    .flatMap((cell) => cell.outputs ?? [])
    .filter((output) => output.data?.[PLOTLY_MIME] !== undefined).length;
  if (charts === 0) continue;
  Deno.test({
    name:
      `notebooks/${entry.name} exported by nbconvert draws its ${charts} chart(s) in headless Chromium, offline`,
    ignore: missing.length > 0 && !inCi,
    async fn() {
      assert.deepEqual(missing, [], `missing ${missing.join(", ")}`);
      const dir = await Deno.makeTempDir({ prefix: "notebook_render_" });
      try {
        await Deno.writeTextFile(`${dir}/${name}.ipynb`, source);
        const { dom } = await exportAndRender(dir, name);
        const plots = dom.match(/class="plot-container plotly"/g) ?? [];
        assert.equal(
          plots.length,
          charts,
          `${entry.name}: ${plots.length} of ${charts} charts drew`,
        );
        assert.ok((dom.match(/class="main-svg"/g) ?? []).length >= charts);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
