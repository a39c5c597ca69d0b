/**
 * Safe access to the Deno Jupyter kernel API: `Deno.jupyter` throws outside
 * `deno jupyter`, so every module asks here instead.
 *
 * @module
 */

/** The part of `Deno.jupyter` the course uses. */
export interface JupyterKernel {
  /** Shows a MIME bundle (with `{ raw: true }`) in the running cell. */
  display(
    bundle: unknown,
    options?: { raw?: boolean; display_id?: string; update?: boolean },
  ): Promise<void>;
  /** Sends a message such as `update_display_data` on the IOPub channel. */
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

/**
 * The kernel API when running inside `deno jupyter`, otherwise `undefined`.
 *
 * @returns `Deno.jupyter`, or `undefined` in `deno run` and `deno test`.
 *
 * @example
 * ```ts
 * import { jupyterKernel } from "./_jupyter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(jupyterKernel(), undefined); // tests do not run in the kernel
 * ```
 */
export function jupyterKernel(): JupyterKernel | undefined {
  try {
    const kernel = (Deno as unknown as { jupyter?: JupyterKernel }).jupyter;
    return typeof kernel?.broadcast === "function" ? kernel : undefined;
  } catch {
    return undefined;
  }
}

/** A Jupyter MIME bundle: MIME type to data. */
export type MimeBundle = Record<string, string | object>;

/**
 * Makes a MIME bundle show itself when it is a cell's last expression, by
 * adding a non-enumerable `Symbol.for("Jupyter.display")` method; the
 * enumerable keys stay exactly the bundle's MIME types.
 *
 * @param bundle The MIME bundle.
 * @returns The same object, now displayable.
 *
 * @example
 * ```ts
 * import { displayable } from "./_jupyter.ts";
 * import assert from "node:assert/strict";
 * const bundle = displayable({ "text/plain": "hi" });
 * assert.deepEqual(Object.keys(bundle), ["text/plain"]);
 * ```
 */
export function displayable<T extends MimeBundle>(bundle: T): T {
  Object.defineProperty(bundle, Symbol.for("Jupyter.display"), {
    value: () => ({ ...bundle }),
    enumerable: false,
  });
  return bundle;
}
