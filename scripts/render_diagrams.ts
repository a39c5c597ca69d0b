/**
 * Renders every mermaid diagram (`.mmd`) to an SVG beside it.
 *
 * Each SVG ends with an XML comment `<!-- source-sha256: HEX -->` holding the
 * SHA-256 of the source it was drawn from, so a test can tell a stale or
 * missing SVG without a browser ({@linkcode isFresh}).
 *
 * mermaid-cli is run as `npx -y @mermaid-js/mermaid-cli@VERSION` through
 * `Deno.Command`, not imported as `npm:`: under Deno's global npm cache its
 * `import-meta-resolve` cannot find the `mermaid` package ("Cannot find
 * package 'mermaid'"), and a `node_modules` directory would change the whole
 * project. It drives the system Chromium (`CHROMIUM_PATH`, default
 * `/usr/bin/chromium`) through puppeteer, so nothing is downloaded but npm
 * packages. Needs Node.js (`npx`) and Chromium.
 *
 * A mermaid syntax error is reported as `FILE:LINE: message` and the script
 * exits with code 1.
 *
 * Usage: `deno task diagrams` (every `notebooks/figures/*.mmd`), or
 * `deno run -A scripts/render_diagrams.ts [file.mmd...]`
 *
 * @module
 */

import { parseCliOrExit } from "./parse_cli.ts";
import { splitLines } from "../lib/util/lines.ts";
import { type CommandResult, runCommand } from "../lib/util/run_command.ts";

import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The exact mermaid-cli release the diagrams are rendered with. */
export const MERMAID_CLI_VERSION = "12.2.0";

/** The folder holding the course's diagrams. */
export const FIGURES_DIR: string = fileURLToPath(
  new URL("../notebooks/figures/", import.meta.url),
);

/** The Chromium that renders the diagrams; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH: string = Deno.env.get("CHROMIUM_PATH") ??
  "/usr/bin/chromium";

const STAMP = /\n?<!-- source-sha256: ([0-9a-f]{64}) -->\n?/g;

/**
 * Hashes a diagram's source text.
 *
 * @param text The `.mmd` file's contents.
 * @returns The SHA-256 of the UTF-8 text, as 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { sourceHash } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   await sourceHash(""),
 *   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * ```
 */
export async function sourceHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return Array.from(
    new Uint8Array(digest),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

/**
 * Records a source hash in an SVG, replacing any hash recorded before.
 *
 * @param svg The SVG text.
 * @param hash The source's hash, from {@linkcode sourceHash}.
 * @returns The SVG with one `<!-- source-sha256: HASH -->` comment at the end.
 * @throws {TypeError} When `hash` is not 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import { stampSvg, svgSourceHash } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const hash = "a".repeat(64);
 * const svg = stampSvg(stampSvg("<svg></svg>", "b".repeat(64)), hash);
 * assert.equal(svgSourceHash(svg), hash);
 * assert.equal(svg.match(/source-sha256/g)?.length, 1);
 * ```
 */
export function stampSvg(svg: string, hash: string): string {
  if (!/^[0-9a-f]{64}$/.test(hash)) {
    throw new TypeError(
      `Cannot stamp SVG: expected a SHA-256 hex digest, received '${hash}'`,
    );
  }
  return `${
    svg.replace(STAMP, "").trimEnd()
  }\n<!-- source-sha256: ${hash} -->\n`;
}

/**
 * Reads the source hash recorded in an SVG.
 *
 * @param svg The SVG text.
 * @returns The recorded hash, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { svgSourceHash } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * assert.equal(svgSourceHash("<svg></svg>"), undefined);
 * ```
 */
export function svgSourceHash(svg: string): string | undefined {
  return [...svg.matchAll(STAMP)].at(-1)?.[1];
}

/**
 * Names the SVG rendered from a diagram source.
 *
 * @param mmdPath The `.mmd` file's path.
 * @returns The same path ending in `.svg`.
 * @throws {TypeError} When `mmdPath` does not end in `.mmd`.
 *
 * @example
 * ```ts
 * import { svgPathFor } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * assert.equal(svgPathFor("figures/a.mmd"), "figures/a.svg");
 * ```
 */
export function svgPathFor(mmdPath: string): string {
  if (!mmdPath.endsWith(".mmd")) {
    throw new TypeError(
      `Cannot name the SVG: expected a '.mmd' file, received '${mmdPath}'`,
    );
  }
  return mmdPath.slice(0, -".mmd".length) + ".svg";
}

/** Whether a diagram's SVG was rendered from its current source. */
export type DiagramStatus = "fresh" | "stale" | "missing";

/**
 * Compares a diagram's source with the hash recorded in its SVG.
 *
 * @param mmdPath The `.mmd` file's path.
 * @returns `"fresh"` when the SVG records the source's hash, `"missing"` when
 * there is no SVG, `"stale"` otherwise.
 * @throws {Deno.errors.NotFound} When the `.mmd` file does not exist.
 *
 * @example
 * ```ts
 * import { diagramStatus } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.mmd`, "graph TB\n  A-->B\n");
 * assert.equal(await diagramStatus(`${dir}/a.mmd`), "missing");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function diagramStatus(mmdPath: string): Promise<DiagramStatus> {
  const hash = await sourceHash(await Deno.readTextFile(mmdPath));
  let svg: string;
  try {
    svg = await Deno.readTextFile(svgPathFor(mmdPath));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  return svgSourceHash(svg) === hash ? "fresh" : "stale";
}

/**
 * Tells whether a diagram's SVG exists and was rendered from its current source.
 *
 * @param mmdPath The `.mmd` file's path.
 * @returns `true` when the SVG records the hash of the source as it is now.
 *
 * @example
 * ```ts
 * import { isFresh, sourceHash, stampSvg } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const source = "graph TB\n  A-->B\n";
 * await Deno.writeTextFile(`${dir}/a.mmd`, source);
 * await Deno.writeTextFile(
 *   `${dir}/a.svg`,
 *   stampSvg("<svg></svg>", await sourceHash(source)),
 * );
 * assert.equal(await isFresh(`${dir}/a.mmd`), true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function isFresh(mmdPath: string): Promise<boolean> {
  return await diagramStatus(mmdPath) === "fresh";
}

/**
 * Lists the diagram sources in a folder.
 *
 * @param dir The folder to look in (not recursively).
 * @returns The paths of its `.mmd` files, sorted.
 *
 * @example
 * ```ts
 * import { FIGURES_DIR, listDiagrams } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const diagrams = await listDiagrams(FIGURES_DIR);
 * assert.ok(diagrams.every((path) => path.endsWith(".mmd")));
 * ```
 */
export async function listDiagrams(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".mmd")) {
      paths.push(join(dir, entry.name));
    }
  }
  return paths.sort();
}

/**
 * Turns mermaid's line number into the line of the source file.
 *
 * mermaid parses the text after dropping `%%` comment lines and leading
 * blank lines, so its line numbers skip those; this counts them back in.
 * A line past the end (mermaid's lexer sometimes reports one) becomes the last
 * line.
 *
 * @param source The `.mmd` file's contents.
 * @param mermaidLine The line mermaid reported, counted from 1.
 * @returns The line in `source`, counted from 1.
 *
 * @example
 * ```ts
 * import { sourceLine } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const source = "%% a comment\ngraph TB\n  A-->B\n  C-->-->D\n";
 * assert.equal(sourceLine(source, 3), 4);
 * ```
 */
export function sourceLine(source: string, mermaidLine: number): number {
  const lines = splitLines(source);
  const kept: number[] = [];
  lines.forEach((line, index) => {
    const isComment = /^\s*%%(?!\{)/.test(line) && line.trim().length > 2;
    const isLeadingBlank = kept.length === 0 && line.trim() === "";
    if (!isComment && !isLeadingBlank) kept.push(index + 1);
  });
  while (kept.length > 1 && lines[kept.at(-1)! - 1].trim() === "") kept.pop();
  if (kept.length === 0) return 1;
  return kept[Math.min(Math.max(mermaidLine, 1), kept.length) - 1];
}

/**
 * Turns mermaid-cli's error output into a message naming the file and line.
 *
 * @param file The `.mmd` file's path, as it should be shown.
 * @param source The file's contents, to map mermaid's line number back.
 * @param output What mermaid-cli printed to stderr.
 * @returns `FILE:LINE: Parse error ...` with mermaid's pointer and
 * expectation, or `FILE: ...` with the first error line when mermaid gave no
 * line.
 *
 * @example
 * ```ts
 * import { formatMermaidError } from "./render_diagrams.ts";
 * import assert from "node:assert/strict";
 * const output = [
 *   "Error: Parse error on line 2:",
 *   "graph TB  C-->-->D",
 *   "--------------^",
 *   "Expecting 'NODE_STRING', got 'LINK'",
 *   "Parser.parseError (https://x/mermaid.mjs:1:1)",
 * ].join("\n");
 * const message = formatMermaidError("a.mmd", "graph TB\n  C-->-->D\n", output);
 * assert.ok(message.startsWith("a.mmd:2: Parse error on line 2"));
 * assert.ok(message.includes("got 'LINK'"));
 * assert.ok(!message.includes("Parser.parseError"));
 * ```
 */
export function formatMermaidError(
  file: string,
  source: string,
  output: string,
): string {
  const lines = splitLines(output).filter((line) =>
    !/^npm (warn|notice)/.test(line)
  );
  const start = lines.findIndex((line) => /Parse error on line \d+/.test(line));
  if (start >= 0) {
    const mermaidLine = Number(
      lines[start].match(/Parse error on line (\d+)/)![1],
    );
    const detail: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (/^\s*(at |Parser\.|\S+ \(\S+:\d+:\d+\)$)/.test(line)) break;
      if (line.trim() !== "") detail.push(`  ${line}`);
    }
    const line = sourceLine(source, mermaidLine);
    return [
      `${file}:${line}: Parse error on line ${line}` +
      (line === mermaidLine ? "" : ` (mermaid counted line ${mermaidLine})`),
      ...detail,
    ].join("\n");
  }
  const first =
    lines.find((line) => /error/i.test(line) && !/^\s+at /.test(line)) ??
      lines.find((line) => line.trim() !== "") ?? "mermaid-cli failed";
  return `${file}: ${first.trim()}`;
}

/** Options of {@linkcode renderDiagram}. */
export interface RenderOptions {
  /**
   * The Chromium executable puppeteer drives.
   * @default {CHROMIUM_PATH}
   */
  chromiumPath?: string;
  /**
   * How the file is named in error messages.
   * @default {the path relative to the working directory}
   */
  displayName?: string;
}

/**
 * Renders one diagram to the SVG beside it, stamped with its source's hash.
 *
 * @param mmdPath The `.mmd` file's path.
 * @param options Which Chromium to use and how to name the file in errors.
 * @returns The path of the SVG written.
 * @throws {Error} When mermaid-cli fails, with a message such as
 * `figures/a.mmd:3: Parse error on line 3` for a syntax error.
 *
 * @example
 * ```ts ignore
 * import { renderDiagram } from "./render_diagrams.ts";
 * const svgPath = await renderDiagram("notebooks/figures/sequential.mmd");
 * console.log(`wrote ${svgPath}`);
 * ```
 */
export async function renderDiagram(
  mmdPath: string,
  options: RenderOptions = {},
): Promise<string> {
  const {
    chromiumPath = CHROMIUM_PATH,
    displayName = displayPath(mmdPath),
  } = options;
  const source = await Deno.readTextFile(mmdPath);
  const work = await Deno.makeTempDir({ prefix: "render_diagrams_" });
  try {
    const configPath = join(work, "puppeteer.json");
    await Deno.writeTextFile(
      configPath,
      JSON.stringify({
        executablePath: chromiumPath,
        args: ["--no-sandbox", "--disable-gpu", "--headless"],
      }),
    );
    const outPath = join(work, basename(svgPathFor(mmdPath)));
    const args = [
      "-y",
      `@mermaid-js/mermaid-cli@${MERMAID_CLI_VERSION}`,
      "--quiet",
      "--puppeteerConfigFile",
      configPath,
      "--input",
      mmdPath,
      "--output",
      outPath,
    ];
    let result: CommandResult;
    try {
      result = await runCommand("npx", args, {
        env: { PUPPETEER_SKIP_DOWNLOAD: "1" },
        allowFailure: true,
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          `Cannot render ${displayName}: 'npx' was not found; install Node.js`,
        );
      }
      throw error;
    }
    if (!result.success) {
      throw new Error(
        formatMermaidError(displayName, source, result.stderr + result.stdout),
      );
    }
    const svg = await Deno.readTextFile(outPath);
    const svgPath = svgPathFor(mmdPath);
    await Deno.writeTextFile(svgPath, stampSvg(svg, await sourceHash(source)));
    return svgPath;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

function displayPath(path: string): string {
  const fromCwd = relative(Deno.cwd(), path);
  return fromCwd.startsWith("..") ? path : fromCwd;
}

async function main(args: string[]): Promise<number> {
  const paths = args.length > 0 ? args : await listDiagrams(FIGURES_DIR);
  if (paths.length === 0) {
    console.error(`No diagrams found in ${FIGURES_DIR}`);
    return 1;
  }
  const started = performance.now();
  // The first render alone fills npx's cache; the rest then run together.
  const [first, ...rest] = paths;
  const results = [
    ...await Promise.allSettled([renderDiagram(first)]),
    ...await Promise.allSettled(rest.map((path) => renderDiagram(path))),
  ];
  let failed = 0;
  results.forEach((result, index) => {
    if (result.status === "fulfilled") {
      console.log(`rendered ${displayPath(result.value)}`);
    } else {
      failed++;
      console.error(
        result.reason instanceof Error
          ? result.reason.message
          : `${paths[index]}: ${result.reason}`,
      );
    }
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${
      paths.length - failed
    } of ${paths.length} diagrams rendered in ${seconds} s`,
  );
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  const paths = parseCliOrExit(
    "render_diagrams",
    "Usage: deno run -A scripts/render_diagrams.ts [diagram.mmd...]",
    { args: Deno.args, allowPositionals: true },
  ).positionals;
  Deno.exit(await main(paths));
}
