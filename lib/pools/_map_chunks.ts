/**
 * What every pool's `run()` and `map()` share, in front of its own
 * dispatch: which tasks it refuses outright (`refuseTask`), and how `map()`
 * cuts its inputs into batches and joins their results (`mapChunks`). Used
 * by the pool core, `TaskPool` and `QueuePool`. Internal.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";
import type { RunOptions } from "./_pool_types.ts";

/**
 * The rejection every pool gives a task it cannot take: a name that is not
 * a string, or a closed pool; `undefined` when the task may go on.
 */
export function refuseTask(
  task: unknown,
  closed: boolean,
): Promise<never> | undefined {
  if (typeof task !== "string") {
    return Promise.reject(
      new TypeError(
        `Cannot run task: 'task' must be a string, received ${typeof task}`,
      ),
    );
  }
  if (closed) {
    return Promise.reject(
      new Error(`Cannot run task '${task}': the pool is closed`),
    );
  }
  return undefined;
}

/** What {@linkcode mapChunks} submits each chunk to: a pool's core. */
export interface BatchSubmitter {
  /** Submits one task, or one batch of inputs when `batch` is set. */
  submit(
    task: string,
    input: unknown,
    options: RunOptions | undefined,
    batch: boolean,
  ): Promise<unknown>;
}

/**
 * `map()` of every pool: the inputs in chunks, each chunk submitted as one
 * batch, the results joined in input order.
 */
export async function mapChunks<T>(
  core: BatchSubmitter,
  size: number,
  task: string,
  inputs: Iterable<unknown>,
  options: { signal?: AbortSignal; chunkSize?: number } | undefined,
): Promise<T[]> {
  if (
    inputs === null || inputs === undefined ||
    typeof (inputs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `Cannot map task '${task}': 'inputs' must be iterable, received ${
        inputs === null ? "null" : typeof inputs
      }`,
    );
  }
  const items = Array.isArray(inputs) ? inputs : Array.from(inputs);
  let chunkSize = options?.chunkSize;
  if (chunkSize !== undefined) {
    if (typeof chunkSize !== "number") {
      throw new TypeError(
        `Cannot map task '${task}': 'chunkSize' must be a number, received ${typeof chunkSize}`,
      );
    }
    assertInteger(`Cannot map task '${task}'`, "chunkSize", chunkSize);
  }
  chunkSize ??= Math.max(1, Math.ceil(items.length / (size * 4)));
  const runOptions = { signal: options?.signal };
  const chunks: Promise<unknown>[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    chunks.push(
      core.submit(
        task,
        items.slice(start, start + chunkSize),
        runOptions,
        true,
      ),
    );
  }
  const parts = await Promise.all(chunks) as T[][];
  // concat copies arrays of numbers wholesale; flat() goes one by one.
  return parts.length === 1 ? parts[0] : ([] as T[]).concat(...parts);
}
