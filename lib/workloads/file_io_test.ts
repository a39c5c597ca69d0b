import assert from "node:assert/strict";
import { readFilesInTurn, writeFilesInTurn } from "./file_io.ts";

Deno.test("writeFilesInTurn and readFilesInTurn count the bytes of each file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = [`${dir}/a`, `${dir}/b`, `${dir}/c`];
    assert.equal(await writeFilesInTurn(paths, new Uint8Array(7).fill(1)), 21);
    assert.deepEqual(await Deno.readFile(paths[2]), new Uint8Array(7).fill(1));
    await Deno.writeTextFile(paths[1], "longer than seven");
    assert.equal(await readFilesInTurn(paths), 7 + 17 + 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
