import assert from "node:assert/strict";
import { Encoder } from "./_codec.ts";
import {
  FragmentWriter,
  MARKER_BYTES,
  newMarker,
  type ParentMessage,
  readFragments,
  readFrames,
  writeFrame,
} from "./_child_wire.ts";
import { packResults, packTasks, type ReplyMessage } from "./_messages.ts";

/** A stream that hands out `chunks` one read at a time. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest!;
      const view = request.view as Uint8Array;
      view.set(chunk);
      request.respond(chunk.length);
    },
  });
}

/** Cuts `bytes` into reads of `size` bytes. */
function cut(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    chunks.push(bytes.slice(at, at + size));
  }
  return chunks;
}

const text = new TextEncoder();

/** What a child's stdout holds: replies written among a task's own output. */
function childStdout(marker: Uint8Array): Uint8Array {
  const written: Uint8Array[] = [];
  const writer = new FragmentWriter(marker, (bytes) => {
    written.push(bytes.slice());
    return bytes.length;
  });
  written.push(text.encode("printed before\n"));
  writer.send({ kind: "ready", tasks: ["echo"] });
  // Output without a newline, and a byte that starts every marker.
  written.push(text.encode("no newline"), new Uint8Array([0xff, 0x01]));
  writer.send({
    kind: "results",
    first: 1,
    values: ["x".repeat(10_000)],
    spentMs: 1.5,
  });
  written.push(text.encode(" after"));
  writer.send({ kind: "exit", started: 2 });
  const all = new Uint8Array(written.reduce((sum, b) => sum + b.length, 0));
  let at = 0;
  for (const bytes of written) {
    all.set(bytes, at);
    at += bytes.length;
  }
  return all;
}

Deno.test("readFragments() separates replies from a task's own output however the reads fall", async (t) => {
  const marker = newMarker();
  const stdout = childStdout(marker);
  for (const size of [1, 7, MARKER_BYTES + 2, 4096, stdout.length]) {
    await t.step(`reads of ${size} bytes`, async () => {
      const replies: ReplyMessage[] = [];
      const output: number[] = [];
      await readFragments(
        streamOf(cut(stdout, size)),
        marker,
        (reply) => replies.push(reply),
        (bytes) => output.push(...bytes),
      );
      assert.deepEqual(replies, [
        { kind: "ready", tasks: ["echo"] },
        {
          kind: "results",
          first: 1,
          values: ["x".repeat(10_000)],
          spentMs: 1.5,
        },
        { kind: "exit", started: 2 },
      ]);
      assert.deepEqual(
        new Uint8Array(output),
        new Uint8Array([
          ...text.encode("printed before\nno newline"),
          0xff,
          0x01,
          ...text.encode(" after"),
        ]),
      );
    });
  }
});

Deno.test("FragmentWriter writes each fragment in one write of at most 4096 bytes", () => {
  const writes: number[] = [];
  const writer = new FragmentWriter(newMarker(), (bytes) => {
    writes.push(bytes.length);
    return bytes.length;
  });
  writer.send({
    kind: "results",
    first: 0,
    values: [new Uint8Array(10_000)],
    spentMs: 0,
  });
  assert.equal(writes.length, 3);
  assert.ok(writes.every((length) => length <= 4096), String(writes));
});

Deno.test("readFrames() reads length-prefixed messages, columns and all, however the reads fall", async () => {
  const frames = new Encoder();
  const sent: (ParentMessage | ReplyMessage)[] = [
    { kind: "hello", concurrency: 2, answerEach: true, marker: newMarker() },
    packTasks(0, [
      { task: "echo", input: new Map([[1, 2]]), batch: false },
      { task: "echo", input: [1, 2.5], batch: true },
    ]),
    packTasks(2, [
      { task: "a", input: 1, batch: false },
      { task: "b", input: [2], batch: true },
    ]),
    packResults([
      { id: 4, ok: true, value: [1], batch: true },
      { id: 9, ok: false, error: { name: "Error", message: "no" } },
    ], 2),
  ];
  for (const message of sent) writeFrame(frames, message as ParentMessage);
  const chunks = cut(frames.bytes().slice(), 5);
  const received: unknown[] = [];
  await readFrames(
    (into) => {
      const chunk = chunks.shift();
      if (chunk === undefined) return Promise.resolve(null);
      into.set(chunk);
      return Promise.resolve(chunk.length);
    },
    (message) => received.push(message),
  );
  assert.deepEqual(received, sent);
});

Deno.test("writeFrame() leaves the frames written so far when a value cannot be cloned", () => {
  const frames = new Encoder();
  writeFrame(frames, packTasks(0, [{ task: "a", input: 1, batch: false }]));
  const before = frames.bytes().slice();
  assert.throws(
    () =>
      writeFrame(
        frames,
        packTasks(0, [{ task: "echo", input: Symbol("no"), batch: false }]),
      ),
    { name: "TypeError", message: "Symbol(no) could not be cloned" },
  );
  assert.deepEqual(frames.bytes(), before);
});
