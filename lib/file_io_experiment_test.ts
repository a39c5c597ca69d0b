import assert from "node:assert/strict";
import {
  FILE_IO_MODES,
  fileIoExperiment,
  readFilesInTurn,
  writeFilesInTurn,
} from "./file_io_experiment.ts";

async function tempEntries(): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
    if (entry.name.startsWith("course_file_io_")) names.add(entry.name);
  }
  return names;
}

Deno.test("fileIoExperiment reads back every byte it wrote in every mode", async () => {
  const results = await fileIoExperiment({
    files: 10,
    fileBytes: 3000,
    workers: 2,
    repeats: 2,
  });
  assert.deepEqual(results.map((r) => r.mode), FILE_IO_MODES);
  for (const result of results) {
    assert.equal(result.files, 10);
    assert.equal(result.bytesWritten, 30_000);
    assert.equal(result.bytesRead, 30_000);
    assert.ok(result.writeMs > 0 && result.readMs > 0, JSON.stringify(result));
  }
});

Deno.test("fileIoExperiment removes its temporary directory", async () => {
  const before = await tempEntries();
  await fileIoExperiment({ files: 2, fileBytes: 10, workers: 1, repeats: 1 });
  assert.deepEqual(await tempEntries(), before);
});

Deno.test("fileIoExperiment reports progress after every run", async () => {
  const calls: [number, number][] = [];
  await fileIoExperiment({
    files: 2,
    fileBytes: 10,
    workers: 1,
    repeats: 2,
    onProgress: (done, total) => calls.push([done, total]),
  });
  const total = FILE_IO_MODES.length * 3;
  assert.deepEqual(
    calls,
    Array.from({ length: total + 1 }, (_, done) => [done, total]),
  );
});

Deno.test("fileIoExperiment rejects bad counts naming them", async (t) => {
  for (const name of ["files", "fileBytes", "workers", "repeats"]) {
    for (const value of [0, -1, 1.5, NaN, Infinity]) {
      await t.step(`${name}: ${value}`, async () => {
        await assert.rejects(fileIoExperiment({ [name]: value }), {
          name: "RangeError",
          message:
            `Cannot run the file I/O experiment: '${name}' must be a positive integer, received ${value}`,
        });
      });
    }
  }
});

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
