// A child process of notebook 06: it reads its stdin to the end, writes it
// back upper-cased to its stdout, and exits with the code given as its first
// argument.
const input = await new Response(Deno.stdin.readable).text();
await ReadableStream.from([input.toUpperCase()])
  .pipeThrough(new TextEncoderStream())
  .pipeTo(Deno.stdout.writable);
Deno.exit(Number(Deno.args[0] ?? 0));
