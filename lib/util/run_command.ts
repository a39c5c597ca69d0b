/**
 * Runs a command to completion and words its failure one way, so every
 * caller (experiments, scripts) reports a failed child alike:
 * `<what> exited with code <code>: <the end of its stderr>`.
 *
 * @module
 */

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  /**
   * What is being run, for the error message, e.g. `"Python script
   * python_primes.py"`.
   * @default {"`<command> <args...>`"}
   */
  what?: string;
  /**
   * Text written to the command's stdin, which is then closed; without it
   * stdin is null.
   * @default {undefined}
   */
  stdin?: string;
  /**
   * Environment variables added to this process's.
   * @default {undefined}
   */
  env?: Record<string, string>;
  /**
   * Resolve even when the command exits with a non-zero code (the caller
   * reads `code`), instead of rejecting.
   * @default {false}
   */
  allowFailure?: boolean;
}

/** What a finished command printed, and how it ended. */
export interface CommandResult {
  /** Its exit code. */
  code: number;
  /** Whether it exited with code 0. */
  success: boolean;
  /** Its stdout, decoded as UTF-8. */
  stdout: string;
  /** Its stderr, decoded as UTF-8. */
  stderr: string;
}

/** How much of a failed command's stderr an error message keeps, at its end. */
const STDERR_TAIL = 2000;

/**
 * The error for a child process that exited with a non-zero code, in the one
 * wording every caller uses. For commands run with {@linkcode runCommand},
 * and for long-lived children a caller spawned itself.
 *
 * @param what What was run, e.g. `"Consumer process"`.
 * @param code Its exit code.
 * @param stderr What it printed on stderr; the end of it is kept.
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * import { commandFailure } from "./run_command.ts";
 * import assert from "node:assert/strict";
 * const error = commandFailure("Consumer process", 3, "boom\n");
 * assert.equal(error.message, "Consumer process exited with code 3: boom");
 * ```
 */
export function commandFailure(
  what: string,
  code: number,
  stderr: string,
): Error {
  const tail = stderr.trim().slice(-STDERR_TAIL);
  return new Error(
    `${what} exited with code ${code}${tail === "" ? "" : `: ${tail}`}`,
  );
}

/**
 * Runs `command` with `args` until it exits and returns what it printed.
 *
 * @param command The program, e.g. `Deno.execPath()` or `"python3"`.
 * @param args Its arguments.
 * @param options Its stdin, environment, and how to report it.
 * @returns Its exit code, stdout and stderr.
 * @throws {Error} When it exits with a non-zero code (unless
 *   `allowFailure`), worded by {@linkcode commandFailure}.
 * @throws {Deno.errors.NotFound} When `command` does not exist.
 *
 * @example
 * ```ts
 * import { runCommand } from "./run_command.ts";
 * import assert from "node:assert/strict";
 * const result = await runCommand(Deno.execPath(), ["eval", "console.log(6 * 7)"]);
 * assert.equal(result.stdout.trim(), "42");
 * await assert.rejects(
 *   runCommand(Deno.execPath(), ["eval", "Deno.exit(3)"], { what: "The probe" }),
 *   { message: "The probe exited with code 3" },
 * );
 * ```
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const { stdin, env, allowFailure = false } = options;
  const child = new Deno.Command(command, {
    args: [...args],
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    // A child that exits without reading its stdin refuses the write; its
    // exit code then tells what happened.
    await writer.write(new TextEncoder().encode(stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  const output = await child.output();
  const result = {
    code: output.code,
    success: output.success,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
  if (!result.success && !allowFailure) {
    throw commandFailure(
      options.what ?? `\`${[command, ...args].join(" ")}\``,
      result.code,
      result.stderr,
    );
  }
  return result;
}
