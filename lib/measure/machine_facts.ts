/**
 * What machine an experiment ran on, so every figure can be read in context.
 *
 * @module
 */

/** The facts about this machine that change what a measurement means. */
export interface MachineFacts {
  /** Logical cores, as `navigator.hardwareConcurrency` reports them. */
  cores: number;
  /** The Deno version. */
  deno: string;
  /** The V8 version. */
  v8: string;
  /** The TypeScript version. */
  typescript: string;
  /** Operating system and CPU architecture, e.g. `linux x86_64`. */
  platform: string;
}

/**
 * Reads the facts about this machine and runtime.
 *
 * @returns Cores, Deno, V8 and TypeScript versions, and the platform.
 *
 * @example
 * ```ts
 * import { machineFacts } from "./machine_facts.ts";
 * import assert from "node:assert/strict";
 * const facts = machineFacts();
 * assert.ok(facts.cores >= 1);
 * assert.equal(facts.deno, Deno.version.deno);
 * ```
 */
export function machineFacts(): MachineFacts {
  return {
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    platform: `${Deno.build.os} ${Deno.build.arch}`,
  };
}
