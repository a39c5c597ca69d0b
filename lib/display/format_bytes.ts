/**
 * Byte counts for people to read.
 *
 * @module
 */

/**
 * A byte count as a short label: `512 B`, `4 KB`, `16 MB` (powers of 1024).
 *
 * @param bytes A non-negative number of bytes.
 * @returns The label.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./format_bytes.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(512), "512 B");
 * assert.equal(formatBytes(16 * 1024 * 1024), "16 MB");
 * assert.equal(formatBytes(1536), "1.5 KB");
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}
