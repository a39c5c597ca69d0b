/**
 * The echo partner of the price-of-talking notebook (07), used two ways by
 * `lib/experiments/price_of_talking.ts`:
 *
 * - As a Web Worker, it answers messages, never speaking first (under
 *   `deno test`, Deno 2.9 sometimes loses a message a worker posts on its
 *   own as it starts): `hello` gets `ready`; a `clone` message's buffer comes
 *   back as a structured clone; a `transfer` message's buffer comes back in
 *   the transfer list (moved, not copied); a `share` message hands it a
 *   `SharedArrayBuffer` that later `touch` messages read and write in place.
 * - As a child process started with `--pipe`, it echoes length-prefixed
 *   frames (a 4-byte little-endian length, then the bytes) from stdin back to
 *   stdout.
 *
 * Imported anywhere else (by a test, say) it does nothing.
 *
 * @module
 */

/** A message the parent sends the echo worker. */
export type EchoRequest =
  | { kind: "hello" }
  | { kind: "clone"; buffer: ArrayBuffer }
  | { kind: "transfer"; buffer: ArrayBuffer }
  | { kind: "share"; buffer: SharedArrayBuffer }
  | { kind: "touch" };

/** What the echo worker answers. */
export type EchoReply =
  | { kind: "ready" }
  | { kind: "clone"; buffer: ArrayBuffer }
  | { kind: "transfer"; buffer: ArrayBuffer }
  | { kind: "shared"; bytes: number }
  | { kind: "touched"; first: number; last: number };

interface WorkerScope {
  onmessage: ((event: MessageEvent<EchoRequest>) => void) | null;
  postMessage(message: EchoReply, transfer?: Transferable[]): void;
}

function isWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: { new (): unknown } })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

function serveWorker(): void {
  const scope = globalThis as unknown as WorkerScope;
  let shared: Uint8Array | undefined;
  scope.onmessage = ({ data }) => {
    switch (data.kind) {
      case "hello":
        scope.postMessage({ kind: "ready" });
        break;
      case "clone":
        scope.postMessage({ kind: "clone", buffer: data.buffer });
        break;
      case "transfer":
        scope.postMessage({ kind: "transfer", buffer: data.buffer }, [
          data.buffer,
        ]);
        break;
      case "share":
        shared = new Uint8Array(data.buffer);
        scope.postMessage({ kind: "shared", bytes: shared.length });
        break;
      case "touch": {
        // Reads the ends and bumps the first byte, in place: the parent
        // sees the write without any copy travelling back.
        const view = shared ?? new Uint8Array(1);
        const last = view[view.length - 1];
        view[0] = (view[0] + 1) & 255;
        scope.postMessage({ kind: "touched", first: view[0], last });
        break;
      }
    }
  };
}

async function servePipe(): Promise<void> {
  const reader = Deno.stdin.readable.getReader();
  const chunks: Uint8Array[] = [];
  let buffered = 0;
  const take = (count: number): Uint8Array => {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = chunks[0];
      const need = count - filled;
      if (chunk.length <= need) {
        out.set(chunk, filled);
        filled += chunk.length;
        chunks.shift();
      } else {
        out.set(chunk.subarray(0, need), filled);
        chunks[0] = chunk.subarray(need);
        filled += need;
      }
    }
    buffered -= count;
    return out;
  };
  const fill = async (count: number): Promise<boolean> => {
    while (buffered < count) {
      const { value, done } = await reader.read();
      if (done) return false;
      chunks.push(value);
      buffered += value.length;
    }
    return true;
  };
  while (await fill(4)) {
    const header = take(4);
    const length = new DataView(header.buffer).getUint32(0, true);
    if (!(await fill(length))) break;
    const frame = new Uint8Array(4 + length);
    frame.set(header);
    frame.set(take(length), 4);
    let written = 0;
    while (written < frame.length) {
      written += await Deno.stdout.write(frame.subarray(written));
    }
  }
}

if (isWorker()) serveWorker();
else if (Deno.args.includes("--pipe")) await servePipe();
