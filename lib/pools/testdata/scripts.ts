/**
 * Helpers for the pool tests that need a task module of their own or a
 * program of their own.
 *
 * @module
 */

import assert from "node:assert/strict";

/**
 * Writes a temporary task module that calls `expose(tasks)`, where `tasks`
 * is the source of an object of functions; runs `body` with its URL, then
 * removes it.
 */
export async function withTaskModule(
  tasks: string,
  body: (module: URL) => Promise<void>,
): Promise<void> {
  const module = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      module,
      `import { expose } from ${
        JSON.stringify(import.meta.resolve("../expose.ts"))
      };\nexpose(${tasks});\n`,
    );
    await body(new URL(`file://${module}`));
  } finally {
    await Deno.remove(module);
  }
}

/**
 * Runs `script` as a program of its own (`deno eval`, with `flags`), where
 * `WorkerPool` and `ProcessPool` are imported; fails unless it exits with
 * code 0, and returns what it wrote to stdout.
 */
export async function runPoolScript(
  script: string,
  flags: string[] = [],
): Promise<string> {
  const imports = [["WorkerPool", "worker_pool"], [
    "ProcessPool",
    "process_pool",
  ]]
    .map(([name, file]) =>
      `import { ${name} } from ${
        JSON.stringify(import.meta.resolve(`../${file}.ts`))
      };`
    ).join("\n");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", ...flags, `${imports}\n${script}`],
    stderr: "inherit",
    signal: AbortSignal.timeout(30_000),
  }).output();
  assert.equal(output.code, 0, `the script exited with ${output.code}`);
  return new TextDecoder().decode(output.stdout);
}
