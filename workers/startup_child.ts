/**
 * The smallest child process: it prints `ready` once started, then echoes
 * every line of stdin until stdin closes. Used by `lib/experiments/startup_memory_isolation.ts` to
 * time a process's first reply and read its memory.
 *
 * @module
 */

const encoder = new TextEncoder();
await Deno.stdout.write(encoder.encode("ready\n"));
for await (const chunk of Deno.stdin.readable) {
  await Deno.stdout.write(chunk);
}
