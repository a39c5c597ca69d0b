import assert from "node:assert/strict";
import { readLines, splitLines } from "./lines.ts";

const encode = (text: string) => new TextEncoder().encode(text);

Deno.test("splitLines() splits on \\n and \\r\\n, keeping empty lines but not a final empty one", () => {
  assert.deepEqual(splitLines("a\nb"), ["a", "b"]);
  assert.deepEqual(splitLines("a\r\nb\r\n"), ["a", "b"]);
  assert.deepEqual(splitLines("\n\nx\n"), ["", "", "x"]);
  assert.deepEqual(splitLines("no ending"), ["no ending"]);
  assert.deepEqual(splitLines(""), []);
});

Deno.test("readLines() yields lines split across chunks, and a last line without an ending", async () => {
  const stream = ReadableStream.from(
    ["al", "pha\r\nbe", "ta\n\ngam", "ma"].map(encode),
  );
  const lines: string[] = [];
  for await (const line of readLines(stream)) lines.push(line);
  assert.deepEqual(lines, ["alpha", "beta", "", "gamma"]);
});

Deno.test("readLines() decodes a character split across chunks", async () => {
  const bytes = encode("é\n");
  const stream = ReadableStream.from([bytes.slice(0, 1), bytes.slice(1)]);
  const lines: string[] = [];
  for await (const line of readLines(stream)) lines.push(line);
  assert.deepEqual(lines, ["é"]);
});

Deno.test("readLines() cancels the stream when the reader stops early", async () => {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encode("first\nsecond\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const line of readLines(stream)) {
    assert.equal(line, "first");
    break;
  }
  assert.equal(cancelled, true);
});
