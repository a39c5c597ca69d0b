/**
 * `deno task bench`: every experiment of the course headless. Prints a
 * summary table, writes JSON with every sample and a self-contained HTML
 * report (under `reports/` unless told where).
 *
 * Usage: `deno run -A scripts/bench.ts [--quick] [--only NAME] [--repeats N]
 * [--json PATH] [--html PATH] [--python NAME]`; `--help` explains.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { progress } from "../lib/display/display.ts";
import { machineFacts } from "../lib/measure/machine_facts.ts";
import { isQuickMode } from "../lib/display/quick_mode.ts";
import { parseInteger } from "../lib/util/validate.ts";
import { EXPERIMENT_NAMES, type ExperimentName } from "./bench_experiments.ts";
import { headlineRatios } from "./bench_ratios.ts";
import { progressUnits, runExperiments } from "./bench_runner.ts";
import {
  type BenchReport,
  PLOTLY_FILE,
  reportHtml,
  reportJson,
  summaryText,
} from "./bench_report.ts";

/** The help text. */
export const USAGE = `Usage: deno task bench [options]

Runs the course's experiments headless: a summary on stdout, every sample as
JSON, and an HTML report with charts that opens offline. Without --json and
--html both are written to reports/bench.json and reports/bench.html.

  --quick          test-sized workloads, under 30 s (same as COURSE_QUICK=1)
  --only NAME      run only these experiments; repeat it or give a comma list:
                   ${EXPERIMENT_NAMES.join(", ")}
  --repeats N      measured runs per point, a positive integer
                   (default 5, with --quick 2)
  --json PATH      write machine facts, flags, samples, medians and ratios as JSON
  --html PATH      write the self-contained HTML report
  --python NAME    the Python executable of the python experiment
                   (default python3; when it is missing the experiment is skipped)
  --help           show this help`;

/** What the command line asked for. */
export interface BenchOptions {
  /** Show the help and stop. */
  help: boolean;
  /** Test-sized workloads. */
  quick: boolean;
  /** Measured runs per point. */
  repeats: number;
  /** The experiments to run, in the suite's order. */
  only: ExperimentName[];
  /** Where to write JSON, if anywhere. */
  json?: string;
  /** Where to write the HTML report, if anywhere. */
  html?: string;
  /** The Python executable. */
  python: string;
}

/** A command line the bench cannot run: exit code 2. */
export class BenchUsageError extends Error {
  /** @param message What was wrong, naming the bad value. */
  constructor(message: string) {
    super(message);
    this.name = "BenchUsageError";
  }
}

/**
 * Reads the command line.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @param quickByDefault Whether quick mode is on without `--quick`.
 * @returns The options, defaults filled in.
 * @throws {BenchUsageError} On an unknown flag, a missing value, an unknown
 *   experiment name or a `--repeats` that is not a positive integer.
 *
 * @example
 * ```ts
 * import { parseBenchArgs } from "./bench.ts";
 * import assert from "node:assert/strict";
 * const options = parseBenchArgs(["--quick", "--only", "cpu,io"]);
 * assert.deepEqual(options.only, ["cpu", "io"]);
 * assert.equal(options.repeats, 2);
 * assert.throws(() => parseBenchArgs(["--repeats", "0"]), /received '0'/);
 * ```
 */
export function parseBenchArgs(
  args: readonly string[],
  quickByDefault = false,
): BenchOptions {
  let values;
  try {
    values = parseArgs({
      args: [...args],
      options: {
        quick: { type: "boolean" },
        only: { type: "string", multiple: true },
        repeats: { type: "string" },
        json: { type: "string" },
        html: { type: "string" },
        python: { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const quick = values.quick === true || quickByDefault;
  let repeats = quick ? 2 : 5;
  if (values.repeats !== undefined) {
    try {
      repeats = parseInteger("Invalid flag", "--repeats", values.repeats);
    } catch (error) {
      throw new BenchUsageError((error as Error).message);
    }
  }
  const asked = (values.only ?? []).flatMap((list) => list.split(","))
    .map((name) => name.trim());
  for (const name of asked) {
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(name)) {
      throw new BenchUsageError(
        `Unknown experiment '${name}' in '--only': valid names are ${
          EXPERIMENT_NAMES.join(", ")
        }`,
      );
    }
  }
  return {
    help: values.help === true,
    quick,
    repeats,
    only: asked.length === 0
      ? [...EXPERIMENT_NAMES]
      : EXPERIMENT_NAMES.filter((name) => asked.includes(name)),
    json: values.json,
    html: values.html,
    python: values.python ?? "python3",
  };
}

const REPORTS = new URL("../reports/", import.meta.url);

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(Deno.args, isQuickMode());
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  let { json, html } = options;
  if (json === undefined && html === undefined) {
    await Deno.mkdir(REPORTS, { recursive: true });
    json = decodeURIComponent(new URL("bench.json", REPORTS).pathname);
    html = decodeURIComponent(new URL("bench.html", REPORTS).pathname);
  }
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const bar = progress(progressUnits(options.only), {
    label: "bench",
    eta: true,
    kernel: null,
  });
  const outcomes = await runExperiments(options.only, options, bar)
    .finally(() => bar.finish());
  const report: BenchReport = {
    startedAt,
    wallMs: performance.now() - started,
    flags: {
      quick: options.quick,
      repeats: options.repeats,
      only: options.only,
      python: options.python,
    },
    machine: machineFacts(),
    outcomes,
    ratios: headlineRatios(outcomes),
  };
  console.log(summaryText(report));
  console.log("");
  if (json !== undefined) {
    await Deno.writeTextFile(json, reportJson(report));
    console.log(`wrote ${json}`);
  }
  if (html !== undefined) {
    const plotly = await Deno.readTextFile(PLOTLY_FILE);
    await Deno.writeTextFile(html, reportHtml(report, plotly));
    console.log(`wrote ${html}`);
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main());
}
