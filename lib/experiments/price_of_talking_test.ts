import assert from "node:assert/strict";
import {
  checkMessageParameters,
  compareModes,
  ECHO_WORKER,
  measureMessageCost,
  MESSAGE_MODES,
  payloadSizes,
  PIPE_ECHO_SOURCE,
} from "./price_of_talking.ts";

Deno.test("checkMessageParameters() names the bad value", () => {
  checkMessageParameters({ minBytes: 1, maxBytes: 1, repeats: 1 });
  assert.throws(
    () => checkMessageParameters({ minBytes: 0, maxBytes: 10, repeats: 1 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'minBytes' must be a positive integer, received 0",
    },
  );
  assert.throws(
    () => checkMessageParameters({ minBytes: 100, maxBytes: 10, repeats: 1 }),
    {
      message:
        "Invalid parameter: 'maxBytes' must be at least 'minBytes' (100), received 10",
    },
  );
  assert.throws(
    () =>
      checkMessageParameters({ minBytes: 1, maxBytes: 2 ** 29, repeats: 1 }),
    /'maxBytes' must be at most/,
  );
  assert.throws(
    () => checkMessageParameters({ minBytes: 1, maxBytes: 2, repeats: 2.5 }),
    {
      message:
        "Invalid parameter: 'repeats' must be a positive integer, received 2.5",
    },
  );
});

Deno.test("payloadSizes() steps by the factor and ends at the maximum", () => {
  assert.deepEqual(payloadSizes(1024, 16 * 1024 * 1024).length, 8);
  assert.deepEqual(payloadSizes(5, 5), [5]);
  assert.deepEqual(payloadSizes(10, 35, 3), [10, 30, 35]);
  assert.throws(() => payloadSizes(10, 5), RangeError);
  assert.throws(() => payloadSizes(1, 5, 1), RangeError);
});

Deno.test("measureMessageCost() measures every mode at every size", async () => {
  let steps = 0;
  const sizes = [1024, 300_000];
  const rows = await measureMessageCost({
    sizes,
    repeats: 2,
    onStep: () => steps++,
  });
  assert.equal(rows.length, MESSAGE_MODES.length * sizes.length);
  assert.equal(steps, rows.length);
  assert.deepEqual(
    rows.map((row) => `${row.mode}:${row.bytes}`),
    MESSAGE_MODES.flatMap((mode) => sizes.map((size) => `${mode}:${size}`)),
  );
  for (const row of rows) {
    assert.equal(row.samplesMs.length, 2);
    assert.equal(row.minMs, Math.min(...row.samplesMs));
    assert.ok(row.medianMs > 0 && row.minMs <= row.medianMs);
    assert.ok(
      Math.abs(row.mbPerSecond - row.bytes / 1e3 / row.medianMs) < 1e-6,
    );
  }
});

Deno.test("measureMessageCost() runs only the modes asked for", async () => {
  const rows = await measureMessageCost({
    sizes: [2048],
    repeats: 1,
    modes: ["pipe"],
  });
  assert.deepEqual(rows.map((row) => row.mode), ["pipe"]);
});

Deno.test("measureMessageCost() rejects bad options", async () => {
  await assert.rejects(() => measureMessageCost({ sizes: [] }), RangeError);
  await assert.rejects(() => measureMessageCost({ sizes: [0] }), RangeError);
  await assert.rejects(
    () => measureMessageCost({ sizes: [1], modes: ["smoke" as never] }),
    /'modes' must hold only/,
  );
});

Deno.test("compareModes() pairs sizes both modes measured", () => {
  const base = { samplesMs: [1], minMs: 1, mbPerSecond: 1 };
  const rows = [
    { ...base, mode: "clone" as const, bytes: 100, medianMs: 4 },
    { ...base, mode: "pipe" as const, bytes: 100, medianMs: 2 },
    { ...base, mode: "clone" as const, bytes: 10, medianMs: 1 },
    { ...base, mode: "pipe" as const, bytes: 10, medianMs: 3 },
    { ...base, mode: "pipe" as const, bytes: 1000, medianMs: 9 },
  ];
  assert.deepEqual(compareModes(rows, "pipe", "clone"), [
    { bytes: 10, firstMs: 3, secondMs: 1, ratio: 3 },
    { bytes: 100, firstMs: 2, secondMs: 4, ratio: 0.5 },
  ]);
  assert.deepEqual(compareModes(rows, "shared", "clone"), []);
});

/** Posts `message` to `worker` and resolves with its answer. */
function ask(
  worker: Worker,
  message: unknown,
  transfer: Transferable[] = [],
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage(message, transfer);
  });
}

Deno.test("ECHO_WORKER copies, moves or shares as it is asked", async (t) => {
  const worker = new Worker(ECHO_WORKER, { type: "module" });
  try {
    await t.step("a clone leaves the sender its own bytes", async () => {
      const sent = new Uint8Array([5, 6, 7]).buffer;
      const reply = await ask(worker, { buffer: sent }) as {
        buffer: ArrayBuffer;
      };
      assert.deepEqual([...new Uint8Array(sent)], [5, 6, 7]);
      assert.deepEqual([...new Uint8Array(reply.buffer)], [6, 6, 7]);
    });
    await t.step(
      "a transfer detaches the sender's buffer and moves it back",
      async () => {
        const sent = new Uint8Array([5, 6, 7]).buffer;
        const answer = ask(worker, { buffer: sent, move: true }, [sent]);
        assert.equal(sent.byteLength, 0);
        assert.equal(sent.detached, true);
        const reply = await answer as { buffer: ArrayBuffer; move: boolean };
        assert.deepEqual([...new Uint8Array(reply.buffer)], [6, 6, 7]);
        assert.equal(reply.move, true);
      },
    );
    await t.step(
      "shared memory shows the worker's write to the sender",
      async () => {
        const shared = new SharedArrayBuffer(3);
        new Uint8Array(shared).set([5, 6, 7]);
        assert.equal(await ask(worker, shared), 7);
        assert.deepEqual([...new Uint8Array(shared)], [6, 6, 7]);
      },
    );
  } finally {
    worker.terminate();
  }
});

Deno.test("PIPE_ECHO_SOURCE echoes more bytes than a pipe holds", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", PIPE_ECHO_SOURCE],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const payload = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  const writing = (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(payload);
    await writer.close();
  })();
  const [output] = await Promise.all([child.output(), writing]);
  assert.equal(output.code, 0);
  assert.deepEqual(output.stdout, payload);
});
