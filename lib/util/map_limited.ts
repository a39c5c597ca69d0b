/**
 * A concurrency limit for promises: start tasks as others finish.
 *
 * @module
 */
import { assertInteger } from "./validate.ts";

/**
 * Runs `tasks` with at most `limit` in flight at once; results keep their order.
 *
 * @param tasks Functions that each start one piece of work.
 * @param limit Most tasks running at once, a positive integer.
 * @returns The tasks' results, in the order of `tasks`.
 * @throws {RangeError} When `limit` is not a positive integer.
 *
 * @example
 * ```ts
 * import { mapLimited } from "./map_limited.ts";
 * import assert from "node:assert/strict";
 * let running = 0, most = 0;
 * const task = (n: number) => async () => {
 *   most = Math.max(most, ++running);
 *   await new Promise((resolve) => setTimeout(resolve, 5));
 *   running--;
 *   return n;
 * };
 * assert.deepEqual(await mapLimited([1, 2, 3, 4, 5].map(task), 2), [1, 2, 3, 4, 5]);
 * assert.equal(most, 2);
 * ```
 */
export async function mapLimited<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
): Promise<T[]> {
  assertInteger("Cannot run tasks", "limit", limit);
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, lane),
  );
  return results;
}
