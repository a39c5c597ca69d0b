/**
 * Argument checks shared by the toolkit and the course's experiments: each
 * throws a `RangeError` in one wording, `<what was being done>: '<name>' must
 * be <what was expected>, received <the value>`.
 *
 * @module
 */

/** The bounds of {@linkcode assertInteger}, both inclusive. */
export interface IntegerRange {
  /**
   * The smallest value allowed.
   * @default {1}
   */
  min?: number;
  /**
   * The largest value allowed.
   * @default {Number.MAX_SAFE_INTEGER}
   */
  max?: number;
}

/** The bounds of {@linkcode assertMilliseconds}. */
export interface MillisecondsRange {
  /**
   * Whether 0 is allowed; otherwise the time must be above 0.
   * @default {false}
   */
  allowZero?: boolean;
  /**
   * The largest value allowed.
   * @default {Infinity} (but the time must be finite)
   */
  max?: number;
}

/**
 * Throws unless `value` is a safe integer within `range`: by default a
 * positive integer.
 *
 * @param where What was being done, e.g. `Cannot run the I/O modes experiment`.
 * @param name The argument's name.
 * @param value The value received.
 * @param range The bounds, inclusive; by default from 1 up.
 * @throws {RangeError} Naming the argument, what was expected and the value
 *   received.
 *
 * @example
 * ```ts
 * import { assertInteger } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assertInteger("Cannot run", "workers", 2);
 * assert.throws(() => assertInteger("Cannot run", "workers", 0), {
 *   name: "RangeError",
 *   message: "Cannot run: 'workers' must be a positive integer, received 0",
 * });
 * assert.throws(
 *   () => assertInteger("Cannot run", "code", 256, { min: 0, max: 255 }),
 *   /'code' must be an integer from 0 to 255, received 256/,
 * );
 * ```
 */
export function assertInteger(
  where: string,
  name: string,
  value: unknown,
  range: IntegerRange = {},
): asserts value is number {
  const expected = integerExpected(value, range);
  if (expected !== undefined) {
    throw new RangeError(
      `${where}: '${name}' must be ${expected}, received ${received(value)}`,
    );
  }
}

/**
 * Throws unless `value` is a finite number of milliseconds within `range`:
 * by default above 0.
 *
 * @param where What was being done.
 * @param name The argument's name.
 * @param value The value received.
 * @param range Whether 0 is allowed, and the largest value.
 * @throws {RangeError} Naming the argument, what was expected and the value
 *   received.
 *
 * @example
 * ```ts
 * import { assertMilliseconds } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assertMilliseconds("Cannot wait", "delayMs", 0.5);
 * assertMilliseconds("Cannot wait", "delayMs", 0, { allowZero: true });
 * assert.throws(() => assertMilliseconds("Cannot wait", "delayMs", 0), {
 *   name: "RangeError",
 *   message:
 *     "Cannot wait: 'delayMs' must be a positive number of milliseconds, received 0",
 * });
 * ```
 */
export function assertMilliseconds(
  where: string,
  name: string,
  value: unknown,
  range: MillisecondsRange = {},
): asserts value is number {
  const { allowZero = false, max = Infinity } = range;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value > max ||
    (allowZero ? value < 0 : value <= 0)
  ) {
    const sign = allowZero ? "a non-negative" : "a positive";
    const upTo = max === Infinity ? "" : ` of at most ${max}`;
    throw new RangeError(
      `${where}: '${name}' must be ${sign} number of milliseconds${upTo}, received ${
        received(value)
      }`,
    );
  }
}

/**
 * Reads a decimal integer written as text, such as a command-line flag's
 * value, and checks it is within `range` (by default a positive integer).
 *
 * @param where What was being done, e.g. `Invalid flag`.
 * @param name The flag's or field's name.
 * @param text The text received.
 * @param range The bounds, inclusive; by default from 1 up.
 * @returns The integer.
 * @throws {RangeError} Naming the flag, what was expected and the text
 *   received, quoted.
 *
 * @example
 * ```ts
 * import { parseInteger } from "./validate.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseInteger("Invalid flag", "--repeats", "7"), 7);
 * assert.throws(() => parseInteger("Invalid flag", "--repeats", "1.5"), {
 *   name: "RangeError",
 *   message: "Invalid flag: '--repeats' must be a positive integer, received '1.5'",
 * });
 * ```
 */
export function parseInteger(
  where: string,
  name: string,
  text: string,
  range: IntegerRange = {},
): number {
  const value = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : NaN;
  const expected = integerExpected(value, range);
  if (expected !== undefined) {
    throw new RangeError(
      `${where}: '${name}' must be ${expected}, received '${text}'`,
    );
  }
  return value;
}

/**
 * Checks a notebook's numeric parameters, each a positive integer, naming
 * the first bad one.
 *
 * @param parameters Every numeric knob of the notebook, by name.
 * @throws {RangeError} When a value is not a positive integer.
 *
 * @example
 * ```ts
 * import { checkPositiveIntegers } from "./validate.ts";
 * import assert from "node:assert/strict";
 * checkPositiveIntegers({ repeats: 3 });
 * assert.throws(() => checkPositiveIntegers({ workers: 0 }), RangeError);
 * ```
 */
export function checkPositiveIntegers(
  parameters: Record<string, number>,
): void {
  for (const [name, value] of Object.entries(parameters)) {
    assertInteger("Invalid parameter", name, value);
  }
}

/**
 * What `value` should have been, when it is not a safe integer within
 * `range`; `undefined` when it is.
 */
function integerExpected(
  value: unknown,
  range: IntegerRange,
): string | undefined {
  const { min = 1, max = Number.MAX_SAFE_INTEGER } = range;
  if (
    typeof value === "number" && Number.isSafeInteger(value) && value >= min &&
    value <= max
  ) return undefined;
  return integerRange(min, max);
}

function integerRange(min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER) {
    if (min === Number.MIN_SAFE_INTEGER) return "an integer";
    if (min === 1) return "a positive integer";
    if (min === 0) return "a non-negative integer";
    return `an integer of at least ${min}`;
  }
  if (min === 1) return `a positive integer of at most ${max}`;
  return `an integer from ${min} to ${max}`;
}

function received(value: unknown): string {
  return typeof value === "number" ? String(value) : JSON.stringify(value) ??
    String(value);
}
