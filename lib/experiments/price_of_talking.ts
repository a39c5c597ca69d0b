/**
 * The experiments of the price-of-talking notebook (07): what it costs to
 * move a payload to a Worker and back by structured clone, by transfer, and
 * through a `SharedArrayBuffer`, and to a child process and back through its
 * pipes. The partners are the notebook's own: the Worker runs
 * {@linkcode ECHO_WORKER}, the child runs {@linkcode PIPE_ECHO_SOURCE}.
 *
 * @module
 */

import { type Figure, lineChart, logAxes } from "../display/plot.ts";
import { median } from "../measure/time_it.ts";
import { assertInteger } from "../util/validate.ts";

/**
 * The URL of `workers/echo_worker.ts`, notebook 07's worker: it adds 1 to
 * the first byte of what it is sent, then copies a `{ buffer }` back, moves
 * a `{ buffer, move: true }` back in a transfer list, and answers a
 * `SharedArrayBuffer` with its last byte only.
 *
 * @example
 * ```ts
 * import { ECHO_WORKER } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const worker = new Worker(ECHO_WORKER, { type: "module" });
 * const shared = new SharedArrayBuffer(4);
 * const last = await new Promise((resolve) => {
 *   worker.onmessage = (event) => resolve(event.data);
 *   worker.postMessage(shared);
 * });
 * worker.terminate();
 * assert.equal(last, 0);
 * assert.equal(new Uint8Array(shared)[0], 1); // the worker's write, seen here
 * ```
 */
export const ECHO_WORKER: URL = new URL(
  "../../workers/echo_worker.ts",
  import.meta.url,
);

/**
 * The whole source of notebook 07's echo child, run with `deno eval`: it
 * copies its stdin to its stdout until the stdin closes.
 *
 * @example
 * ```ts
 * import { PIPE_ECHO_SOURCE } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const child = new Deno.Command(Deno.execPath(), {
 *   args: ["eval", PIPE_ECHO_SOURCE],
 *   stdin: "piped",
 *   stdout: "piped",
 * }).spawn();
 * const writer = child.stdin.getWriter();
 * await writer.write(new TextEncoder().encode("echo"));
 * await writer.close();
 * assert.equal(new TextDecoder().decode((await child.output()).stdout), "echo");
 * ```
 */
export const PIPE_ECHO_SOURCE =
  "await Deno.stdin.readable.pipeTo(Deno.stdout.writable);";

/**
 * How a payload travels:
 *
 * - `clone`: `postMessage(buffer)` to a Worker and back; copied each way.
 * - `transfer`: `postMessage(buffer, [buffer])` and back; moved, not copied.
 * - `shared`: a `SharedArrayBuffer` posted to a Worker: only a handle to the
 *   same memory travels, the Worker reads and writes the bytes in place and
 *   answers with one number.
 * - `pipe`: written to a child process's stdin and read back from its
 *   stdout.
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

/** A message {@linkcode ECHO_WORKER} answers with a buffer. */
interface BufferMessage {
  buffer: ArrayBuffer;
  move?: boolean;
}

/** A Worker running {@linkcode ECHO_WORKER}, with a request/reply call. */
class EchoWorker {
  #worker = new Worker(ECHO_WORKER, { type: "module" });
  #waiting: PromiseWithResolvers<unknown> | undefined;
  #failed: Error | undefined;

  constructor() {
    this.#worker.onmessage = (event) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      waiting?.resolve(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failed = new Error(`Echo worker failed: ${event.message}`);
      this.#waiting?.reject(this.#failed);
      this.#waiting = undefined;
    };
  }

  /** Posts `message` and resolves with the worker's answer. */
  call<T>(
    message: BufferMessage | SharedArrayBuffer,
    transfer: Transferable[] = [],
  ): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    this.#waiting = Promise.withResolvers();
    this.#worker.postMessage(message, transfer);
    return this.#waiting.promise as Promise<T>;
  }

  close(): void {
    this.#worker.terminate();
  }
}

/** A child process running {@linkcode PIPE_ECHO_SOURCE}. */
class EchoChild {
  #child = new Deno.Command(Deno.execPath(), {
    args: ["eval", PIPE_ECHO_SOURCE],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  #writer = this.#child.stdin.getWriter();
  #reader = this.#child.stdout.getReader();

  /**
   * Writes `payload` and reads as many bytes back, into one buffer. The
   * child only echoes, so with one payload in flight at a time every byte
   * read belongs to it.
   */
  async echo(payload: Uint8Array): Promise<Uint8Array> {
    const writing = this.#writer.write(payload);
    const echoed = new Uint8Array(payload.length);
    let filled = 0;
    while (filled < payload.length) {
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("Echo child closed its stdout");
      echoed.set(value, filled);
      filled += value.length;
    }
    await writing;
    return echoed;
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
 * batch, so JIT compilation is not measured. Every echo is checked: the
 * right length and last byte came back, or, for `shared`, the Worker's write
 * is seen.
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
    worker = needsWorker ? new EchoWorker() : undefined;
    // Warm every road up first at the smallest size, so the first points
    // do not pay for JIT compilation on either side.
    for (const mode of modes) {
      const roundTrip = makeRoundTrip(mode, sizes[0], worker, child);
      for (let i = 0; i < 200; i++) await roundTrip();
    }
    const rows: MessageCostRow[] = [];
    // Sizes outside, modes inside: a burst of noise on a busy machine then
    // hits every mode of one size, not every size of one mode.
    for (const bytes of sizes) {
      for (const mode of modes) {
        const roundTrip = makeRoundTrip(mode, bytes, worker, child);
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

function makeRoundTrip(
  mode: MessageMode,
  bytes: number,
  worker: EchoWorker | undefined,
  child: EchoChild | undefined,
): () => Promise<void> {
  switch (mode) {
    case "clone": {
      const buffer = pattern(bytes).buffer;
      return async () => {
        const reply = await worker!.call<BufferMessage>({ buffer });
        check(mode, bytes, reply.buffer);
      };
    }
    case "transfer": {
      let buffer = pattern(bytes).buffer;
      return async () => {
        const message = { buffer, move: true };
        buffer = (await worker!.call<BufferMessage>(message, [buffer])).buffer;
        check(mode, bytes, buffer);
      };
    }
    case "shared": {
      const buffer = new SharedArrayBuffer(bytes);
      const view = new Uint8Array(buffer);
      view.set(pattern(bytes));
      return async () => {
        const first = view[0];
        const last = await worker!.call<number>(buffer);
        // The worker read the last byte and wrote the first, in place.
        if (last !== 7 || view[0] !== ((first + 1) & 255)) {
          throw new Error(`The shared round trip of ${bytes} bytes failed`);
        }
      };
    }
    case "pipe": {
      const payload = pattern(bytes);
      return async () => {
        check(mode, bytes, await child!.echo(payload));
      };
    }
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

/**
 * The chart of {@linkcode measureMessageCost}: the median round trip of each
 * mode against the payload size, one line per mode, both axes logarithmic.
 *
 * @param rows What {@linkcode measureMessageCost} returned.
 * @returns The figure.
 *
 * @example
 * ```ts
 * import { messageCostFigure } from "./price_of_talking.ts";
 * import assert from "node:assert/strict";
 * const row = { samplesMs: [1], minMs: 1, mbPerSecond: 1 };
 * const figure = messageCostFigure([
 *   { ...row, mode: "clone" as const, bytes: 1024, medianMs: 0.1 },
 *   { ...row, mode: "pipe" as const, bytes: 1024, medianMs: 0.2 },
 * ]);
 * assert.deepEqual(figure.data.map((trace) => trace.name), ["clone", "pipe"]);
 * assert.deepEqual(figure.data[0].x, [1]);
 * ```
 */
export function messageCostFigure(rows: readonly MessageCostRow[]): Figure {
  const modes = MESSAGE_MODES.filter((mode) =>
    rows.some((row) => row.mode === mode)
  );
  return logAxes(lineChart(
    modes.map((mode) => {
      const ofMode = rows.filter((row) => row.mode === mode);
      return {
        name: mode,
        x: ofMode.map((row) => row.bytes / 1024),
        y: ofMode.map((row) => row.medianMs),
      };
    }),
    {
      title: "Round trip to a Worker or a child process, by payload size",
      xTitle: "payload (KB)",
      yTitle: "median round trip (ms)",
      caption:
        "Copying modes (clone, pipe) climb with size; transfer and shared stay near the per-message floor. Both axes are logarithmic.",
    },
  ));
}
