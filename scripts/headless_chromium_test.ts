import assert from "node:assert/strict";
import {
  CHROMIUM_PATH,
  chromiumDom,
  chromiumScreenshot,
} from "./headless_chromium.ts";

const hasChromium = await Deno.stat(CHROMIUM_PATH).then(
  () => true,
  () => false,
);
const ignore = !hasChromium && Deno.env.get("CI") !== "true";

function page(html: string): string {
  return `data:text/html,${encodeURIComponent(html)}`;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

Deno.test({
  name: "chromiumDom() returns the DOM after scripts ran, at the window's size",
  ignore,
  async fn() {
    const dom = await chromiumDom(
      page("<p id=x></p><script>x.textContent = innerWidth</script>"),
      { width: 640, height: 480 },
    );
    assert.match(dom, /<p id="x">640<\/p>/);
  },
});

Deno.test({
  name: "chromiumScreenshot() writes a PNG of the window's size",
  ignore,
  async fn() {
    const path = await Deno.makeTempFile({ suffix: ".png" });
    try {
      await chromiumScreenshot(page("<h1>hello</h1>"), path, {
        width: 320,
        height: 240,
      });
      assert.deepEqual(pngSize(await Deno.readFile(path)), {
        width: 320,
        height: 240,
      });
    } finally {
      await Deno.remove(path);
    }
  },
});
