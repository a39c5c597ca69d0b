import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Decoder, Encoder } from "./_codec.ts";

function roundTrip(value: unknown): unknown {
  const encoder = new Encoder();
  encoder.value(value);
  return new Decoder(encoder.bytes().slice()).value();
}

Deno.test("Encoder and Decoder give what structuredClone gives", async (t) => {
  const buffer = new ArrayBuffer(12);
  const values: [string, unknown][] = [
    ["int32s", [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]],
    ["doubles and -0", [0.5, -0, 2 ** 31, NaN, -Infinity]],
    ["numbers then a bigint", [1, 2, 3n]],
    ["numbers then a hole", [1, 2, , 4]],
    ["mixed", [1, "two", { three: [3] }, null, undefined, true]],
    ["an object with __proto__ as an own key", JSON.parse('{"__proto__": 1}')],
    ["a long string beyond ASCII", "ü".repeat(1000)],
    ["a short string beyond ASCII", "añb"],
    ["an empty string", ""],
    ["views and their buffer", { buffer, view: new Uint16Array(buffer, 2, 3) }],
    ["a Node Buffer, as a Uint8Array", Buffer.from([1, 2])],
    ["an error without a message", new RangeError()],
    ["negative bigint", -255n],
  ];
  for (const [name, value] of values) {
    await t.step(name, () => {
      assert.deepStrictEqual(roundTrip(value), structuredClone(value));
    });
  }
});

Deno.test("Encoder.value() throws a TypeError naming what cannot be cloned and leaves the encoder as it was", () => {
  const encoder = new Encoder();
  encoder.value("kept");
  const before = encoder.bytes().slice();
  const cases: [unknown, RegExp][] = [
    [[1, () => 2], /^function \(anonymous\) could not be cloned$/],
    [{ nested: { f: Symbol("x") } }, /^Symbol\(x\) could not be cloned$/],
    [new Proxy({}, {}), /^#<Object> could not be cloned$/],
    [
      new Int32Array(new SharedArrayBuffer(4)),
      /^#<SharedArrayBuffer> could not be cloned: a child process cannot share memory$/,
    ],
    [new Request("http://127.0.0.1/"), /^#<Request> could not be cloned$/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => encoder.value(value), (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, message);
      return true;
    });
    assert.deepEqual(encoder.bytes(), before);
  }
  const detached = new ArrayBuffer(8);
  detached.transfer();
  assert.throws(() => encoder.value(detached), {
    name: "TypeError",
    message: "#<ArrayBuffer> could not be cloned: it is detached",
  });
});

Deno.test("Encoder.container() writes a pool's own array as value() would", () => {
  const encoder = new Encoder();
  const inputs = [1, { a: 2 }, [3]];
  encoder.container(inputs);
  encoder.value(inputs);
  const decoder = new Decoder(encoder.bytes().slice());
  assert.deepStrictEqual(decoder.value(), inputs);
  assert.deepStrictEqual(decoder.value(), inputs);
  assert.equal(decoder.done, true);
});

Deno.test("Encoder packs an array of numbers into 4 or 8 bytes each", () => {
  const size = (value: unknown) => {
    const encoder = new Encoder();
    encoder.value(value);
    return encoder.length;
  };
  const base = size([]);
  assert.equal(size(new Array(1000).fill(7)) - base, 4000);
  assert.equal(size(new Array(1000).fill(0.5)) - base, 8000);
});
