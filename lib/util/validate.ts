/**
 * Argument checks shared by the toolkit and the course's experiments.
 *
 * @module
 */

/**
 * Throws unless `value` is a positive safe integer.
 *
 * @param where What was being done, e.g. `Cannot run the I/O modes experiment`.
 * @param name The argument's name.
 * @param value The value received.
 * @throws {RangeError} Naming the argument and the value received.
 */
export function assertPositiveInteger(
  where: string,
  name: string,
  value: unknown,
): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `${where}: '${name}' must be a positive integer, received ${
        typeof value === "number" ? value : JSON.stringify(value)
      }`,
    );
  }
}

/**
 * Checks a notebook's numeric parameters, naming the bad value.
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
    assertPositiveInteger("Invalid parameter", name, value);
  }
}
