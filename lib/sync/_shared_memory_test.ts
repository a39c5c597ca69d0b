import assert from "node:assert/strict";
import { Barrier } from "./barrier.ts";
import { Mutex } from "./mutex.ts";
import { Semaphore } from "./semaphore.ts";
import { SharedCounter } from "./shared_counter.ts";

Deno.test("wrapping the same memory twice shares state", () => {
  const buffer = new SharedArrayBuffer(32);
  const counter = SharedCounter.create({ buffer, byteOffset: 4 });
  counter.incrementAtomic();
  assert.equal(new SharedCounter(buffer, 4).value, 1);
  const semaphore = Semaphore.create(5, { buffer, byteOffset: 8 });
  assert.equal(new Semaphore(buffer, 8).permits, semaphore.permits);
  Barrier.create(4, { buffer, byteOffset: 16 });
  assert.equal(new Barrier(buffer, 16).parties, 4);
  assert.equal(SharedCounter.byteLength, 4);
  assert.equal(Mutex.byteLength, 4);
  assert.equal(Semaphore.byteLength, 8);
  assert.equal(Barrier.byteLength, 12);
});

Deno.test("bad arguments throw errors naming the value", () => {
  const sab = new SharedArrayBuffer(8);
  const cases: [string, () => unknown, ErrorConstructor, string][] = [
    [
      "permits 0",
      () => Semaphore.create(0),
      RangeError,
      "Cannot create semaphore: 'permits' must be a positive 32-bit integer, received 0",
    ],
    [
      "permits -1",
      () => Semaphore.create(-1),
      RangeError,
      "Cannot create semaphore: 'permits' must be a positive 32-bit integer, received -1",
    ],
    [
      "permits 1.5",
      () => Semaphore.create(1.5),
      RangeError,
      "Cannot create semaphore: 'permits' must be a positive 32-bit integer, received 1.5",
    ],
    [
      "permits NaN",
      () => Semaphore.create(NaN),
      RangeError,
      "Cannot create semaphore: 'permits' must be a positive 32-bit integer, received NaN",
    ],
    [
      "permits string",
      () => Semaphore.create("2" as unknown as number),
      TypeError,
      `Cannot create semaphore: 'permits' must be a number, received "2"`,
    ],
    [
      "parties 0",
      () => Barrier.create(0),
      RangeError,
      "Cannot create barrier: 'parties' must be a positive 32-bit integer, received 0",
    ],
    [
      "parties too many",
      () => Barrier.create(70_000),
      RangeError,
      "Cannot create barrier: 'parties' must be at most 65535, received 70000",
    ],
    [
      "ArrayBuffer",
      () => new Mutex(new ArrayBuffer(4) as unknown as SharedArrayBuffer),
      TypeError,
      "Cannot create mutex: 'buffer' must be a SharedArrayBuffer, received ArrayBuffer",
    ],
    [
      "undefined buffer",
      () => new SharedCounter(undefined as unknown as SharedArrayBuffer),
      TypeError,
      "Cannot create counter: 'buffer' must be a SharedArrayBuffer, received undefined",
    ],
    [
      "Int32Array buffer",
      () => new Mutex(new Int32Array(sab) as unknown as SharedArrayBuffer),
      TypeError,
      "Cannot create mutex: 'buffer' must be a SharedArrayBuffer, received Int32Array",
    ],
    [
      "offset 2",
      () => new Mutex(sab, 2),
      RangeError,
      "Cannot create mutex: 'byteOffset' must be a non-negative multiple of 4, received 2",
    ],
    [
      "offset NaN",
      () => new SharedCounter(sab, NaN),
      RangeError,
      "Cannot create counter: 'byteOffset' must be a non-negative multiple of 4, received NaN",
    ],
    [
      "offset -4",
      () => new Mutex(sab, -4),
      RangeError,
      "Cannot create mutex: 'byteOffset' must leave 4 bytes in a buffer of 8 bytes, received -4",
    ],
    [
      "offset 8",
      () => new Mutex(sab, 8),
      RangeError,
      "Cannot create mutex: 'byteOffset' must leave 4 bytes in a buffer of 8 bytes, received 8",
    ],
    [
      "semaphore too big for buffer",
      () => Semaphore.create(1, { buffer: sab, byteOffset: 4 }),
      RangeError,
      "Cannot create semaphore: 'byteOffset' must leave 8 bytes in a buffer of 8 bytes, received 4",
    ],
    [
      "uninitialised semaphore",
      () => new Semaphore(new SharedArrayBuffer(8)),
      RangeError,
      "Cannot create semaphore: the memory at byte 0 must hold a semaphore made by Semaphore.create(), received permits 0",
    ],
    [
      "uninitialised barrier",
      () => new Barrier(new SharedArrayBuffer(12)),
      RangeError,
      "Cannot create barrier: the memory at byte 0 must hold a barrier made by Barrier.create(), received parties 0",
    ],
    [
      "timeout -1",
      () => Mutex.create().acquire({ timeoutMs: -1 }),
      RangeError,
      "Cannot acquire mutex: 'timeoutMs' must be a non-negative number of milliseconds, received -1",
    ],
    [
      "timeout NaN",
      () => Barrier.create(2).wait({ timeoutMs: NaN }),
      RangeError,
      "Cannot wait at barrier: 'timeoutMs' must be a non-negative number of milliseconds, received NaN",
    ],
  ];
  for (const [label, act, errorClass, message] of cases) {
    assert.throws(act, (error: unknown) => {
      assert.ok(error instanceof errorClass, `${label}: wrong class ${error}`);
      assert.equal(error.message, message, label);
      return true;
    });
  }
});
