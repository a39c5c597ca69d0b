/**
 * Reproduces a lost worker message. A worker that posts a message at its top
 * level, before its parent has sent it anything, sometimes never has that
 * message delivered when the parent runs under `deno test`, although the
 * worker is running and answers every later message. Under `deno run` the
 * same code lost nothing. This is why the course's pools and workers never
 * speak first: the parent asks (`hello`) and the worker answers (`ready`),
 * see `lib/pools/_messages.ts`.
 *
 * Each run is a fresh process, `deno test` (or `deno run` with `--mode run`)
 * of `testdata/first_message_probe.ts`, which starts `--workers` workers of
 * `testdata/speaks_first_worker.js` at once, waits 3 s for their first
 * messages, then pings each one and waits for the reply.
 *
 * Usage: `deno run -A scripts/first_message_repro.ts [--runs 40]
 * [--workers 4] [--mode test|run] [--timers each|after] [--deno PATH]`
 * (`--timers`: when the parent starts each worker's 3 s wait, see the probe;
 * `--deno`: another Deno binary, e.g. the one `npx -y deno@2.9.6` installs).
 *
 * Observed on a 2-core Linux machine shared with other jobs (2026-12-02), 40
 * fresh processes of 4 workers per row. No first message came late: each
 * one either arrived within the wait or never. Every worker answered the
 * later ping, in every run (960 of 960).
 *
 * | Deno  | mode        | timers  | runs with a loss | first messages lost |
 * | ----- | ----------- | ------- | ---------------- | ------------------- |
 * | 2.9.0 | `deno test` | `each`  | 7 of 40          | 9 of 160            |
 * | 2.9.0 | `deno test` | `after` | 0 of 40          | 0 of 160            |
 * | 2.9.0 | `deno run`  | `each`  | 0 of 40          | 0 of 160            |
 * | 2.9.6 | `deno test` | `each`  | 6 of 40          | 7 of 160            |
 * | 2.9.6 | `deno test` | `after` | 0 of 40          | 0 of 160            |
 * | 2.9.6 | `deno run`  | `each`  | 0 of 40          | 0 of 160            |
 *
 * The loss needs `deno test` and the parent starting a timer between setting
 * one worker's `onmessage` and the next's, which is what a helper that sets
 * a handler and a timeout per worker does; why, in Deno, is not known here.
 * No upstream report of it was found in denoland/deno's issues.
 *
 * @module
 */

import { splitLines } from "../lib/util/lines.ts";
import { runCommand } from "../lib/util/run_command.ts";
import { parseInteger } from "../lib/util/validate.ts";
import { parseCliOrExit } from "./parse_cli.ts";
import type { ProbeResult } from "./testdata/first_message_probe.ts";

const PROBE = new URL("./testdata/first_message_probe.ts", import.meta.url);

/** The totals over many probes. */
export interface ReproSummary {
  /** Fresh processes run. */
  runs: number;
  /** Processes in which at least one first message was lost. */
  runsWithLoss: number;
  /** First messages expected in all (runs × workers). */
  messages: number;
  /** First messages that never arrived. */
  lost: number;
  /** First messages that arrived after the wait, before the reply. */
  late: number;
  /** Workers that answered the later ping, of `messages`. */
  answered: number;
}

/**
 * Adds up the probes' results.
 *
 * @param results One result per fresh process.
 * @returns The totals.
 *
 * @example
 * ```ts
 * import { summarize } from "./first_message_repro.ts";
 * import assert from "node:assert/strict";
 * const summary = summarize([
 *   { workers: 4, lost: [2], late: [], answered: 4 },
 *   { workers: 4, lost: [], late: [0], answered: 4 },
 * ]);
 * assert.deepEqual(summary, {
 *   runs: 2, runsWithLoss: 1, messages: 8, lost: 1, late: 1, answered: 8,
 * });
 * ```
 */
export function summarize(results: readonly ProbeResult[]): ReproSummary {
  const total = (count: (r: ProbeResult) => number) =>
    results.reduce((sum, r) => sum + count(r), 0);
  return {
    runs: results.length,
    runsWithLoss: results.filter((r) => r.lost.length > 0).length,
    messages: total((r) => r.workers),
    lost: total((r) => r.lost.length),
    late: total((r) => r.late.length),
    answered: total((r) => r.answered),
  };
}

/**
 * Runs the probe once in a fresh `deno` process.
 *
 * @param deno The `deno` executable.
 * @param mode `"test"` for `deno test`, `"run"` for `deno run`.
 * @param workers Workers the probe starts at once.
 * @param timers When the probe starts its waits: `"each"` right after each
 *   worker's `onmessage` is set, `"after"` once all are set.
 * @returns What the probe saw.
 * @throws {Error} When the process fails or prints no result line.
 *
 * @example
 * ```ts
 * import { runProbe } from "./first_message_repro.ts";
 * import assert from "node:assert/strict";
 * const result = await runProbe(Deno.execPath(), "run", 2);
 * assert.equal(result.answered, 2);
 * ```
 */
export async function runProbe(
  deno: string,
  mode: "test" | "run",
  workers: number,
  timers: "each" | "after" = "each",
): Promise<ProbeResult> {
  const args = mode === "test"
    ? ["test", "--allow-all", "--no-check", PROBE.pathname]
    : ["run", "--allow-all", "--no-check", PROBE.pathname, "--run"];
  const what = `The probe (deno ${mode})`;
  const { stdout } = await runCommand(deno, args, {
    what,
    env: { NO_COLOR: "1", WORKERS: String(workers), TIMERS: timers },
  });
  const line = splitLines(stdout).find((l) => l.startsWith('{"workers"'));
  if (line === undefined) {
    throw new Error(
      `${what} printed no result line, received ${JSON.stringify(stdout)}`,
    );
  }
  return JSON.parse(line);
}

/** The usage line, printed after a bad flag. */
const USAGE =
  "Usage: deno run -A scripts/first_message_repro.ts [--runs 40] [--workers 4] [--mode test|run] [--timers each|after] [--deno PATH]";

if (import.meta.main) {
  const { values } = parseCliOrExit("first_message_repro", USAGE, {
    args: Deno.args,
    options: {
      runs: { type: "string", default: "40" },
      workers: { type: "string", default: "4" },
      mode: { type: "string", default: "test" },
      timers: { type: "string", default: "each" },
      deno: { type: "string", default: Deno.execPath() },
    },
  });
  const { mode, timers } = values;
  let runs: number, workers: number;
  try {
    runs = parseInteger("Invalid flag", "--runs", values.runs);
    workers = parseInteger("Invalid flag", "--workers", values.workers);
    if (mode !== "test" && mode !== "run") {
      throw new RangeError(
        `Invalid flag: '--mode' must be "test" or "run", received ${mode}`,
      );
    }
    if (timers !== "each" && timers !== "after") {
      throw new RangeError(
        `Invalid flag: '--timers' must be "each" or "after", received ${timers}`,
      );
    }
  } catch (error) {
    console.error(
      `first_message_repro: ${(error as Error).message}\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const version = splitLines(
    (await runCommand(values.deno, ["--version"])).stdout,
  )[0];
  const loadBefore = Deno.loadavg()[0].toFixed(1);
  const results: ProbeResult[] = [];
  for (let run = 1; run <= runs; run++) {
    const result = await runProbe(values.deno, mode, workers, timers);
    results.push(result);
    console.error(`run ${run}/${runs}: ${JSON.stringify(result)}`);
  }
  const s = summarize(results);
  const lostBy = results.flatMap((r) => r.lost);
  console.log(
    `${version}, deno ${mode}, ${workers} workers at once, timers ${timers}: first messages lost in ${s.runsWithLoss} of ${s.runs} runs, ${s.lost} of ${s.messages} in all (by worker index: ${
      JSON.stringify(lostBy)
    }); ${s.late} late; ${s.answered} of ${s.messages} workers answered a later ping; 1-minute load average ${loadBefore} before, ${
      Deno.loadavg()[0].toFixed(1)
    } after`,
  );
}
