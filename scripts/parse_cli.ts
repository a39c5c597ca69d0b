/**
 * Flag parsing for the project's scripts: `node:util` `parseArgs`, strict,
 * with a bad flag reported the same way by every script (the problem, then
 * the usage) and exit code 2.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Parses `config.args` (strict, as `parseArgs` is by default); on a bad flag
 * prints `<script>: <problem>`, a blank line and `usage` to stderr and exits
 * with code 2.
 *
 * @param script The script's name, to start the message with.
 * @param usage The usage line(s) printed after the problem.
 * @param config As for `parseArgs`; pass `args: Deno.args`.
 * @returns What `parseArgs` returns.
 *
 * @example
 * ```ts
 * import { parseCliOrExit } from "./parse_cli.ts";
 * import assert from "node:assert/strict";
 * const { values, positionals } = parseCliOrExit("demo", "Usage: demo [--check] [file...]", {
 *   args: ["--check", "a.txt"],
 *   options: { check: { type: "boolean" } },
 *   allowPositionals: true,
 * });
 * assert.equal(values.check, true);
 * assert.deepEqual(positionals, ["a.txt"]);
 * ```
 */
export function parseCliOrExit<T extends ParseArgsConfig>(
  script: string,
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`${script}: ${(error as Error).message}\n\n${usage}`);
    Deno.exit(2);
  }
}
