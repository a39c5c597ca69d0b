/**
 * The `noop` task for piscina, which loads a worker file and calls its
 * default export (the one default export in the project, because piscina
 * needs it). Used by the pool overhead comparison in `lib/experiments/pool_throughput.ts`.
 *
 * @module
 */

/** Does nothing, like the `noop` task of `workers/tasks.ts`. */
export default function noop(): undefined {
  return undefined;
}
