/**
 * Tests of the diagram renderer, and that every committed SVG is fresh.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import {
  CHROMIUM_PATH,
  diagramStatus,
  FIGURES_DIR,
  isFresh,
  listDiagrams,
  renderDiagram,
  sourceHash,
  sourceLine,
  stampSvg,
} from "./render_diagrams.ts";

let hasChromium = false;
try {
  hasChromium = (await Deno.stat(CHROMIUM_PATH)).isFile;
} catch {
  hasChromium = false;
}
if (!hasChromium) {
  console.warn(
    `Skipping the rendering test: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`,
  );
}

Deno.test("every diagram's SVG matches the hash of its source", async () => {
  const diagrams = await listDiagrams(FIGURES_DIR);
  assert.ok(diagrams.length > 0, `No .mmd files found in ${FIGURES_DIR}`);
  const problems: string[] = [];
  for (const path of diagrams) {
    const status = await diagramStatus(path);
    const name = relative(Deno.cwd(), path);
    if (status === "missing") problems.push(`${name}: its SVG is missing`);
    if (status === "stale") {
      problems.push(`${name}: its SVG is older than the source`);
    }
  }
  assert.deepEqual(
    problems,
    [],
    `${problems.join("\n")}\nRun \`deno task diagrams\` to render them`,
  );
});

Deno.test("a changed source makes isFresh false", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const mmd = join(dir, "a.mmd");
    const source = "graph TB\n  A-->B\n";
    await Deno.writeTextFile(mmd, source);
    assert.equal(await diagramStatus(mmd), "missing");
    assert.equal(await isFresh(mmd), false);
    await Deno.writeTextFile(
      join(dir, "a.svg"),
      stampSvg("<svg></svg>", await sourceHash(source)),
    );
    assert.equal(await isFresh(mmd), true);
    await Deno.writeTextFile(mmd, source + "  B-->C\n");
    assert.equal(await isFresh(mmd), false);
    assert.equal(await diagramStatus(mmd), "stale");
    await Deno.writeTextFile(join(dir, "a.svg"), "<svg></svg>");
    assert.equal(await diagramStatus(mmd), "stale");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mermaid line numbers are mapped past comments", () => {
  const source = "\n%% heading\ngraph TB\n  A-->B\n%% note\n  C-->-->D\n\n";
  assert.equal(sourceLine(source, 1), 3);
  assert.equal(sourceLine(source, 3), 6);
  assert.equal(sourceLine(source, 99), 6);
});

Deno.test({
  name: "a broken diagram fails with its file and line",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const mmd = join(dir, "broken.mmd");
      await Deno.writeTextFile(
        mmd,
        "%% deliberately broken\ngraph TB\n  A-->B\n  C-->-->D\n",
      );
      await assert.rejects(
        renderDiagram(mmd, { displayName: "broken.mmd" }),
        (error: Error) => {
          assert.match(error.message, /^broken\.mmd:4: Parse error on line 4/);
          assert.match(error.message, /Expecting/);
          return true;
        },
      );
      await assert.rejects(Deno.stat(join(dir, "broken.svg")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
