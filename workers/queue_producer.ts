// The producer of notebook 06's queue between processes: it writes the lines
// "item 0" .. "item N-1" to its stdout, N being its first argument.
const count = Number(Deno.args[0]);
const lines = Array.from({ length: count }, (_, i) => `item ${i}\n`);
await ReadableStream.from([lines.join("")])
  .pipeThrough(new TextEncoderStream())
  .pipeTo(Deno.stdout.writable);
