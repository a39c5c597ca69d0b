// A child process of notebook 06 that adds 1 to the number in a file, again
// and again: read it, add one, write it back. Arguments: the file, how many
// times, and "lock" to hold an exclusive Deno.FsFile.lock around each
// read-modify-write. It prints "ready", then waits for its stdin to close, so
// a parent can start several at the same moment.
const [path, times, mode] = Deno.args;
console.log("ready");
await Deno.stdin.readable.pipeTo(new WritableStream()); // until stdin closes
using file = await Deno.open(path, { read: true, write: true });
const buffer = new Uint8Array(16);
for (let i = 0; i < Number(times); i++) {
  if (mode === "lock") await file.lock(true); // waits while another holds it
  await file.seek(0, Deno.SeekMode.Start);
  const read = (await file.read(buffer)) ?? 0;
  const value = Number(new TextDecoder().decode(buffer.subarray(0, read)));
  await file.seek(0, Deno.SeekMode.Start);
  await file.write(new TextEncoder().encode(String(value + 1).padEnd(16)));
  if (mode === "lock") await file.unlock();
}
