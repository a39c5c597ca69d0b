/**
 * Memory of a process, as the operating system counts it (Linux `/proc`).
 *
 * Two figures, for two questions. `VmRSS` (resident set size) counts every
 * page a process has in RAM, including pages it shares with other processes,
 * such as the code of the `deno` binary that every Deno process maps: add up
 * the RSS of several Deno processes and the shared pages count several times.
 * PSS (proportional set size) divides each shared page among the processes
 * that map it, so the PSS of a group of processes adds up to what the group
 * really holds, and the growth of a group's total PSS is what starting one
 * more thread or process cost.
 *
 * @module
 */

function readKiB(path: string, field: string): number | undefined {
  try {
    const text = Deno.readTextFileSync(path);
    const match = text.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The resident memory of a process, from `/proc/<pid>/status` (Linux only).
 * It counts shared pages in full; see {@linkcode processPssKiB} to compare
 * processes fairly.
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
  return readKiB(`/proc/${pid}/status`, "VmRSS");
}

/**
 * The proportional set size of a process, from `/proc/<pid>/smaps_rollup`
 * (Linux 4.14 and later): its private pages plus its share of each page it
 * shares with other processes.
 *
 * @param pid The process id.
 * @returns `Pss` in KiB, or `undefined` when `/proc` cannot be read.
 *
 * @example
 * ```ts
 * import { processPssKiB, processRssKiB } from "./memory.ts";
 * import assert from "node:assert/strict";
 * const pss = processPssKiB(Deno.pid);
 * const rss = processRssKiB(Deno.pid);
 * if (pss !== undefined && rss !== undefined) assert.ok(pss <= rss);
 * ```
 */
export function processPssKiB(pid: number): number | undefined {
  return readKiB(`/proc/${pid}/smaps_rollup`, "Pss");
}
