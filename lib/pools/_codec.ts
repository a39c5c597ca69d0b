/**
 * Structured clone to and from bytes, for the values a `ProcessPool` sends
 * to its children and back: what `postMessage` carries between workers, so
 * that both pools deliver the same values. Internal.
 *
 * Why not `node:v8`'s serializer: in Deno 2.9 its `serialize` copies each
 * typed array on its own (two views of one buffer arrive unshared, a
 * `DataView` arrives over the message's bytes at a shifted offset), turns a
 * `Blob`, `File`, `URL`, `Headers` or `Request` into `{}` without a word,
 * and costs several microseconds of op calls per message, where a pool
 * sends thousands of small messages a second.
 *
 * Carried: `undefined`, `null`, booleans, numbers (`NaN`, `-0`, `Infinity`
 * exact), bigints, strings (lone surrogates exact), plain objects and class
 * instances (as plain objects: own enumerable string keys), arrays (holes
 * and named properties kept), `Date`, `RegExp`, `Map`, `Set`, `ArrayBuffer`
 * (resizable ones too), every typed array and `DataView` (views of one
 * buffer still share it), boxed primitives, errors (the standard classes,
 * `message`, `stack`, `cause`) and `DOMException`; shared and cyclic
 * references keep their shape. Anything else (a function, a symbol, a
 * `SharedArrayBuffer`, a `WeakMap`, a `Promise`, a proxy, a platform object
 * such as a `Blob`) throws a `TypeError` naming it.
 *
 * @module
 */

import { isProxy } from "node:util/types";

const UNDEFINED = 0;
const NULL = 1;
const TRUE = 2;
const FALSE = 3;
const INT32 = 4;
const DOUBLE = 5;
const BIGINT = 6;
const STRING = 7;
const STRING16 = 8;
const REFERENCE = 9;
const OBJECT = 10;
const ARRAY = 11;
const HOLE = 12;
const INT32_ARRAY = 13;
const DOUBLE_ARRAY = 14;
const DATE = 15;
const REGEXP = 16;
const MAP = 17;
const SET = 18;
const ARRAY_BUFFER = 19;
const VIEW = 20;
const ERROR = 21;
const DOM_EXCEPTION = 22;
const NUMBER_OBJECT = 23;
const STRING_OBJECT = 24;
const BOOLEAN_OBJECT = 25;
const BIGINT_OBJECT = 26;

type ViewConstructor = {
  new (
    buffer: ArrayBuffer,
    byteOffset: number,
    length: number,
  ): ArrayBufferView;
};

/** Every kind of view, by the index written for it. */
const VIEWS: ViewConstructor[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
  ...("Float16Array" in globalThis
    ? [
      (globalThis as unknown as { Float16Array: ViewConstructor })
        .Float16Array,
    ]
    : []),
];

const VIEW_INDEX = new Map<unknown, number>(
  VIEWS.map((View, index) => [View.prototype, index]),
);

/** The error classes structured clone keeps, by the index written. */
const ERRORS: ErrorConstructor[] = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];

const ERROR_INDEX = new Map<unknown, number>(
  ERRORS.map((ErrorClass, index) => [ErrorClass.prototype.name, index]),
);

const toStringTag = Object.prototype.toString;
const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype);
const getTypedArrayBuffer = Object.getOwnPropertyDescriptor(
  typedArrayPrototype,
  "buffer",
)!.get!;

function cannotClone(value: unknown, why?: string): TypeError {
  let what: string;
  if (typeof value === "function") {
    what = `function ${value.name || "(anonymous)"}`.trimEnd();
  } else if (typeof value === "symbol") what = String(value);
  else what = toStringTag.call(value).replace(/^\[object (.*)\]$/, "#<$1>");
  return new TypeError(`${what} could not be cloned${why ? `: ${why}` : ""}`);
}

/**
 * Writes values into one growing buffer that is reused from message to
 * message: allocating a fresh `ArrayBuffer` per message costs more than
 * encoding a small one.
 */
export class Encoder {
  #bytes = new Uint8Array(4096);
  #data = new DataView(this.#bytes.buffer);
  #at = 0;
  #ids = new Map<object, number>();
  #text = new TextEncoder();

  /** How many bytes have been written since the last `reset()`. */
  get length(): number {
    return this.#at;
  }

  /** The bytes written so far; valid until the next write or reset. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#at);
  }

  /** Forgets everything written. */
  reset(): void {
    this.#at = 0;
  }

  /** Forgets what was written after the first `length` bytes. */
  truncate(length: number): void {
    this.#at = length;
  }

  /** Appends raw bytes. */
  append(bytes: Uint8Array): void {
    this.#room(bytes.length);
    this.#bytes.set(bytes, this.#at);
    this.#at += bytes.length;
  }

  /** Makes room for `count` more bytes. */
  #room(count: number): void {
    const needed = this.#at + count;
    if (needed <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.#bytes.subarray(0, this.#at));
    this.#bytes = bytes;
    this.#data = new DataView(bytes.buffer);
  }

  uint8(value: number): void {
    this.#room(1);
    this.#bytes[this.#at++] = value;
  }

  uint32(value: number): void {
    this.#room(4);
    this.#data.setUint32(this.#at, value, true);
    this.#at += 4;
  }

  /** Reserves 4 bytes for a length written later with `patchUint32()`. */
  reserveUint32(): number {
    this.#room(4);
    this.#at += 4;
    return this.#at - 4;
  }

  patchUint32(at: number, value: number): void {
    this.#data.setUint32(at, value, true);
  }

  float64(value: number): void {
    this.#room(8);
    this.#data.setFloat64(this.#at, value, true);
    this.#at += 8;
  }

  /** A string without a tag: its length, then UTF-8 (or UTF-16 units). */
  string(value: string): void {
    const length = value.length;
    this.#room(5 + length * 3);
    const bytes = this.#bytes;
    let at = this.#at + 5;
    // Short ASCII strings (names, keys) are cheaper by hand than by op.
    if (length <= 32) {
      let i = 0;
      for (; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code > 0x7f) break;
        bytes[at + i] = code;
      }
      if (i === length) {
        bytes[this.#at] = STRING;
        this.#data.setUint32(this.#at + 1, length, true);
        this.#at = at + length;
        return;
      }
    }
    if (value.isWellFormed()) {
      const { written } = this.#text.encodeInto(value, bytes.subarray(at));
      bytes[this.#at] = STRING;
      this.#data.setUint32(this.#at + 1, written, true);
      this.#at = at + written;
      return;
    }
    // A lone surrogate has no UTF-8 form: send the UTF-16 units as they are.
    bytes[this.#at] = STRING16;
    this.#data.setUint32(this.#at + 1, length, true);
    for (let i = 0; i < length; i++, at += 2) {
      this.#data.setUint16(at, value.charCodeAt(i), true);
    }
    this.#at = at;
  }

  /**
   * Writes `value` as structured clone would copy it. On failure, throws a
   * `TypeError` naming what could not be cloned and leaves the encoder as
   * it was before the call.
   */
  value(value: unknown): void {
    const start = this.#at;
    try {
      this.#value(value);
    } catch (error) {
      this.#at = start;
      throw error instanceof TypeError ? error : new TypeError(
        `The value could not be cloned (${
          error instanceof Error ? error.message : String(error)
        })`,
        { cause: error },
      );
    } finally {
      this.#ids.clear();
    }
  }

  /**
   * Writes an array the pool built itself (a `map()` chunk, its results),
   * as `value()` would, without looking for named properties it cannot
   * have: that look costs more than the copy.
   */
  container(values: unknown[]): void {
    const start = this.#at;
    try {
      this.#ids.set(values, 0);
      this.#array(values, 0);
    } catch (error) {
      this.#at = start;
      throw error;
    } finally {
      this.#ids.clear();
    }
  }

  #value(value: unknown): void {
    switch (typeof value) {
      case "number":
        this.#number(value);
        return;
      case "string":
        this.string(value);
        return;
      case "boolean":
        this.uint8(value ? TRUE : FALSE);
        return;
      case "undefined":
        this.uint8(UNDEFINED);
        return;
      case "bigint":
        this.uint8(BIGINT);
        this.string(value.toString(16));
        return;
      case "object":
        if (value === null) this.uint8(NULL);
        else this.#object(value);
        return;
      default:
        throw cannotClone(value);
    }
  }

  #number(value: number): void {
    if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
      this.#room(5);
      this.#bytes[this.#at] = INT32;
      this.#data.setInt32(this.#at + 1, value, true);
      this.#at += 5;
    } else {
      this.#room(9);
      this.#bytes[this.#at] = DOUBLE;
      this.#data.setFloat64(this.#at + 1, value, true);
      this.#at += 9;
    }
  }

  #object(value: object): void {
    const id = this.#ids.get(value);
    if (id !== undefined) {
      this.uint8(REFERENCE);
      this.uint32(id);
      return;
    }
    if (isProxy(value)) throw cannotClone(value);
    this.#ids.set(value, this.#ids.size);
    if (Array.isArray(value)) {
      this.#array(value, namedKeys(value));
      return;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype === Object.prototype || prototype === null) {
      this.#properties(value, Object.keys(value), 0);
      return;
    }
    const tag = toStringTag.call(value);
    switch (tag) {
      case "[object Object]":
        // A class instance: structured clone keeps its own properties only.
        this.#properties(value, Object.keys(value), 0);
        return;
      case "[object Date]":
        this.uint8(DATE);
        this.float64(Date.prototype.getTime.call(value));
        return;
      case "[object RegExp]":
        this.uint8(REGEXP);
        this.string((value as RegExp).source);
        this.string((value as RegExp).flags);
        return;
      case "[object Map]":
        this.uint8(MAP);
        this.uint32((value as Map<unknown, unknown>).size);
        for (const [key, entry] of value as Map<unknown, unknown>) {
          this.#value(key);
          this.#value(entry);
        }
        return;
      case "[object Set]":
        this.uint8(SET);
        this.uint32((value as Set<unknown>).size);
        for (const entry of value as Set<unknown>) this.#value(entry);
        return;
      case "[object ArrayBuffer]":
        this.#arrayBuffer(value as ArrayBuffer);
        return;
      case "[object Error]":
        this.#error(value as Error);
        return;
      case "[object DOMException]":
        this.uint8(DOM_EXCEPTION);
        this.string((value as DOMException).name);
        this.string((value as DOMException).message);
        this.#optionalString((value as DOMException).stack);
        return;
      case "[object Number]":
        this.uint8(NUMBER_OBJECT);
        this.float64(Number.prototype.valueOf.call(value));
        return;
      case "[object String]":
        this.uint8(STRING_OBJECT);
        this.string(String.prototype.valueOf.call(value));
        return;
      case "[object Boolean]":
        this.uint8(BOOLEAN_OBJECT);
        this.uint8(Boolean.prototype.valueOf.call(value) ? 1 : 0);
        return;
      case "[object BigInt]":
        this.uint8(BIGINT_OBJECT);
        this.string(BigInt.prototype.valueOf.call(value).toString(16));
        return;
    }
    if (ArrayBuffer.isView(value)) {
      this.#view(value);
      return;
    }
    if (tag === "[object SharedArrayBuffer]") {
      throw cannotClone(value, "a child process cannot share memory");
    }
    throw cannotClone(value);
  }

  /** Own enumerable string keys from `from` on, as `{ key: value }`. */
  #properties(value: object, keys: string[], from: number): void {
    this.uint8(OBJECT);
    this.uint32(keys.length - from);
    for (let i = from; i < keys.length; i++) {
      this.string(keys[i]);
      this.#value((value as Record<string, unknown>)[keys[i]]);
    }
  }

  /**
   * An array: packed when every element is a number, else element by
   * element with holes marked; then its named properties (`named.keys`
   * from `named.from` on).
   */
  #array(value: unknown[], named: { keys: string[]; from: number } | 0): void {
    if (!this.#packedNumbers(value)) {
      this.uint8(ARRAY);
      this.uint32(value.length);
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (item === undefined && !(i in value)) this.uint8(HOLE);
        else this.#value(item);
      }
    }
    if (named === 0) this.uint32(0);
    else {
      this.uint32(named.keys.length - named.from);
      for (let i = named.from; i < named.keys.length; i++) {
        this.string(named.keys[i]);
        this.#value(
          (value as unknown as Record<string, unknown>)[named.keys[i]],
        );
      }
    }
  }

  /**
   * Writes `value` packed when every element is an int32 (or else every
   * element a number), the common `map()` chunk; says whether it did.
   */
  #packedNumbers(value: unknown[]): boolean {
    const length = value.length;
    this.#room(5 + length * 8);
    const data = this.#data;
    const start = this.#at;
    let at = start + 5;
    let i = 0;
    for (; i < length; i++, at += 4) {
      const item = value[i];
      if (typeof item !== "number") return false;
      const int = item | 0;
      if (int !== item || (int === 0 && 1 / item < 0)) break;
      data.setInt32(at, int, true);
    }
    if (i === length) {
      this.#bytes[start] = INT32_ARRAY;
    } else {
      at = start + 5;
      for (i = 0; i < length; i++, at += 8) {
        const item = value[i];
        if (typeof item !== "number") return false;
        data.setFloat64(at, item, true);
      }
      this.#bytes[start] = DOUBLE_ARRAY;
    }
    data.setUint32(start + 1, length, true);
    this.#at = at;
    return true;
  }

  #arrayBuffer(buffer: ArrayBuffer): void {
    if (buffer.detached) {
      throw cannotClone(buffer, "it is detached");
    }
    this.uint8(ARRAY_BUFFER);
    this.uint32(buffer.byteLength);
    // 0 for a fixed-length buffer, else its maximum length plus one.
    this.float64(buffer.resizable ? buffer.maxByteLength + 1 : 0);
    this.#room(buffer.byteLength);
    this.#bytes.set(new Uint8Array(buffer), this.#at);
    this.#at += buffer.byteLength;
  }

  #view(view: ArrayBufferView): void {
    let prototype = Object.getPrototypeOf(view);
    let index = VIEW_INDEX.get(prototype);
    // A subclass such as Node's Buffer arrives as its base class.
    while (index === undefined && prototype !== null) {
      prototype = Object.getPrototypeOf(prototype);
      index = VIEW_INDEX.get(prototype);
    }
    if (index === undefined) throw cannotClone(view);
    const buffer = view instanceof DataView
      ? view.buffer
      : getTypedArrayBuffer.call(view) as ArrayBufferLike;
    if (toStringTag.call(buffer) === "[object SharedArrayBuffer]") {
      throw cannotClone(buffer, "a child process cannot share memory");
    }
    this.uint8(VIEW);
    this.uint8(index);
    this.uint32(view.byteOffset);
    this.uint32(
      view instanceof DataView
        ? view.byteLength
        : (view as unknown as { length: number }).length,
    );
    this.#object(buffer);
  }

  #error(error: Error): void {
    const name = error.name;
    const message = Object.getOwnPropertyDescriptor(error, "message");
    const stack = error.stack;
    const cause = Object.getOwnPropertyDescriptor(error, "cause");
    this.uint8(ERROR);
    this.uint8(ERROR_INDEX.get(name) ?? 0);
    if (message !== undefined && "value" in message) {
      this.uint8(1);
      this.string(String(message.value));
    } else this.uint8(0);
    this.#optionalString(stack);
    if (cause !== undefined) {
      this.uint8(1);
      this.#value("value" in cause ? cause.value : error.cause);
    } else this.uint8(0);
  }

  #optionalString(value: unknown): void {
    if (typeof value === "string") {
      this.uint8(1);
      this.string(value);
    } else this.uint8(0);
  }
}

/**
 * Where an array's named (non-index) own keys start among its own
 * enumerable keys, which list indices first; 0 when it has none.
 */
function namedKeys(
  value: unknown[],
): { keys: string[]; from: number } | 0 {
  const keys = Object.keys(value);
  let from = keys.length;
  while (from > 0 && !isIndex(keys[from - 1], value.length)) from--;
  return from === keys.length ? 0 : { keys, from };
}

function isIndex(key: string, length: number): boolean {
  const number = Number(key);
  return Number.isInteger(number) && number >= 0 && number < length &&
    String(number) === key;
}

/** Reads what an {@linkcode Encoder} wrote, from one message's bytes. */
export class Decoder {
  #bytes: Uint8Array;
  #data: DataView;
  #at = 0;
  #objects: unknown[] = [];
  #text = new TextDecoder();

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.#at >= this.#bytes.length;
  }

  uint8(): number {
    return this.#bytes[this.#at++];
  }

  uint32(): number {
    const value = this.#data.getUint32(this.#at, true);
    this.#at += 4;
    return value;
  }

  float64(): number {
    const value = this.#data.getFloat64(this.#at, true);
    this.#at += 8;
    return value;
  }

  /** A string written by `Encoder.string()`. */
  string(): string {
    const tag = this.uint8();
    const length = this.uint32();
    const start = this.#at;
    if (tag === STRING16) {
      let text = "";
      for (let i = 0; i < length; i++) {
        text += String.fromCharCode(this.#data.getUint16(start + i * 2, true));
      }
      this.#at = start + length * 2;
      return text;
    }
    this.#at = start + length;
    if (length <= 32) {
      let text = "";
      let i = 0;
      for (; i < length; i++) {
        const byte = this.#bytes[start + i];
        if (byte > 0x7f) break;
        text += String.fromCharCode(byte);
      }
      if (i === length) return text;
    }
    return this.#text.decode(this.#bytes.subarray(start, start + length));
  }

  /** A value written by `Encoder.value()` or `Encoder.container()`. */
  value(): unknown {
    try {
      return this.#value();
    } finally {
      this.#objects = [];
    }
  }

  #value(): unknown {
    const tag = this.#bytes[this.#at];
    switch (tag) {
      case STRING:
      case STRING16:
        return this.string();
    }
    this.#at++;
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case INT32: {
        const value = this.#data.getInt32(this.#at, true);
        this.#at += 4;
        return value;
      }
      case DOUBLE:
        return this.float64();
      case BIGINT:
        return parseBigInt(this.string());
      case REFERENCE:
        return this.#objects[this.uint32()];
      case OBJECT: {
        const object: Record<string, unknown> = {};
        this.#objects.push(object);
        this.#readProperties(object);
        return object;
      }
      case ARRAY:
      case INT32_ARRAY:
      case DOUBLE_ARRAY:
        return this.#array(tag);
      case DATE: {
        const date = new Date(this.float64());
        this.#objects.push(date);
        return date;
      }
      case REGEXP: {
        const source = this.string();
        const regexp = new RegExp(source, this.string());
        this.#objects.push(regexp);
        return regexp;
      }
      case MAP: {
        const map = new Map<unknown, unknown>();
        this.#objects.push(map);
        const size = this.uint32();
        for (let i = 0; i < size; i++) {
          const key = this.#value();
          map.set(key, this.#value());
        }
        return map;
      }
      case SET: {
        const set = new Set<unknown>();
        this.#objects.push(set);
        const size = this.uint32();
        for (let i = 0; i < size; i++) set.add(this.#value());
        return set;
      }
      case ARRAY_BUFFER:
        return this.#arrayBuffer();
      case VIEW:
        return this.#view();
      case ERROR:
        return this.#error();
      case DOM_EXCEPTION: {
        const name = this.string();
        const exception = new DOMException(this.string(), name);
        this.#objects.push(exception);
        this.#setStack(exception);
        return exception;
      }
      case NUMBER_OBJECT:
        return this.#boxed(Object(this.float64()));
      case STRING_OBJECT:
        return this.#boxed(Object(this.string()));
      case BOOLEAN_OBJECT:
        return this.#boxed(Object(this.uint8() === 1));
      case BIGINT_OBJECT:
        return this.#boxed(Object(parseBigInt(this.string())));
      default:
        throw new TypeError(
          `Cannot decode a value: unknown tag ${tag} at byte ${this.#at - 1}`,
        );
    }
  }

  #boxed(value: object): object {
    this.#objects.push(value);
    return value;
  }

  #readProperties(object: Record<string, unknown>): void {
    const count = this.uint32();
    for (let i = 0; i < count; i++) {
      const key = this.string();
      const value = this.#value();
      if (key === "__proto__") {
        Object.defineProperty(object, key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else object[key] = value;
    }
  }

  #array(tag: number): unknown[] {
    const length = this.uint32();
    const array: unknown[] = new Array(length);
    this.#objects.push(array);
    const data = this.#data;
    let at = this.#at;
    if (tag === INT32_ARRAY) {
      for (let i = 0; i < length; i++, at += 4) {
        array[i] = data.getInt32(at, true);
      }
      this.#at = at;
    } else if (tag === DOUBLE_ARRAY) {
      for (let i = 0; i < length; i++, at += 8) {
        array[i] = data.getFloat64(at, true);
      }
      this.#at = at;
    } else {
      for (let i = 0; i < length; i++) {
        if (this.#bytes[this.#at] === HOLE) this.#at++;
        else array[i] = this.#value();
      }
    }
    this.#readProperties(array as unknown as Record<string, unknown>);
    return array;
  }

  #arrayBuffer(): ArrayBuffer {
    const byteLength = this.uint32();
    const resizable = this.float64();
    const buffer = resizable === 0
      ? new ArrayBuffer(byteLength)
      : new ArrayBuffer(byteLength, { maxByteLength: resizable - 1 });
    new Uint8Array(buffer).set(
      this.#bytes.subarray(this.#at, this.#at + byteLength),
    );
    this.#at += byteLength;
    this.#objects.push(buffer);
    return buffer;
  }

  #view(): ArrayBufferView {
    const View = VIEWS[this.uint8()];
    const byteOffset = this.uint32();
    const length = this.uint32();
    const id = this.#objects.length;
    this.#objects.push(undefined);
    const view = new View(this.#value() as ArrayBuffer, byteOffset, length);
    this.#objects[id] = view;
    return view;
  }

  #error(): Error {
    const ErrorClass = ERRORS[this.uint8()];
    const error = this.uint8() === 1
      ? new ErrorClass(this.string())
      : new ErrorClass();
    this.#objects.push(error);
    this.#setStack(error);
    if (this.uint8() === 1) {
      Object.defineProperty(error, "cause", {
        value: this.#value(),
        writable: true,
        enumerable: false,
        configurable: true,
      });
    }
    return error;
  }

  /** Puts the sender's stack on `error`, or none when it had none. */
  #setStack(error: Error | DOMException): void {
    if (this.uint8() === 1) {
      Object.defineProperty(error, "stack", {
        value: this.string(),
        writable: true,
        enumerable: false,
        configurable: true,
      });
    } else delete (error as { stack?: string }).stack;
  }
}

function parseBigInt(hex: string): bigint {
  return hex.startsWith("-")
    ? -BigInt(`0x${hex.slice(1)}`)
    : BigInt(`0x${hex}`);
}
