/**
 * Runs one exported function of a module in a fresh `deno run` process and
 * prints its result as one JSON line: `deno run [flags] call_export.ts
 * <module URL> <export name> [JSON argument...]`. Experiments use it to
 * measure in a plain program what the notebook kernel cannot (worker
 * start-up outside the kernel; worker permissions, which need
 * `--unstable-worker-options`). It imports only the module it is given.
 *
 * @module
 */

const [module, name, ...args] = Deno.args;
const exports = await import(module) as Record<string, unknown>;
const call = exports[name];
if (typeof call !== "function") {
  throw new TypeError(
    `Cannot call '${name}' of ${module}: it is not an exported function, received ${typeof call}`,
  );
}
console.log(JSON.stringify(await call(...args.map((arg) => JSON.parse(arg)))));
