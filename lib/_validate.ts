/**
 * Argument checks shared by the course's experiments.
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
