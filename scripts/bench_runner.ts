/**
 * Runs the bench's experiments one after another, in the suite's order,
 * reporting which one is running and how much of the expected time is done.
 *
 * @module
 */

import {
  type BenchOutcomes,
  type BenchSettings,
  type Experiment,
  EXPERIMENT_NAMES,
  type ExperimentName,
  EXPERIMENTS,
} from "./bench_experiments.ts";

/** What {@linkcode runExperiments} reports its progress to. */
export interface ProgressSink {
  /** Adds done weight units (tenths of an expected second). */
  tick(units: number): void;
  /** Names the experiment now running. */
  status(text: string): void;
}

/**
 * The progress bar's total for these experiments: their weights, in tenths
 * of an expected second.
 *
 * @param names The experiments to run.
 * @returns The total weight units.
 *
 * @example
 * ```ts
 * import { progressUnits } from "./bench_runner.ts";
 * import { EXPERIMENTS } from "./bench_experiments.ts";
 * import assert from "node:assert/strict";
 * assert.equal(progressUnits(["cpu"]), EXPERIMENTS.cpu.weight * 10);
 * ```
 */
export function progressUnits(names: readonly ExperimentName[]): number {
  return names.reduce(
    (total, name) => total + EXPERIMENTS[name].weight * 10,
    0,
  );
}

/**
 * Runs the named experiments one after another, in the suite's order.
 *
 * @param names The experiments to run.
 * @param settings Quick or not, repeats, the Python executable.
 * @param sink Where progress goes: weight units done and the running step.
 * @returns One outcome per experiment run.
 * @throws {Error} When an experiment fails (its results disagree, a
 *   child process dies); the experiments after it do not run.
 *
 * @example
 * ```ts
 * import { runExperiments } from "./bench_runner.ts";
 * import assert from "node:assert/strict";
 * const outcomes = await runExperiments(
 *   ["spawn"],
 *   { quick: true, repeats: 1, python: "python3" },
 *   { tick() {}, status() {} },
 * );
 * assert.equal(outcomes.spawn?.status, "done");
 * ```
 */
export async function runExperiments(
  names: readonly ExperimentName[],
  settings: BenchSettings,
  sink: ProgressSink,
): Promise<BenchOutcomes> {
  const outcomes: BenchOutcomes = {};
  const ordered = EXPERIMENT_NAMES.filter((name) => names.includes(name));
  for (const [index, name] of ordered.entries()) {
    const experiment: Experiment = EXPERIMENTS[name];
    const units = experiment.weight * 10;
    let reported = 0;
    const onProgress = (fraction: number) => {
      const reach = Math.floor(Math.min(1, Math.max(0, fraction)) * units);
      if (reach > reported) {
        sink.tick(reach - reported);
        reported = reach;
      }
    };
    sink.status(`${name} (${index + 1}/${ordered.length})`);
    const started = performance.now();
    let measured;
    try {
      measured = await experiment.run(settings, onProgress);
    } catch (error) {
      throw new Error(
        `The ${name} experiment failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const elapsedMs = performance.now() - started;
    onProgress(1);
    (outcomes as Record<string, unknown>)[name] = "skipped" in measured
      ? {
        status: "skipped",
        title: experiment.title,
        reason: measured.skipped,
        elapsedMs,
      }
      : { status: "done", title: experiment.title, ...measured, elapsedMs };
  }
  sink.status("done");
  return outcomes;
}
