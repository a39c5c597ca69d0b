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

Deno.test("readFragments() drops a reply cut short at the end, but passes on a lone 0xFF", async () => {
  const marker = newMarker();
  const whole = childStdout(marker);
  // The stream ends inside the last fragment (the exit reply).
  const cutShort = whole.slice(0, whole.length - 3);
  const output: number[] = [];
  const replies: ReplyMessage[] = [];
  await readFragments(
    streamOf([cutShort]),
    marker,
    (reply) => replies.push(reply),
    (bytes) => output.push(...bytes),
  );
  assert.deepEqual(replies.map((reply) => reply.kind), ["ready", "results"]);
  assert.deepEqual(
    new TextDecoder().decode(new Uint8Array(output).slice(-6)),
    " after",
  );
  const lone: number[] = [];
  await readFragments(
    streamOf([text.encode("end"), new Uint8Array([0xff])]),
    marker,
    () => {},
    (bytes) => lone.push(...bytes),
  );
  assert.deepEqual(lone, [...text.encode("end"), 0xff]);
});

Deno.test("FragmentWriter writes each fragment in one write of at most 4096 bytes, ending with a newline", () => {
  const writes: Uint8Array[] = [];
  const writer = new FragmentWriter(newMarker(), (bytes) => {
    writes.push(bytes.slice());
    return bytes.length;
  });
  writer.send({
    kind: "results",
    first: 0,
    // Newlines inside the payload: Deno's stdout would split such a write.
    values: [new Uint8Array(10_000).fill(0x0a)],
    spentMs: 0,
  });
  assert.equal(writes.length, 3);
  for (const bytes of writes) {
    assert.ok(bytes.length <= 4096, String(bytes.length));
    assert.equal(bytes.at(-1), 0x0a);
  }
});

Deno.test("FragmentWriter on Deno.stdout keeps replies whole while another process floods the same pipe", async () => {
  // A child sends replies full of newlines while a subprocess of its own,
  // which inherits its stdout, writes lines to it as fast as it can. Were a
  // fragment written in two calls, a line could land between its halves.
  // (Threads of one process cannot: Deno locks its stdout for each write.)
  const dir = await Deno.makeTempDir();
  try {
    const child = `${dir}/child.ts`;
    await Deno.writeTextFile(
      child,
      `import { FragmentWriter } from ${
        JSON.stringify(new URL("./_child_wire.ts", import.meta.url).href)
      };
const marker = Uint8Array.from(JSON.parse(Deno.args[0]));
const flood = new Deno.Command(Deno.execPath(), {
  args: ["eval", 'const line = new TextEncoder().encode("flood\\\\n".repeat(40)); for (let i = 0; i < 5000; i++) Deno.stdout.writeSync(line);'],
  stdout: "inherit",
}).spawn();
let flooding = true;
flood.status.then(() => flooding = false);
const writer = new FragmentWriter(marker, (bytes) => Deno.stdout.writeSync(bytes));
for (let first = 0; flooding; first++) {
  writer.send({ kind: "results", first, values: [("\\n" + "x".repeat(999)).repeat(5)], spentMs: 0 });
  if (first % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
}
`,
    );
    const marker = newMarker();
    const process = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, JSON.stringify([...marker])],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const replies: ReplyMessage[] = [];
    let output = "";
    const decoder = new TextDecoder();
    await readFragments(
      process.stdout,
      marker,
      (reply) => replies.push(reply),
      (bytes) => output += decoder.decode(bytes, { stream: true }),
    );
    assert.equal((await process.status).code, 0);
    assert.ok(replies.length > 0);
    replies.forEach((reply, index) => {
      assert.ok(reply.kind === "results");
      assert.equal(reply.first, index);
      assert.equal(reply.values[0], ("\n" + "x".repeat(999)).repeat(5));
    });
    assert.equal(output, "flood\n".repeat(40 * 5000));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
