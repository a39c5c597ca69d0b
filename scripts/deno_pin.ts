/**
 * The Deno version the course is pinned to, and the way to find that Deno's
 * executable for the kernels the tests start.
 *
 * Deno 2.9.1 to 2.9.6 make every new Worker wait twice about 500 ms for a
 * debugger whenever its creator's inspector has a session, and the Jupyter
 * kernel always has one; 2.9.0 does not. The pin is named in the README's
 * commands, in `.ci/run` and in the kernel the README tells learners to
 * register; `deno_pin_test.ts` checks that they agree, and
 * `kernel_test.ts` fails when the pinned kernel stalls again.
 *
 * @module
 */

import { runCommand } from "../lib/util/run_command.ts";

/** The Deno version the course runs on. */
export const PINNED_DENO_VERSION = "2.9.0";

let pinnedPath: Promise<string> | undefined;

/**
 * The path of the pinned Deno's executable: this process's own when it runs
 * the pinned version, otherwise the one `npx -y deno@<pin>` fetches from the
 * npm registry (looked up once per process).
 *
 * @returns An absolute path to a Deno executable of the pinned version.
 * @throws {Error} When `npx` fails or prints no path.
 *
 * @example
 * ```ts
 * import { pinnedDenoPath } from "./deno_pin.ts";
 * import assert from "node:assert/strict";
 * assert.ok((await pinnedDenoPath()).startsWith("/"));
 * ```
 */
export function pinnedDenoPath(): Promise<string> {
  if (Deno.version.deno === PINNED_DENO_VERSION) {
    return Promise.resolve(Deno.execPath());
  }
  pinnedPath ??= (async () => {
    const { stdout } = await runCommand("npx", [
      "-y",
      `deno@${PINNED_DENO_VERSION}`,
      "eval",
      "console.log(Deno.execPath())",
    ], { what: `'npx -y deno@${PINNED_DENO_VERSION}'` });
    const path = stdout.trim();
    if (!path.startsWith("/")) {
      throw new Error(
        `Cannot find Deno ${PINNED_DENO_VERSION}: 'npx -y deno@${PINNED_DENO_VERSION}' printed no path, received ${
          JSON.stringify(path)
        }`,
      );
    }
    return path;
  })();
  return pinnedPath;
}
