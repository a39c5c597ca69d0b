/**
 * Saves a screenshot of a committed notebook as it opens in the classic
 * Jupyter Notebook, untrusted (its output scripts do not run), scrolled to its
 * first chart: the picture `docs/untrusted_notebook.png` in the README.
 *
 * ```sh
 * deno run -A scripts/untrusted_screenshot.ts notebooks/04_cpu_bound.ipynb docs/untrusted_notebook.png
 * ```
 *
 * @module
 */

import { launchOfflineBrowser, openNotebook } from "./notebook_browser.ts";
import { startNotebookServer } from "./notebook_server.ts";

/**
 * Opens `notebook` untrusted in the classic Notebook, scrolls its first
 * chart into view and saves a PNG of the window.
 *
 * @param notebook A path ending in `notebooks/<name>.ipynb`.
 * @param path Where to write the PNG.
 * @throws {Error} When the notebook opens trusted or has no chart picture.
 *
 * @example
 * ```ts ignore
 * import { untrustedScreenshot } from "./untrusted_screenshot.ts";
 * await untrustedScreenshot("notebooks/04_cpu_bound.ipynb", "/tmp/04.png");
 * ```
 */
export async function untrustedScreenshot(
  notebook: string,
  path: string,
): Promise<void> {
  const name = notebook.split("/").pop()!;
  await using server = await startNotebookServer();
  await using browser = await launchOfflineBrowser({
    width: 1100,
    height: 860,
  });
  const page = await browser.context.newPage();
  await openNotebook(page, server.notebookUrl(name));
  const shown = await page.evaluate(() => {
    // deno-lint-ignore no-explicit-any
    const global = globalThis as any;
    const image = global.document.querySelector(".course-plot img");
    image?.scrollIntoView({ block: "center" });
    return {
      trusted: global.Jupyter.notebook.trusted,
      picture: image !== null && image.naturalWidth > 0,
    };
  });
  if (shown.trusted || !shown.picture) {
    throw new Error(
      `Cannot take the screenshot of ${name}: expected an untrusted notebook showing a chart picture, received ${
        JSON.stringify(shown)
      }`,
    );
  }
  await page.screenshot({ path });
}

if (import.meta.main) {
  const [notebook, path] = Deno.args;
  if (notebook === undefined || path === undefined) {
    console.error(
      "Usage: deno run -A scripts/untrusted_screenshot.ts NOTEBOOK.ipynb OUT.png",
    );
    Deno.exit(2);
  }
  await untrustedScreenshot(notebook, path);
  console.log(`wrote ${path}`);
}
