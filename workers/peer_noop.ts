/**
 * The `noop` task for piscina and tinypool, which load a worker file and
 * call its default export (the one default export in the project, because
 * they need it). Used by the pool comparison in
 * `lib/experiments/pool_throughput.ts`.
 *
 * @module
 */

/** Does nothing, like the `noop` task of `workers/tasks.ts`. */
export default function noop(): undefined {
  return undefined;
}
