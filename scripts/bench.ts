/**
 * `deno task bench`: the course's experiments headless, printed as a table and
 * written as JSON.
 *
 * Usage: `deno run -A scripts/bench.ts [--quick] [--json PATH]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { machineFacts } from "../lib/machine_facts.ts";
import { isQuickMode } from "../lib/quick_mode.ts";
import { timeIt } from "../lib/time_it.ts";
import { countPrimes, splitRange } from "../lib/workloads.ts";

const USAGE = `Usage: deno task bench [--quick] [--json PATH] [--help]

  --quick      small sizes, for tests (same as COURSE_QUICK=1)
  --json PATH  write every sample and summary as JSON to PATH
  --help       show this help`;

/** One mode's result in the CPU-bound experiment. */
export interface ModeResult {
  /** How the chunks were run. */
  mode: string;
  /** Total primes found: equal in every mode. */
  primes: number;
  /** Every measured run, in milliseconds. */
  samplesMs: number[];
  /** The median run, in milliseconds. */
  medianMs: number;
  /** Sequential median divided by this mode's median. */
  speedup: number;
}

/**
 * Counts the primes below `limit` in chunks, sequentially and as async tasks
 * on the one event loop, and reports the speedup of each over sequential.
 *
 * @param limit Count primes in `[0, limit)`.
 * @param chunks How many chunks the range is split into.
 * @param repeats Measured runs per mode.
 * @returns One result per mode, sequential first.
 *
 * @example
 * ```ts
 * import { cpuBoundExperiment } from "./bench.ts";
 * import assert from "node:assert/strict";
 * const [sequential, asyncTasks] = await cpuBoundExperiment(1_000, 4, 1);
 * assert.equal(sequential.primes, 168);
 * assert.equal(asyncTasks.primes, 168);
 * ```
 */
export async function cpuBoundExperiment(
  limit: number,
  chunks: number,
  repeats: number,
): Promise<ModeResult[]> {
  const ranges = splitRange(0, limit, Math.ceil(limit / chunks));
  const sum = (counts: number[]) =>
    counts.reduce((total, count) => total + count, 0);
  const modes: [string, () => Promise<number>][] = [
    [
      "sequential",
      () =>
        Promise.resolve(
          sum(ranges.map(([start, end]) => countPrimes(start, end))),
        ),
    ],
    ["async tasks", async () =>
      sum(
        await Promise.all(ranges.map(async ([start, end]) => {
          await Promise.resolve();
          return countPrimes(start, end);
        })),
      )],
  ];
  const results: ModeResult[] = [];
  for (const [mode, work] of modes) {
    const timing = await timeIt(work, { repeats });
    results.push({
      mode,
      primes: timing.result,
      samplesMs: timing.samplesMs,
      medianMs: timing.medianMs,
      speedup: results.length === 0 ? 1 : results[0].medianMs / timing.medianMs,
    });
  }
  return results;
}

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean" },
        json: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const quick = flags.quick || isQuickMode();
  const facts = machineFacts();
  console.log(
    `machine: ${facts.cores} cores, ${facts.platform}, Deno ${facts.deno}, V8 ${facts.v8}`,
  );
  const limit = quick ? 50_000 : 2_000_000;
  const repeats = quick ? 2 : 5;
  console.log(
    `CPU-bound: primes below ${limit}, ${
      facts.cores * 2
    } chunks, ${repeats} repeats`,
  );
  const cpuBound = await cpuBoundExperiment(limit, facts.cores * 2, repeats);
  console.table(cpuBound.map(({ mode, primes, medianMs, speedup }) => ({
    mode,
    primes,
    "median ms": Number(medianMs.toFixed(1)),
    speedup: Number(speedup.toFixed(2)),
  })));
  if (flags.json) {
    await Deno.writeTextFile(
      flags.json,
      JSON.stringify({ machine: facts, quick, cpuBound }, null, 2),
    );
    console.log(`wrote ${flags.json}`);
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
