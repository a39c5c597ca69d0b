/**
 * The bytes between a `ProcessPool` and a child: messages as structured
 * clones (see `_codec.ts`), parent to child as length-prefixed frames on the
 * child's stdin, child to parent as marked fragments on its stdout. Internal.
 *
 * Why fragments: a task may write to stdout itself (`console.log`, a
 * `Deno.stdout.write` without a final newline, a worker of its own, a
 * subprocess that inherits the descriptor), and `Deno.Command` offers the
 * child no other descriptor than stdin, stdout and stderr (`node:child_process`
 * offers an IPC channel, a third of the speed on 50 KB messages, and Unix
 * sockets need net, read and write permissions in the child). So each reply
 * is cut into fragments of at most `PIPE_BUF` (4096) bytes, each written by
 * one `write()`, which the kernel never interleaves with another writer's
 * bytes; each fragment starts with a marker of 8 random bytes, the first
 * 0xFF (never part of UTF-8 text), so the parent tells them apart from the
 * task's own output, which it passes on as it comes.
 *
 * Each fragment also ends with a newline. Deno writes to stdout through
 * Rust's line-buffered `Stdout`, which sends a buffer with a newline inside
 * as two `write()` calls: up to its last newline, then the rest. A fragment
 * whose payload holds a 0x0A byte would then be cut in two, and another
 * writer's bytes, or the child's death, could come between the halves; a
 * buffer that ends with a newline goes out in one call.
 *
 * @module
 */

import { Decoder, Encoder } from "./_codec.ts";
import type {
  HelloMessage,
  ReplyMessage,
  ResultsMessage,
  TasksMessage,
} from "./_messages.ts";

/** A message from the pool to a child. */
export type ParentMessage = HelloMessage | TasksMessage;

const HELLO = 1;
const TASKS = 2;
const READY = 3;
const RESULTS = 4;
const EXIT = 5;

/** Bytes of a fragment's marker. */
export const MARKER_BYTES = 8;
/** Marker, payload length (2 bytes), last-fragment flag (1 byte). */
const HEADER_BYTES = MARKER_BYTES + 3;
/** The newline that ends every fragment (see the module documentation). */
const TRAILER = 0x0a;
/** The most bytes Linux (and POSIX) writes to a pipe without interleaving. */
const PIPE_BUF = 4096;
const PAYLOAD_BYTES = PIPE_BUF - HEADER_BYTES - 1;

/** A fresh random marker for one child. */
export function newMarker(): Uint8Array {
  const marker = crypto.getRandomValues(new Uint8Array(MARKER_BYTES));
  marker[0] = 0xff;
  return marker;
}

/**
 * Appends `message` to `encoder` as a frame: its length (4 bytes), then its
 * bytes. Throws a `TypeError` naming what could not be cloned, leaving the
 * encoder as it was.
 */
export function writeFrame(encoder: Encoder, message: ParentMessage): void {
  const start = encoder.length;
  const length = encoder.reserveUint32();
  try {
    writeMessage(encoder, message);
  } catch (error) {
    encoder.truncate(start);
    throw error;
  }
  encoder.patchUint32(length, encoder.length - length - 4);
}

/** Appends `message`'s bytes to `encoder`. */
export function writeMessage(
  encoder: Encoder,
  message: ParentMessage | ReplyMessage,
): void {
  switch (message.kind) {
    case "hello":
      encoder.uint8(HELLO);
      encoder.uint32(message.concurrency);
      encoder.uint8(message.answerEach ? 1 : 0);
      encoder.value(message.marker);
      return;
    case "tasks": {
      const { task, inputs, batch } = message;
      encoder.uint8(TASKS);
      encoder.uint32(message.first);
      encoder.uint32(inputs.length);
      writeColumn(encoder, task, (name) => encoder.string(name));
      writeColumn(encoder, batch, (flag) => encoder.uint8(flag ? 1 : 0));
      for (let i = 0; i < inputs.length; i++) {
        if (typeof batch === "boolean" ? batch : batch[i]) {
          encoder.container(inputs[i] as unknown[]);
        } else encoder.value(inputs[i]);
      }
      return;
    }
    case "ready":
      encoder.uint8(READY);
      encoder.value(message.tasks);
      return;
    case "results":
      encoder.uint8(RESULTS);
      writeResults(encoder, message);
      return;
    case "exit":
      encoder.uint8(EXIT);
      encoder.float64(message.started ?? -1);
      return;
  }
}

/** A column: one value for every row (flag 1), or one per row (flag 0). */
function writeColumn<T>(
  encoder: Encoder,
  column: T | T[],
  write: (value: T) => void,
): void {
  if (Array.isArray(column)) {
    encoder.uint8(0);
    for (const value of column) write(value);
  } else {
    encoder.uint8(1);
    write(column);
  }
}

function readColumn<T>(
  decoder: Decoder,
  count: number,
  read: () => T,
): T | T[] {
  if (decoder.uint8() === 1) return read();
  return Array.from({ length: count }, read);
}

/** Indices as a count, then each. */
function writeIndices(encoder: Encoder, indices: number[] = []): void {
  encoder.uint32(indices.length);
  for (const index of indices) encoder.uint32(index);
}

function readIndices(decoder: Decoder): number[] | undefined {
  const count = decoder.uint32();
  if (count === 0) return undefined;
  return Array.from({ length: count }, () => decoder.uint32());
}

function writeResults(encoder: Encoder, message: ResultsMessage): void {
  const { values, ids, batches = [] } = message;
  encoder.float64(message.spentMs);
  encoder.uint32(message.first);
  encoder.uint32(values.length);
  writeIndices(encoder, ids);
  writeIndices(encoder, message.failed);
  writeIndices(encoder, batches);
  let nextBatch = 0;
  for (let i = 0; i < values.length; i++) {
    if (batches[nextBatch] === i) {
      nextBatch++;
      encoder.container(values[i] as unknown[]);
    } else encoder.value(values[i]);
  }
}

function readResults(decoder: Decoder): ResultsMessage {
  const spentMs = decoder.float64();
  const first = decoder.uint32();
  const count = decoder.uint32();
  const message: ResultsMessage = {
    kind: "results",
    first,
    values: [],
    spentMs,
  };
  const ids = readIndices(decoder);
  const failed = readIndices(decoder);
  const batches = readIndices(decoder);
  if (ids !== undefined) message.ids = ids;
  if (failed !== undefined) message.failed = failed;
  if (batches !== undefined) message.batches = batches;
  message.values = Array.from({ length: count }, () => decoder.value());
  return message;
}

/** Reads one message written by {@linkcode writeMessage}. */
export function readMessage(bytes: Uint8Array): ParentMessage | ReplyMessage {
  const decoder = new Decoder(bytes);
  const kind = decoder.uint8();
  switch (kind) {
    case HELLO:
      return {
        kind: "hello",
        concurrency: decoder.uint32(),
        answerEach: decoder.uint8() === 1,
        marker: decoder.value() as Uint8Array,
      };
    case TASKS: {
      const first = decoder.uint32();
      const count = decoder.uint32();
      const task = readColumn(decoder, count, () => decoder.string());
      const batch = readColumn(decoder, count, () => decoder.uint8() === 1);
      const inputs = Array.from({ length: count }, () => decoder.value());
      return { kind: "tasks", first, task, inputs, batch };
    }
    case READY:
      return { kind: "ready", tasks: decoder.value() as string[] };
    case RESULTS:
      return readResults(decoder);
    case EXIT: {
      const started = decoder.float64();
      return { kind: "exit", started: started < 0 ? undefined : started };
    }
    default:
      throw new TypeError(`Cannot read a pool message: unknown kind ${kind}`);
  }
}

/**
 * A growing byte buffer that received bytes are appended to and complete
 * frames taken from the front of, reused from read to read.
 */
class ReadBuffer {
  bytes = new Uint8Array(65536);
  length = 0;

  /** The free tail, to read into; `grow` more bytes when it is full. */
  tail(): Uint8Array {
    if (this.length === this.bytes.length) {
      const bytes = new Uint8Array(this.bytes.length * 2);
      bytes.set(this.bytes);
      this.bytes = bytes;
    }
    return this.bytes.subarray(this.length);
  }

  /** Drops the first `count` bytes. */
  consume(count: number): void {
    this.bytes.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

/**
 * Reads frames written by {@linkcode writeFrame} from `read` until it
 * returns `null`, calling `onMessage` with each.
 */
export async function readFrames(
  read: (into: Uint8Array) => Promise<number | null>,
  onMessage: (message: ParentMessage) => void,
): Promise<void> {
  const buffer = new ReadBuffer();
  for (;;) {
    const count = await read(buffer.tail());
    if (count === null) return;
    buffer.length += count;
    let at = 0;
    while (buffer.length - at >= 4) {
      const data = new DataView(buffer.bytes.buffer, at);
      const length = data.getUint32(0, true);
      if (buffer.length - at - 4 < length) break;
      onMessage(
        readMessage(
          buffer.bytes.subarray(at + 4, at + 4 + length),
        ) as ParentMessage,
      );
      at += 4 + length;
    }
    buffer.consume(at);
  }
}

/**
 * Writes reply messages to a descriptor in marked fragments, each in one
 * synchronous write, so an answer is in the pipe before the next task starts
 * and survives the child being killed.
 */
export class FragmentWriter {
  #encoder = new Encoder();
  #fragment = new Uint8Array(PIPE_BUF);
  #write: (bytes: Uint8Array) => number;

  /**
   * @param marker The child's marker, from the pool's hello.
   * @param write Writes some bytes at once and says how many (one
   *   `write()`, as `Deno.stdout.writeSync` does).
   */
  constructor(marker: Uint8Array, write: (bytes: Uint8Array) => number) {
    this.#fragment.set(marker);
    this.#write = write;
  }

  /**
   * Sends `message`. Throws a `TypeError`, having written nothing, when a
   * value in it cannot be cloned.
   */
  send(message: ReplyMessage): void {
    const encoder = this.#encoder;
    encoder.reset();
    writeMessage(encoder, message);
    const bytes = encoder.bytes();
    const fragment = this.#fragment;
    const header = new DataView(fragment.buffer);
    let at = 0;
    do {
      const size = Math.min(PAYLOAD_BYTES, bytes.length - at);
      header.setUint16(MARKER_BYTES, size, true);
      fragment[MARKER_BYTES + 2] = at + size === bytes.length ? 1 : 0;
      fragment.set(bytes.subarray(at, at + size), HEADER_BYTES);
      fragment[HEADER_BYTES + size] = TRAILER;
      const whole = fragment.subarray(0, HEADER_BYTES + size + 1);
      let written = 0;
      while (written < whole.length) {
        written += this.#write(whole.subarray(written));
      }
      at += size;
    } while (at < bytes.length);
  }
}

/**
 * Reads a child's stdout: reply messages, reassembled from fragments marked
 * with `marker`, go to `onMessage`; every other byte, the task's own output,
 * goes to `onOutput` as soon as it is known not to start a fragment.
 */
export async function readFragments(
  stdout: ReadableStream<Uint8Array>,
  marker: Uint8Array,
  onMessage: (message: ReplyMessage) => void,
  onOutput: (bytes: Uint8Array) => void,
): Promise<void> {
  const reader = stdout.getReader({ mode: "byob" });
  const buffer = new ReadBuffer();
  const message = new Encoder();
  try {
    for (;;) {
      // A byob read takes the buffer over and hands back the same memory.
      const { value, done } = await reader.read(buffer.tail());
      if (value !== undefined) {
        buffer.bytes = new Uint8Array(value.buffer as ArrayBuffer);
        buffer.length += value.length;
      }
      const at = scanFragments(buffer, marker, message, onMessage, onOutput);
      if (done) {
        // What is left starts like a fragment. A whole marker means a reply
        // cut short, which is no output of the task's; a part of one may be.
        if (at < buffer.length && buffer.length - at < MARKER_BYTES) {
          onOutput(buffer.bytes.slice(at, buffer.length));
        }
        return;
      }
      buffer.consume(at);
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Takes complete fragments and output from the front of `buffer`; returns
 * how many bytes it took (the rest may be the start of a fragment).
 */
function scanFragments(
  buffer: ReadBuffer,
  marker: Uint8Array,
  message: Encoder,
  onMessage: (message: ReplyMessage) => void,
  onOutput: (bytes: Uint8Array) => void,
): number {
  const end = buffer.length;
  const bytes = buffer.bytes.subarray(0, end);
  let at = 0;
  while (at < end) {
    let start = bytes.indexOf(marker[0], at);
    if (start === -1) start = end;
    if (start > at) onOutput(bytes.slice(at, start));
    at = start;
    if (at === end) break;
    const available = Math.min(end - at, MARKER_BYTES);
    let matches = true;
    for (let i = 1; i < available; i++) {
      if (bytes[at + i] !== marker[i]) {
        matches = false;
        break;
      }
    }
    if (!matches) {
      onOutput(bytes.slice(at, at + 1));
      at++;
      continue;
    }
    if (end - at < HEADER_BYTES) break;
    const size = bytes[at + MARKER_BYTES] | (bytes[at + MARKER_BYTES + 1] << 8);
    if (end - at < HEADER_BYTES + size + 1) break;
    message.append(bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + size));
    const last = bytes[at + MARKER_BYTES + 2] === 1;
    at += HEADER_BYTES + size + 1;
    if (last) {
      const whole = message.bytes();
      message.reset();
      onMessage(readMessage(whole) as ReplyMessage);
    }
  }
  return at;
}
