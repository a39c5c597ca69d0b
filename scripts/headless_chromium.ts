/**
 * Drives Debian's headless Chromium for the checks that need a real browser:
 * the DOM of a page after its scripts ran, or a screenshot of it. Each call
 * uses a fresh, temporary profile and no network.
 *
 * @module
 */

import { runCommand } from "../lib/util/run_command.ts";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * The flags of a headless, offline Chromium run with its own profile. The
 * virtual time budget lets a page's scripts (plotly drawing its charts)
 * finish before the DOM is dumped or the screenshot taken.
 *
 * @param profile A folder for Chromium's profile.
 * @returns The flags, before the page's URL.
 *
 * @example
 * ```ts
 * import { chromiumArgs } from "./headless_chromium.ts";
 * import assert from "node:assert/strict";
 * const args = chromiumArgs("/tmp/profile");
 * assert.ok(args.includes("--headless"));
 * assert.ok(args.includes("--user-data-dir=/tmp/profile"));
 * ```
 */
export function chromiumArgs(profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    "--virtual-time-budget=5000",
  ];
}

async function withProfile<T>(
  work: (profile: string) => Promise<T>,
): Promise<T> {
  const profile = await Deno.makeTempDir({ prefix: "chromium_profile_" });
  try {
    return await work(profile);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/** The size of Chromium's window, for {@linkcode chromiumDom} and {@linkcode chromiumScreenshot}. */
export interface WindowOptions {
  /**
   * The window's width, in CSS pixels.
   * @default {900}
   */
  width?: number;
  /**
   * The window's height, in CSS pixels: a screenshot stops there.
   * @default {600}
   */
  height?: number;
}

function windowArg(options: WindowOptions): string {
  const { width = 900, height = 600 } = options;
  return `--window-size=${width},${height}`;
}

/**
 * Opens a page in headless Chromium and returns its DOM once its scripts
 * have run.
 *
 * @param url The page, e.g. a `file:` URL.
 * @param options The window's size.
 * @returns The serialized DOM.
 * @throws {Error} When Chromium fails.
 *
 * @example
 * ```ts
 * import { chromiumDom } from "./headless_chromium.ts";
 * import assert from "node:assert/strict";
 * const page = "<p id=x></p><script>x.textContent = 6 * 7</script>";
 * const dom = await chromiumDom(`data:text/html,${encodeURIComponent(page)}`);
 * assert.match(dom, /<p id="x">42<\/p>/);
 * ```
 */
export function chromiumDom(
  url: string | URL,
  options: WindowOptions = {},
): Promise<string> {
  return withProfile(async (profile) =>
    (await runCommand(CHROMIUM_PATH, [
      ...chromiumArgs(profile),
      windowArg(options),
      "--dump-dom",
      String(url),
    ], { what: "Chromium" })).stdout
  );
}

/**
 * Saves a PNG screenshot of a page in headless Chromium, after its scripts
 * have run.
 *
 * @param url The page, e.g. a `file:` URL.
 * @param path Where to write the PNG.
 * @param options The window's size.
 * @throws {Error} When Chromium fails or writes no file.
 *
 * @example
 * ```ts
 * import { chromiumScreenshot } from "./headless_chromium.ts";
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile({ suffix: ".png" });
 * await chromiumScreenshot("data:text/html,<h1>hello</h1>", path, {
 *   width: 200,
 *   height: 100,
 * });
 * const png = await Deno.readFile(path);
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * await Deno.remove(path);
 * ```
 */
export async function chromiumScreenshot(
  url: string | URL,
  path: string,
  options: WindowOptions = {},
): Promise<void> {
  await withProfile((profile) =>
    runCommand(CHROMIUM_PATH, [
      ...chromiumArgs(profile),
      `--screenshot=${path}`,
      windowArg(options),
      "--hide-scrollbars",
      String(url),
    ], { what: "Chromium" })
  );
  await Deno.stat(path).catch(() => {
    throw new Error(`Chromium wrote no screenshot at ${path}`);
  });
}
