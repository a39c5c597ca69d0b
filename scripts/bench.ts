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
import { cpuBoundExperiment } from "../lib/cpu_bound_experiment.ts";

const USAGE = `Usage: deno task bench [--quick] [--json PATH] [--help]

  --quick      small sizes, for tests (same as COURSE_QUICK=1)
  --json PATH  write every sample and summary as JSON to PATH
  --help       show this help`;

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
  const cpuBound = await cpuBoundExperiment(limit, { repeats });
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
