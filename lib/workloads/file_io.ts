/**
 * File I/O workloads: files written and read back one after another, each
 * counting its bytes, so a pool can run a share of them.
 *
 * @module
 */

/**
 * Writes `data` to each path in turn, awaiting each write before the next.
 *
 * @param paths The files to write (created or truncated).
 * @param data The bytes every file gets.
 * @returns The bytes written in all.
 *
 * @example
 * ```ts
 * import { readFilesInTurn, writeFilesInTurn } from "./file_io.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const paths = [`${dir}/a`, `${dir}/b`];
 * assert.equal(await writeFilesInTurn(paths, new Uint8Array(10)), 20);
 * assert.equal(await readFilesInTurn(paths), 20);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFilesInTurn(
  paths: readonly string[],
  data: Uint8Array,
): Promise<number> {
  for (const path of paths) await Deno.writeFile(path, data);
  return paths.length * data.length;
}

/**
 * Reads each path in turn, awaiting each read before the next.
 *
 * @param paths The files to read.
 * @returns The bytes read in all.
 *
 * @example
 * ```ts
 * import { readFilesInTurn } from "./file_io.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a`, "hello");
 * assert.equal(await readFilesInTurn([`${dir}/a`]), 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readFilesInTurn(
  paths: readonly string[],
): Promise<number> {
  let bytes = 0;
  for (const path of paths) bytes += (await Deno.readFile(path)).length;
  return bytes;
}
