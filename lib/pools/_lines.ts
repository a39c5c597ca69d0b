/**
 * Reads a byte stream as text lines. Internal.
 *
 * @module
 */

/**
 * Yields the lines of `readable`, without their line ends, and the last
 * unterminated piece when the stream ends.
 *
 * @param readable A byte stream, such as a child's stdout.
 * @returns The lines, as they arrive.
 */
export async function* textLines(
  readable: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      yield buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered.length > 0) yield buffered;
}
