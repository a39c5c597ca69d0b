/**
 * Copies plotly.js from the pinned npm package (`plotly.js-dist-min` in
 * deno.json) to `notebooks/vendor/plotly.min.js`, the one copy every chart's
 * `text/html` loads (see lib/display/plot.ts). Run after changing the pin:
 *
 * ```sh
 * deno run --allow-read --allow-write scripts/vendor_plotly.ts
 * ```
 *
 * The copy starts with `deno-fmt-ignore-file` and `deno-lint-ignore-file`
 * comments so the repository's fmt and lint skip it.
 *
 * @module
 */

import plotly from "plotly.js-dist-min/plotly.min.js" with { type: "text" };

/** Where the vendored copy goes, from the repository root. */
export const VENDOR_FILE = new URL(
  "../notebooks/vendor/plotly.min.js",
  import.meta.url,
);

/**
 * The text of the vendored file: the two ignore comments, then plotly.js.
 *
 * @returns The file's contents.
 *
 * @example
 * ```ts
 * import { vendoredPlotly } from "./vendor_plotly.ts";
 * import assert from "node:assert/strict";
 * assert.match(vendoredPlotly(), /^\/\/ deno-fmt-ignore-file\n/);
 * assert.match(vendoredPlotly(), /plotly\.js v\d+\.\d+\.\d+/);
 * ```
 */
export function vendoredPlotly(): string {
  return `// deno-fmt-ignore-file\n// deno-lint-ignore-file\n${plotly}`;
}

if (import.meta.main) {
  await Deno.mkdir(new URL(".", VENDOR_FILE), { recursive: true });
  await Deno.writeTextFile(VENDOR_FILE, vendoredPlotly());
  const { size } = await Deno.stat(VENDOR_FILE);
  console.log(`Wrote ${VENDOR_FILE.pathname} (${(size / 1e6).toFixed(2)} MB)`);
}
