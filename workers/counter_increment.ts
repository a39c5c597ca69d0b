/**
 * The smallest program with a `counter++` in it, for showing V8's bytecode:
 * `lib/experiments/races_and_locks.ts` runs it with
 * `--v8-flags=--print-bytecode,--print-bytecode-filter=increment`.
 *
 * @module
 */

let counter = 0;

/**
 * Adds one to the module's counter: one line of source, three steps of
 * bytecode (load, add, store).
 *
 * @returns The counter after the increment.
 */
export function increment(): number {
  counter++;
  return counter;
}

// V8 compiles a function to bytecode when it is first called.
if (import.meta.main) console.log(increment());
