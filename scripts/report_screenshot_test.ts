import assert from "node:assert/strict";
import { CHROMIUM_PATH } from "./headless_chromium.ts";
import { pageHeight, pageScreenshot } from "./report_screenshot.ts";

const hasChromium = await Deno.stat(CHROMIUM_PATH).then(
  () => true,
  () => false,
);
const ignore = !hasChromium && Deno.env.get("CI") !== "true";

const TALL_PAGE = `<!doctype html><body style="margin:0">
<div id="box" style="height:100px"></div>
<script>document.getElementById("box").style.height = "2345px";</script>
</body>`;

Deno.test({
  name: "pageHeight() measures the page after its scripts ran",
  ignore,
  async fn() {
    const page = await Deno.makeTempFile({ suffix: ".html" });
    try {
      await Deno.writeTextFile(page, TALL_PAGE);
      assert.equal(await pageHeight(page, 400), 2345);
    } finally {
      await Deno.remove(page);
    }
  },
});

Deno.test({
  name: "report_screenshot.ts writes a PNG as tall as the whole page",
  ignore,
  async fn() {
    const directory = await Deno.makeTempDir({ prefix: "screenshot_test_" });
    try {
      await Deno.writeTextFile(`${directory}/page.html`, TALL_PAGE);
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          new URL("./report_screenshot.ts", import.meta.url).pathname,
          `${directory}/page.html`,
          `${directory}/page.png`,
          "--width",
          "300",
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(output.stdout);
      assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
      assert.match(stdout, /page\.png \(300×2345\)/);
      const png = await Deno.readFile(`${directory}/page.png`);
      const view = new DataView(png.buffer);
      assert.deepEqual([view.getUint32(16), view.getUint32(20)], [300, 2345]);
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  },
});

Deno.test("pageScreenshot() rejects a width that is not a positive integer, naming it", async () => {
  for (const width of [0, -5, 1.5, NaN]) {
    await assert.rejects(
      () => pageScreenshot("unused.html", "unused.png", { width }),
      (error) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot take a screenshot: 'width' must be a positive integer, received ${width}`,
    );
  }
});

Deno.test("report_screenshot.ts exits 2 with the usage when a path is missing", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./report_screenshot.ts", import.meta.url).pathname,
      "only-one.html",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.match(
    new TextDecoder().decode(output.stderr),
    /expected PAGE\.html OUT\.png .*received \["only-one\.html"\]\n\nUsage:/,
  );
});
