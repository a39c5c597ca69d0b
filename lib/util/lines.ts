/**
 * Lines of text, from a string or from a byte stream such as a child
 * process's stdout: one splitter, so every reader agrees on what a line is
 * (`\n` or `\r\n` ends it; the line comes without its ending).
 *
 * @module
 */

/**
 * The lines of `text`, without their endings. A final line without an
 * ending is kept; the empty string after a final ending is not a line.
 *
 * @param text The text to split.
 * @returns Its lines, in order.
 *
 * @example
 * ```ts
 * import { splitLines } from "./lines.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(splitLines("a\r\nb\n\nc"), ["a", "b", "", "c"]);
 * assert.deepEqual(splitLines("a\n"), ["a"]);
 * assert.deepEqual(splitLines(""), []);
 * ```
 */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map(withoutCarriageReturn);
}

/**
 * Reads `readable` as UTF-8 and yields each line, without its ending, as
 * soon as it is complete; a last line without an ending is yielded when the
 * stream ends. Stopping early (a `break` out of `for await`) cancels the
 * stream.
 *
 * @param readable The bytes to read, e.g. a child's `stdout`.
 * @returns The lines, in order.
 *
 * @example
 * ```ts
 * import { readLines } from "./lines.ts";
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode("one\ntw");
 * const stream = ReadableStream.from([bytes, new TextEncoder().encode("o\n3")]);
 * const lines: string[] = [];
 * for await (const line of readLines(stream)) lines.push(line);
 * assert.deepEqual(lines, ["one", "two", "3"]);
 * ```
 */
export async function* readLines(
  readable: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  let pending = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) yield withoutCarriageReturn(line);
  }
  if (pending !== "") yield withoutCarriageReturn(pending);
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
