import assert from "node:assert/strict";
import {
  commandLineFromPs,
  connectionFileOf,
  iopubAddress,
  IopubSubscriber,
  ownCommandLine,
} from "./_iopub.ts";

const encoder = new TextEncoder();

/** One ZMTP frame, short or long, as Deno's kernel writes it. */
function frame(body: Uint8Array, flags = 0): Uint8Array {
  const long = body.length > 255;
  const bytes = new Uint8Array((long ? 9 : 2) + body.length);
  bytes[0] = flags | (long ? 0x02 : 0);
  if (long) new DataView(bytes.buffer).setUint32(5, body.length);
  else bytes[1] = body.length;
  bytes.set(body, long ? 9 : 2);
  return bytes;
}

async function readExactly(conn: Deno.Conn, count: number): Promise<void> {
  const buffer = new Uint8Array(count);
  let read = 0;
  while (read < count) {
    const n = await conn.read(buffer.subarray(read));
    if (n === null) throw new Error("closed");
    read += n;
  }
}

/** Reads one short frame (all the client sends is short). */
async function readFrame(conn: Deno.Conn): Promise<void> {
  const head = new Uint8Array(2);
  let got = 0;
  while (got < 2) {
    const n = await conn.read(head.subarray(got));
    if (n === null) throw new Error("closed");
    got += n;
  }
  await readExactly(conn, head[1]);
}

/**
 * The kernel's side of IOPub, as Deno's kernel speaks it: greeting, READY,
 * the subscription, then whatever `publish` is given, as Jupyter messages.
 */
function fakeKernel() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const subscribed = Promise.withResolvers<Deno.Conn>();
  const served = (async () => {
    const conn = await listener.accept();
    const greeting = new Uint8Array(64);
    greeting[0] = 0xff;
    greeting[9] = 0x7f;
    greeting[10] = 3;
    greeting.set(encoder.encode("NULL"), 12);
    await conn.write(greeting);
    await readExactly(conn, 64);
    await readFrame(conn); // the client's READY
    const ready = encoder.encode("\x05READY\x0bSocket-Type\0\0\0\x03PUB");
    await conn.write(frame(ready, 0x04));
    await readFrame(conn); // the subscription
    subscribed.resolve(conn);
  })();
  return {
    address: { hostname: "127.0.0.1", port },
    async publish(msgType: string, content: unknown) {
      const conn = await subscribed.promise;
      const parts = [
        "<IDS|MSG>",
        "",
        JSON.stringify({ msg_type: msgType, msg_id: crypto.randomUUID() }),
        "{}",
        "{}",
        JSON.stringify(content),
      ].map((part) => encoder.encode(part));
      const frames = parts.map((part, i) =>
        frame(part, i < parts.length - 1 ? 0x01 : 0)
      );
      for (const bytes of frames) await conn.write(bytes);
    },
    async close() {
      await served;
      (await subscribed.promise).close();
      listener.close();
    },
  };
}

Deno.test("IopubSubscriber.waitFor() sees the message it waits for, long or short, and only that one", async () => {
  const kernel = fakeKernel();
  const subscriber = await IopubSubscriber.connect(kernel.address);
  try {
    const long = "x".repeat(1000);
    const seen = subscriber.waitFor(
      (message) =>
        message.header.msg_type === "comm_msg" &&
        message.content.text === long,
      5000,
    );
    await kernel.publish("stream", { text: "not this one" });
    await kernel.publish("comm_msg", { text: long });
    assert.equal(await seen, true);
  } finally {
    subscriber.close();
    await kernel.close();
  }
});

Deno.test("IopubSubscriber.waitFor() gives false after its timeout, and at once when closed", async () => {
  const kernel = fakeKernel();
  const subscriber = await IopubSubscriber.connect(kernel.address);
  try {
    await kernel.publish("stream", { text: "unrelated" });
    assert.equal(await subscriber.waitFor(() => false, 50), false);
    const pending = subscriber.waitFor(() => false, 60_000);
    subscriber.close();
    assert.equal(await pending, false);
    assert.equal(subscriber.closed, true);
    assert.equal(await subscriber.waitFor(() => true, 60_000), false);
  } finally {
    subscriber.close();
    await kernel.close();
  }
});

Deno.test("IopubSubscriber.connect() rejects when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  await assert.rejects(
    IopubSubscriber.connect({ hostname: "127.0.0.1", port }),
  );
});

Deno.test("connectionFileOf() reads --conn and --conn=", () => {
  assert.equal(connectionFileOf(["deno", "--conn", "/a.json"]), "/a.json");
  assert.equal(connectionFileOf(["deno", "--conn=/b.json"]), "/b.json");
  assert.equal(connectionFileOf(["deno", "run"]), undefined);
});

Deno.test("iopubAddress() is undefined without a readable connection file", async () => {
  assert.equal(iopubAddress(["deno", "run", "x.ts"]), undefined);
  assert.equal(
    iopubAddress(["deno", "--conn", "/no/such/file.json"]),
    undefined,
  );
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, JSON.stringify({ ip: "127.0.0.1" }));
    assert.equal(iopubAddress(["deno", "--conn", file]), undefined);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("ownCommandLine() and commandLineFromPs() give this process's command line", () => {
  const args = ownCommandLine();
  assert.match(args[0], /deno$/);
  assert.ok(args.includes("test"), JSON.stringify(args));
  // This test's command line has no argument with a space in it.
  assert.deepEqual(commandLineFromPs(Deno.pid), args);
});
