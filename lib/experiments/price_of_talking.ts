/**
 * The experiments of the price-of-talking notebook (07): what it costs to
 * move a payload to a Worker and back by structured clone, by transfer, and
 * through a `SharedArrayBuffer`, and to a child process and back through its
 * pipes. The partner on the other side is `workers/echo_worker.ts`, resolved
 * here so notebook cells need no `import.meta`.
 *
 * @module
 */

import type { EchoReply, EchoRequest } from "../../workers/echo_worker.ts";
import { median } from "../measure/time_it.ts";
import { assertInteger } from "../util/validate.ts";

const ECHO_MODULE = new URL("../../workers/echo_worker.ts", import.meta.url);

/**
 * How a payload travels:
 *
 * - `clone`: `postMessage(buffer)` to a Worker and back; copied each way.
 * - `transfer`: `postMessage(buffer, [buffer])` and back; moved, not copied.
 * - `shared`: a `SharedArrayBuffer` handed over once; each round trip sends
 *   only a tiny message and the Worker reads and writes the shared bytes.
 * - `pipe`: written to a child process's stdin and read back from its
 *   stdout, length-prefixed.
 */
export type MessageMode = "clone" | "transfer" | "shared" | "pipe";

/** Every mode, in the order the notebook shows them. */
export const MESSAGE_MODES: readonly MessageMode[] = [
  "clone",
  "transfer",
  "shared",
  "pipe",
];

/** The knobs of the notebook, checked by {@linkcode checkMessageParameters}. */
export interface MessageParameters {
  /** The smallest payload, in bytes, a positive integer. */
  minBytes: number;
  /** The largest payload, in bytes, at least `minBytes` and at most 256 MiB. */
  maxBytes: number;
  /** Measured samples per size and mode, a positive integer. */
  repeats: number;
}

const MAX_BYTES = 256 * 1024 * 1024;

/**
 * Checks the notebook's parameters before anything starts.
 *
 * @param parameters The parameters cell's values.
 * @throws {RangeError} Naming the first value out of range.
 *
 * @example
 * ```ts
 * import { checkMessageParameters } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * checkMessageParameters({ minBytes: 1024, maxBytes: 4096, repeats: 3 });
 * assert.throws(
 *   () => checkMessageParameters({ minBytes: 1024, maxBytes: 4096, repeats: 0 }),
 *   { message: "Invalid parameter: 'repeats' must be a positive integer, received 0" },
 * );
 * ```
 */
export function checkMessageParameters(parameters: MessageParameters): void {
  const where = "Invalid parameter";
  assertInteger(where, "minBytes", parameters.minBytes);
  assertInteger(where, "maxBytes", parameters.maxBytes);
  assertInteger(where, "repeats", parameters.repeats);
  if (parameters.maxBytes < parameters.minBytes) {
    throw new RangeError(
      `${where}: 'maxBytes' must be at least 'minBytes' (${parameters.minBytes}), received ${parameters.maxBytes}`,
    );
  }
  if (parameters.maxBytes > MAX_BYTES) {
    throw new RangeError(
      `${where}: 'maxBytes' must be at most ${MAX_BYTES} (256 MiB), received ${parameters.maxBytes}`,
    );
  }
}

/**
 * Payload sizes from `minBytes` up to `maxBytes`, each `factor` times the
 * one before; `maxBytes` is always the last.
 *
 * @param minBytes The first size, in bytes.
 * @param maxBytes The last size, in bytes.
 * @param factor The step between sizes, more than 1.
 * @returns The sizes, rising.
 * @throws {RangeError} When a size is not a positive integer, `maxBytes`
 *   is below `minBytes`, or `factor` is not more than 1.
 *
 * @example
 * ```ts
 * import { payloadSizes } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(payloadSizes(1024, 16384), [1024, 4096, 16384]);
 * assert.deepEqual(payloadSizes(1000, 5000, 2), [1000, 2000, 4000, 5000]);
 * ```
 */
export function payloadSizes(
  minBytes: number,
  maxBytes: number,
  factor = 4,
): number[] {
  const where = "Cannot list payload sizes";
  assertInteger(where, "minBytes", minBytes);
  assertInteger(where, "maxBytes", maxBytes);
  if (maxBytes < minBytes) {
    throw new RangeError(
      `${where}: 'maxBytes' must be at least 'minBytes' (${minBytes}), received ${maxBytes}`,
    );
  }
  if (typeof factor !== "number" || !(factor > 1) || !Number.isFinite(factor)) {
    throw new RangeError(
      `${where}: 'factor' must be a finite number above 1, received ${factor}`,
    );
  }
  const sizes: number[] = [];
  for (let size = minBytes; size < maxBytes; size = Math.round(size * factor)) {
    sizes.push(size);
  }
  sizes.push(maxBytes);
  return sizes;
}

/** A worker running `workers/echo_worker.ts`, with a request/reply call. */
class EchoWorker {
  #worker: Worker;
  #waiting: PromiseWithResolvers<EchoReply> | undefined;
  #failed: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (event: MessageEvent<EchoReply>) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#failed = new Error(`Echo worker failed: ${event.message}`);
      this.#waiting?.reject(this.#failed);
      this.#waiting = undefined;
    };
  }

  static async start(): Promise<EchoWorker> {
    const echo = new EchoWorker(
      new Worker(ECHO_MODULE, { type: "module" }),
    );
    try {
      // Ask first: a worker's unasked start-up message can be lost (see
      // workers/echo_worker.ts).
      const first = await echo.call({ kind: "hello" });
      if (first.kind !== "ready") {
        throw new Error(`Echo worker said '${first.kind}' before 'ready'`);
      }
      return echo;
    } catch (error) {
      echo.close();
      throw error;
    }
  }

  #next(): Promise<EchoReply> {
    if (this.#failed) return Promise.reject(this.#failed);
    this.#waiting = Promise.withResolvers();
    return this.#waiting.promise;
  }

  call(request: EchoRequest, transfer?: Transferable[]): Promise<EchoReply> {
    const reply = this.#next();
    if (transfer) this.#worker.postMessage(request, transfer);
    else this.#worker.postMessage(request);
    return reply;
  }

  close(): void {
    this.#worker.terminate();
  }
}

/** A child process running `workers/echo_worker.ts --pipe`. */
class EchoChild {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;

  constructor() {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ECHO_MODULE.href, "--pipe"],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader();
  }

  async #fill(count: number): Promise<void> {
    while (this.#buffered < count) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("Echo child closed its stdout");
      this.#chunks.push(value);
      this.#buffered += value.length;
    }
  }

  #take(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.#chunks[0];
      const need = count - filled;
      if (chunk.length <= need) {
        out.set(chunk, filled);
        filled += chunk.length;
        this.#chunks.shift();
      } else {
        out.set(chunk.subarray(0, need), filled);
        this.#chunks[0] = chunk.subarray(need);
        filled += need;
      }
    }
    this.#buffered -= count;
    return out;
  }

  /** Sends `frame` (header included) and resolves with the echoed payload. */
  async echo(frame: Uint8Array): Promise<Uint8Array> {
    const [, payload] = await Promise.all([
      this.#writer.write(frame),
      (async () => {
        await this.#fill(4);
        const header = this.#take(4);
        const length = new DataView(header.buffer).getUint32(0, true);
        await this.#fill(length);
        return this.#take(length);
      })(),
    ]);
    return payload;
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#reader.cancel().catch(() => {});
    await this.#child.status;
  }
}

function pattern(bytes: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) data[i] = (i / 4096) & 255;
  data[bytes - 1] = 7;
  return data;
}

function check(
  mode: MessageMode,
  bytes: number,
  received: ArrayBuffer | Uint8Array,
): void {
  const view = received instanceof Uint8Array
    ? received
    : new Uint8Array(received);
  if (view.length !== bytes || view[bytes - 1] !== 7) {
    throw new Error(
      `The ${mode} round trip of ${bytes} bytes came back wrong: ${view.length} bytes`,
    );
  }
}

/** One measured point: a mode, a payload size, and its round-trip time. */
export interface MessageCostRow {
  /** How the payload travelled. */
  mode: MessageMode;
  /** The payload, in bytes. */
  bytes: number;
  /** Each repeat's mean round trip, in milliseconds, in the order run. */
  samplesMs: number[];
  /** The median of `samplesMs`. */
  medianMs: number;
  /** The fastest round trip, in milliseconds. */
  minMs: number;
  /**
   * Payload bytes moved per second at the median, both ways counted once,
   * in MB/s (10^6 bytes per second).
   */
  mbPerSecond: number;
}

/** Options of {@linkcode measureMessageCost}. */
export interface MessageCostOptions {
  /** The payload sizes, in bytes, each a positive integer. */
  sizes: readonly number[];
  /**
   * Measured samples per size and mode.
   * @default {5}
   */
  repeats?: number;
  /**
   * The modes to measure.
   * @default {MESSAGE_MODES}
   */
  modes?: readonly MessageMode[];
  /**
   * Called after each size of each mode, for a progress bar.
   * @default {undefined}
   */
  onStep?: () => void;
}

/**
 * Round-trip time for each payload size and mode. One Worker and one child
 * process are started first (not timed) and closed at the end. Each sample
 * times a batch of round trips, enough to move about 256 KB, and divides,
 * so small payloads are not lost in timer noise. Each mode first makes 200
 * untimed round trips at the first size, and each size and mode one untimed
 * batch, so JIT compilation is not measured. Every echo is checked: the right length and last byte came
 * back.
 *
 * @param options Sizes, repeats, modes and a progress callback.
 * @returns One row per mode and size, grouped by mode in the order given,
 *   sizes in the order given.
 * @throws {RangeError} When a size or `repeats` is not a positive integer,
 *   or a mode is unknown.
 * @throws {Error} When an echo comes back wrong.
 *
 * @example
 * ```ts
 * import { measureMessageCost } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const rows = await measureMessageCost({ sizes: [1024], repeats: 1 });
 * assert.deepEqual(rows.map((row) => row.mode), [
 *   "clone", "transfer", "shared", "pipe",
 * ]);
 * assert.ok(rows.every((row) => row.medianMs > 0));
 * ```
 */
export async function measureMessageCost(
  options: MessageCostOptions,
): Promise<MessageCostRow[]> {
  const { sizes, repeats = 5, modes = MESSAGE_MODES, onStep } = options;
  const where = "Cannot measure message cost";
  if (!Array.isArray(sizes) || sizes.length === 0) {
    throw new RangeError(
      `${where}: 'sizes' must be a non-empty array of byte counts, received ${
        JSON.stringify(sizes)
      }`,
    );
  }
  sizes.forEach((size, index) => assertInteger(where, `sizes[${index}]`, size));
  assertInteger(where, "repeats", repeats);
  for (const mode of modes) {
    if (!MESSAGE_MODES.includes(mode)) {
      throw new RangeError(
        `${where}: 'modes' must hold only ${
          MESSAGE_MODES.map((one) => `'${one}'`).join(", ")
        }, received '${mode}'`,
      );
    }
  }
  const needsWorker = modes.some((mode) => mode !== "pipe");
  const child = modes.includes("pipe") ? new EchoChild() : undefined;
  let worker: EchoWorker | undefined;
  try {
    worker = needsWorker ? await EchoWorker.start() : undefined;
    // Warm every road up first at the smallest size, so the first points
    // do not pay for JIT compilation on either side.
    for (const mode of modes) {
      const roundTrip = await makeRoundTrip(mode, sizes[0], worker, child);
      for (let i = 0; i < 200; i++) await roundTrip();
    }
    const rows: MessageCostRow[] = [];
    // Sizes outside, modes inside: a burst of noise on a busy machine then
    // hits every mode of one size, not every size of one mode.
    for (const bytes of sizes) {
      for (const mode of modes) {
        const roundTrip = await makeRoundTrip(mode, bytes, worker, child);
        const batch = Math.min(64, Math.max(1, Math.ceil(262_144 / bytes)));
        const run = async () => {
          for (let i = 0; i < batch; i++) await roundTrip();
        };
        await run();
        const samples: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const started = performance.now();
          await run();
          samples.push((performance.now() - started) / batch);
        }
        const medianMs = median(samples);
        rows.push({
          mode,
          bytes,
          samplesMs: samples,
          medianMs,
          minMs: Math.min(...samples),
          mbPerSecond: bytes / 1e6 / (medianMs / 1000),
        });
        onStep?.();
      }
    }
    return modes.flatMap((mode) => rows.filter((row) => row.mode === mode));
  } finally {
    worker?.close();
    await child?.close();
  }
}

async function makeRoundTrip(
  mode: MessageMode,
  bytes: number,
  worker: EchoWorker | undefined,
  child: EchoChild | undefined,
): Promise<() => Promise<void>> {
  switch (mode) {
    case "clone": {
      const buffer = pattern(bytes).buffer;
      return async () => {
        const reply = await worker!.call({ kind: "clone", buffer });
        if (reply.kind !== "clone") throw new Error(`Unexpected ${reply.kind}`);
        check(mode, bytes, reply.buffer);
      };
    }
    case "transfer": {
      let buffer = pattern(bytes).buffer;
      return async () => {
        const reply = await worker!.call({ kind: "transfer", buffer }, [
          buffer,
        ]);
        if (reply.kind !== "transfer") {
          throw new Error(`Unexpected ${reply.kind}`);
        }
        buffer = reply.buffer;
        check(mode, bytes, buffer);
      };
    }
    case "shared": {
      const buffer = new SharedArrayBuffer(bytes);
      const view = new Uint8Array(buffer);
      view.set(pattern(bytes));
      await worker!.call({ kind: "share", buffer });
      return async () => {
        const reply = await worker!.call({ kind: "touch" });
        if (reply.kind !== "touched" || reply.last !== 7) {
          throw new Error(`The shared round trip of ${bytes} bytes failed`);
        }
        if (view[0] !== reply.first) {
          throw new Error("The worker's write to shared memory was not seen");
        }
      };
    }
    case "pipe": {
      const frame = new Uint8Array(4 + bytes);
      new DataView(frame.buffer).setUint32(0, bytes, true);
      frame.set(pattern(bytes), 4);
      return async () => {
        check(mode, bytes, await child!.echo(frame));
      };
    }
  }
}

/** What {@linkcode ownershipDemo} saw for one way of sending. */
export interface OwnershipRow {
  /** How the buffer was sent. */
  mode: "clone" | "transfer" | "shared";
  /** The sender's buffer length before sending, in bytes. */
  bytesBefore: number;
  /** The sender's buffer length right after `postMessage`, in bytes. */
  bytesAfterSend: number;
  /** Whether a write to the other side's bytes shows in the sender's buffer. */
  sharesMemory: boolean;
}

/**
 * Shows who owns a buffer after sending it to a Worker: a clone leaves the
 * sender its own copy; a transfer empties (detaches) the sender's buffer; a
 * `SharedArrayBuffer` stays with both, so the Worker's writes show.
 *
 * @param bytes The buffer size, in bytes.
 * @returns One row per way of sending.
 * @throws {RangeError} When `bytes` is not a positive integer.
 *
 * @example
 * ```ts
 * import { ownershipDemo } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const [clone, transfer, shared] = await ownershipDemo(1024);
 * assert.equal(clone.bytesAfterSend, 1024);
 * assert.equal(transfer.bytesAfterSend, 0);
 * assert.equal(shared.sharesMemory, true);
 * ```
 */
export async function ownershipDemo(bytes: number): Promise<OwnershipRow[]> {
  const where = "Cannot run the ownership demo";
  assertInteger(where, "bytes", bytes);
  const worker = await EchoWorker.start();
  try {
    const cloned = pattern(bytes).buffer;
    const cloneReply = await worker.call({ kind: "clone", buffer: cloned });
    if (cloneReply.kind !== "clone") throw new Error("Unexpected reply");
    new Uint8Array(cloneReply.buffer)[0] = 99;
    const clone: OwnershipRow = {
      mode: "clone",
      bytesBefore: bytes,
      bytesAfterSend: cloned.byteLength,
      sharesMemory: new Uint8Array(cloned)[0] === 99,
    };

    const moved = pattern(bytes).buffer;
    const reply = worker.call({ kind: "transfer", buffer: moved }, [moved]);
    const transfer: OwnershipRow = {
      mode: "transfer",
      bytesBefore: bytes,
      bytesAfterSend: moved.byteLength,
      sharesMemory: false,
    };
    await reply;

    const sharedBuffer = new SharedArrayBuffer(bytes);
    const view = new Uint8Array(sharedBuffer);
    await worker.call({ kind: "share", buffer: sharedBuffer });
    await worker.call({ kind: "touch" });
    const shared: OwnershipRow = {
      mode: "shared",
      bytesBefore: bytes,
      bytesAfterSend: sharedBuffer.byteLength,
      sharesMemory: view[0] === 1,
    };
    return [clone, transfer, shared];
  } finally {
    worker.close();
  }
}

/** One size of {@linkcode compareModes}: two modes' medians and their ratio. */
export interface ModeComparison {
  /** The payload, in bytes. */
  bytes: number;
  /** The first mode's median round trip, in milliseconds. */
  firstMs: number;
  /** The second mode's median round trip, in milliseconds. */
  secondMs: number;
  /** `firstMs / secondMs`: above 1, the first mode is slower. */
  ratio: number;
}

/**
 * Puts two modes side by side, size by size, from the rows of
 * {@linkcode measureMessageCost}. Sizes measured for only one of them are
 * left out.
 *
 * @param rows The measured rows.
 * @param first The mode whose time is divided.
 * @param second The mode it is compared with.
 * @returns One comparison per size both were measured at, rising by size.
 *
 * @example
 * ```ts
 * import { compareModes } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const row = { samplesMs: [1], minMs: 1, mbPerSecond: 1 };
 * const rows = [
 *   { ...row, mode: "pipe" as const, bytes: 10, medianMs: 6 },
 *   { ...row, mode: "clone" as const, bytes: 10, medianMs: 2 },
 * ];
 * assert.deepEqual(compareModes(rows, "pipe", "clone"), [
 *   { bytes: 10, firstMs: 6, secondMs: 2, ratio: 3 },
 * ]);
 * ```
 */
export function compareModes(
  rows: readonly MessageCostRow[],
  first: MessageMode,
  second: MessageMode,
): ModeComparison[] {
  const seconds = new Map(
    rows.filter((row) => row.mode === second).map((row) => [row.bytes, row]),
  );
  return rows
    .filter((row) => row.mode === first && seconds.has(row.bytes))
    .map((row) => {
      const other = seconds.get(row.bytes)!;
      return {
        bytes: row.bytes,
        firstMs: row.medianMs,
        secondMs: other.medianMs,
        ratio: row.medianMs / other.medianMs,
      };
    })
    .sort((a, b) => a.bytes - b.bytes);
}
