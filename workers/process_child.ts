/**
 * The child process of the processes notebook (06), started by
 * `lib/experiments/processes.ts` with a mode as its first argument:
 *
 * - `shout CODE`: reads stdin to the end, writes it upper-cased to stdout,
 *   then exits with exit code `CODE`.
 * - `produce COUNT`: writes `COUNT` lines `item 0` .. `item COUNT-1` to stdout.
 * - `consume`: reads lines from stdin until it closes, then writes one JSON
 *   line `{ "lines": n, "sum": s, "pid": p }` where `s` adds up the numbers.
 * - `count PATH INCREMENTS LOCK`: prints `ready`, waits for a line on stdin
 *   (the start signal), then adds 1 to the number in the file at `PATH`,
 *   `INCREMENTS` times, each a read-modify-write, under `Deno.FsFile.lock`
 *   when `LOCK` is `lock`.
 *
 * @module
 */

const [mode, ...rest] = Deno.args;

async function readAll(readable: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(readable).text();
}

async function* lines(
  readable: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  let buffered = "";
  for await (const text of readable.pipeThrough(new TextDecoderStream())) {
    buffered += text;
    let newline = buffered.indexOf("\n");
    while (newline !== -1) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered.length > 0) yield buffered;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function writeAll(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

async function count(path: string, increments: number, lock: boolean) {
  await writeAll("ready\n");
  // Wait for the start signal so every child races from the same moment.
  for await (const _ of lines(Deno.stdin.readable)) break;
  using file = await Deno.open(path, { read: true, write: true });
  const buffer = new Uint8Array(32);
  for (let i = 0; i < increments; i++) {
    if (lock) await file.lock(true);
    await file.seek(0, Deno.SeekMode.Start);
    const read = (await file.read(buffer)) ?? 0;
    const value = Number(decoder.decode(buffer.subarray(0, read)).trim() || 0);
    const next = encoder.encode(String(value + 1).padEnd(16));
    await file.seek(0, Deno.SeekMode.Start);
    await file.write(next);
    if (lock) await file.unlock();
  }
}

switch (mode) {
  case "shout": {
    const text = await readAll(Deno.stdin.readable);
    await writeAll(text.toUpperCase());
    Deno.exit(Number(rest[0] ?? 0));
    break;
  }
  case "produce": {
    const total = Number(rest[0]);
    let out = "";
    for (let i = 0; i < total; i++) out += `item ${i}\n`;
    await writeAll(out);
    break;
  }
  case "consume": {
    let received = 0;
    let sum = 0;
    for await (const line of lines(Deno.stdin.readable)) {
      if (line === "") continue;
      received++;
      sum += Number(line.split(" ")[1]);
    }
    const summary = { lines: received, sum, pid: Deno.pid };
    await writeAll(JSON.stringify(summary) + "\n");
    break;
  }
  case "count":
    await count(rest[0], Number(rest[1]), rest[2] === "lock");
    break;
  default:
    console.error(`Unknown mode '${mode}'`);
    Deno.exit(2);
}
