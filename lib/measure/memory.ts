/**
 * Memory of a process, as the operating system counts it.
 *
 * @module
 */

/**
 * The resident memory of a process, from `/proc/<pid>/status` (Linux only).
 *
 * @param pid The process id.
 * @returns `VmRSS` in KiB, or `undefined` when `/proc` cannot be read.
 *
 * @example
 * ```ts
 * import { processRssKiB } from "./memory.ts";
 * import assert from "node:assert/strict";
 * const rss = processRssKiB(Deno.pid);
 * assert.ok(rss === undefined || rss > 0);
 * ```
 */
export function processRssKiB(pid: number): number | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
