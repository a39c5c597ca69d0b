/**
 * Safe access to the Deno Jupyter kernel API: `Deno.jupyter` throws outside
 * `deno jupyter`, so every module asks here instead.
 *
 * Loaded in the kernel, this module also makes every cell end only once all
 * its output is published, so that a front end's Run All (every cell queued
 * at once) files each output under the cell that made it: see
 * {@linkcode outputsPublished} and `_iopub.ts` for why that needs doing.
 *
 * @module
 */

import { iopubAddress, IopubSubscriber, ownCommandLine } from "./_iopub.ts";

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

/**
 * The comm the course's "published?" probes travel on. Front ends ignore
 * messages of a comm they never opened.
 */
const PROBE_COMM_ID = "course-outputs-published";

/** How long a probe may take to come back before the cell goes on anyway. */
const PROBE_TIMEOUT_MS = 2000;

let probes = 0;
let subscriber: Promise<IopubSubscriber | undefined> | undefined;

/** Sends one probe and waits until it is seen on IOPub, or `timeoutMs` passes. */
async function probe(
  kernel: JupyterKernel,
  listener: IopubSubscriber,
  timeoutMs: number,
): Promise<boolean> {
  const token = `${Deno.pid}-${++probes}`;
  const seen = listener.waitFor(
    (message) =>
      message.header.msg_type === "comm_msg" &&
      message.content.comm_id === PROBE_COMM_ID &&
      (message.content.data as { token?: string } | undefined)?.token ===
        token,
    timeoutMs,
  );
  await kernel.broadcast("comm_msg", {
    comm_id: PROBE_COMM_ID,
    data: { token },
  });
  return await seen;
}

/**
 * Connects to this kernel's IOPub channel and waits until the kernel has
 * taken the subscription (a probe comes back), or gives up.
 */
async function subscribe(
  kernel: JupyterKernel,
): Promise<IopubSubscriber | undefined> {
  const address = iopubAddress(ownCommandLine());
  if (address === undefined) return undefined;
  try {
    const listener = await IopubSubscriber.connect(address);
    for (let attempt = 0; attempt < 20; attempt++) {
      if (await probe(kernel, listener, 100)) return listener;
    }
    listener.close();
  } catch {
    // No IOPub to listen to: outputs cannot be confirmed.
  }
  return undefined;
}

/**
 * Waits until everything this kernel has printed or displayed so far has
 * been published on IOPub, by sending a probe after it and watching for the
 * probe on IOPub (the kernel publishes in order).
 *
 * The module calls it at the end of every cell, once loaded in the kernel;
 * there is no need to call it by hand.
 *
 * @returns `true` once the probe was seen; `false` outside the kernel, or
 *   when IOPub cannot be listened to, or after 2 s without the probe.
 *
 * @example
 * ```ts
 * import { outputsPublished } from "./_jupyter.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await outputsPublished(), false); // not in a kernel
 * ```
 */
export async function outputsPublished(): Promise<boolean> {
  const kernel = jupyterKernel();
  if (kernel === undefined) return false;
  subscriber ??= subscribe(kernel);
  let listener = await subscriber;
  if (listener?.closed) {
    subscriber = subscribe(kernel);
    listener = await subscriber;
  }
  if (listener === undefined) return false;
  const seen = await probe(kernel, listener, PROBE_TIMEOUT_MS);
  // A probe lost means the listener is broken: the next call connects anew.
  if (!seen) listener.close();
  return seen;
}

/** The kernel's internals this module wraps (Deno 2.9's kernel). */
interface KernelInternals {
  broadcastResult?: (executionCount: number, result: unknown) => Promise<void>;
  [WRAPPED]?: true;
}

const WRAPPED = Symbol.for("course.outputsPublished");

/**
 * Makes every cell end only once its output is published. After a cell's
 * code has run, Deno's kernel calls `broadcastResult` to show the cell's
 * value, and only when that returns does it reply that the cell is done and
 * take the next request; wrapping it to wait for
 * {@linkcode outputsPublished} holds the next cell back until this one's
 * output, its value included, is out under its own header. A cell that
 * throws is not held: the kernel reports its error without calling
 * `broadcastResult`.
 */
function publishBeforeEachCellEnds(): void {
  const deno = Deno as unknown as Record<symbol, { jupyter?: KernelInternals }>;
  const internal = (Deno as unknown as { internal?: symbol }).internal;
  const kernel = internal === undefined ? undefined : deno[internal]?.jupyter;
  const original = kernel?.broadcastResult;
  if (kernel === undefined || original === undefined || kernel[WRAPPED]) {
    return;
  }
  kernel.broadcastResult = async (executionCount, result) => {
    await original(executionCount, result);
    await outputsPublished();
  };
  kernel[WRAPPED] = true;
}

if (jupyterKernel() !== undefined) publishBeforeEachCellEnds();
