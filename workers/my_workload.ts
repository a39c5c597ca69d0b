/**
 * YOUR workload, for notebook 09 ("measure my workload"). Edit
 * `myWorkload` (keep its name, or add tasks and pass their name), rerun the
 * notebook, and see which way of running it wins. A task takes one
 * JSON-friendly input and returns a JSON-friendly result, because the same
 * function runs here, in Workers and in child processes.
 *
 * @module
 */

import { expose } from "../lib/pools/expose.ts";

/**
 * The example workload: a seeded pseudo-random walk of `steps` steps,
 * returning where it ends. Pure CPU work. Replace it with your own.
 *
 * @param input The number of steps and the seed.
 * @returns The final position.
 */
export function myWorkload(
  { steps, seed }: { steps: number; seed: number },
): number {
  let state = seed >>> 0;
  let position = 0;
  for (let i = 0; i < steps; i++) {
    // xorshift32: a fast, seeded generator.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    position += (state & 1) === 0 ? -1 : 1;
  }
  return position;
}

/** The tasks this module offers, by name. */
export const tasks = { myWorkload };

expose(tasks);
