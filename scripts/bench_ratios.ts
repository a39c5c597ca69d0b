/**
 * The headline ratios of a bench run, each dividing medians measured in the
 * same run: our pool against the pools from npm and the raw `postMessage`
 * floor, the pools' speedups, and Deno against Python on the same workload.
 *
 * @module
 */

import type { BenchOutcomes, ExperimentName } from "./bench_experiments.ts";

/** One headline ratio, computed from samples of the same run. */
export interface HeadlineRatio {
  /** What is divided by what. */
  name: string;
  /** The ratio. */
  value: number;
  /** How to read it. */
  meaning: string;
  /** The target the project set for it, when it has one, e.g. `≥ 2`. */
  goal?: string;
  /** The experiment it comes from. */
  experiment: ExperimentName;
}

/** Our contenders; every other one is a pool from npm. */
const OURS: readonly string[] = [
  "raw postMessage",
  "WorkerPool.run",
  "WorkerPool.map",
];

function find<Row, Key extends keyof Row>(
  rows: readonly Row[],
  key: Key,
  value: Row[Key],
): Row | undefined {
  return rows.find((row) => row[key] === value);
}

/**
 * The headline ratios of a run: our pool against the best pool from npm
 * and against the raw `postMessage` floor, the pools' speedups over
 * sequential, Deno's workers against Python's processes, and the queue's
 * round trip, speedup and recovery after a killed machine. A ratio whose
 * experiment did not run
 * is left out.
 *
 * @param outcomes The run's outcomes.
 * @returns The ratios that could be computed.
 *
 * @example
 * ```ts
 * import { headlineRatios } from "./bench_ratios.ts";
 * import assert from "node:assert/strict";
 * const result = (mode: "sequential" | "workers", medianMs: number) => ({
 *   mode, primes: 168, samplesMs: [medianMs], medianMs, speedup: 100 / medianMs,
 * });
 * const ratios = headlineRatios({
 *   cpu: {
 *     status: "done", title: "CPU", parameters: {}, tables: [], figures: [],
 *     elapsedMs: 1, results: [result("sequential", 100), result("workers", 50)],
 *   },
 * });
 * assert.deepEqual(ratios.map((ratio) => [ratio.name, ratio.value]), [
 *   ["WorkerPool speedup over sequential", 2],
 * ]);
 * ```
 */
export function headlineRatios(outcomes: BenchOutcomes): HeadlineRatio[] {
  const ratios: HeadlineRatio[] = [];
  const add = (
    experiment: ExperimentName,
    name: string,
    value: number | undefined,
    meaning: string,
    goal?: string,
  ) => {
    if (value !== undefined && Number.isFinite(value)) {
      ratios.push({ name, value, meaning, experiment, ...goal && { goal } });
    }
  };
  const pool = outcomes.pool?.status === "done"
    ? outcomes.pool.results
    : undefined;
  if (pool) {
    const rows = pool.throughput.rows;
    const peers = rows.filter((row) => !OURS.includes(row.contender));
    const best = peers.reduce<typeof peers[number] | undefined>(
      (best, row) =>
        best === undefined || row.tasksPerSecond > best.tasksPerSecond
          ? row
          : best,
      undefined,
    );
    for (const ours of ["WorkerPool.run", "WorkerPool.map"] as const) {
      const row = find(rows, "contender", ours);
      add(
        "pool",
        `${ours} / best npm pool throughput`,
        row && best && row.tasksPerSecond / best.tasksPerSecond,
        `tiny tasks; the best npm pool here was ${best?.contender}`,
        ours === "WorkerPool.run" ? "≥ 5" : undefined,
      );
    }
    const floor = find(pool.latency, "contender", "raw postMessage");
    const ours = find(pool.latency, "contender", "WorkerPool.run");
    add(
      "pool",
      "WorkerPool.run / raw postMessage latency",
      ours && floor && ours.medianUs / floor.medianUs,
      "1 is the floor: how many times the bare round trip one task takes",
      "≤ 1.05",
    );
    const rawRate = find(pool.millisecondTasks, "contender", "raw postMessage");
    const runRate = find(pool.millisecondTasks, "contender", "WorkerPool.run");
    add(
      "pool",
      "WorkerPool.run / raw postMessage rate on ~1 ms tasks",
      runRate && rawRate && runRate.tasksPerSecond / rawRate.tasksPerSecond,
      "1 is the floor's rate: above it the pool keeps its workers busier",
      "≥ 1.0",
    );
  }
  const cpu = outcomes.cpu?.status === "done"
    ? outcomes.cpu.results
    : undefined;
  if (cpu) {
    add(
      "cpu",
      "WorkerPool speedup over sequential",
      find(cpu, "mode", "workers")?.speedup,
      `of ${navigator.hardwareConcurrency} cores; 1 is no gain`,
    );
    add(
      "cpu",
      "ProcessPool speedup over sequential",
      find(cpu, "mode", "processes")?.speedup,
      `of ${navigator.hardwareConcurrency} cores; 1 is no gain`,
    );
  }
  const python = outcomes.python?.status === "done"
    ? outcomes.python.results
    : undefined;
  if (python) {
    const workers = find(python.deno, "mode", "workers");
    const processes = find(python.python, "mode", "processes");
    add(
      "python",
      "Python processes / Deno workers time",
      workers && processes && processes.medianMs / workers.medianMs,
      "above 1: Deno's workers finish the same primes that many times sooner",
    );
    const pythonSequential = find(python.python, "mode", "sequential");
    const denoSequential = find(python.deno, "mode", "sequential");
    add(
      "python",
      "Deno workers speedup / Python processes speedup",
      workers && processes && denoSequential && pythonSequential &&
        (denoSequential.medianMs / workers.medianMs) /
          (pythonSequential.medianMs / processes.medianMs),
      `each over its own sequential run; Deno's sequential run is ${
        denoSequential && pythonSequential
          ? (pythonSequential.medianMs / denoSequential.medianMs).toFixed(0)
          : "?"
      }x shorter, so its fixed messaging costs weigh more`,
    );
    const ourMap = find(python.poolMap, "contender", "ProcessPool.map");
    const theirMap = find(
      python.poolMap,
      "contender",
      "multiprocessing.Pool.map",
    );
    add(
      "python",
      "ProcessPool.map / multiprocessing.Pool.map throughput",
      ourMap && theirMap && ourMap.tasksPerSecond / theirMap.tasksPerSecond,
      "same tiny tasks, chunk size and processes; above 1: ours moves more per second",
      "≥ 2",
    );
    const threads = find(python.python, "mode", "threads");
    add(
      "python",
      "Python threads speedup over sequential",
      threads?.speedup,
      "about 1: the GIL lets one thread run at a time",
    );
  }
  const machines = outcomes.machines?.status === "done"
    ? outcomes.machines.results
    : undefined;
  if (machines) {
    const queue = find(machines.hop, "carrier", "Redis queue (QueuePool)");
    const worker = find(
      machines.hop,
      "carrier",
      "worker message (WorkerPool)",
    );
    add(
      "machines",
      "QueuePool / WorkerPool round trip",
      queue && worker && queue.roundTripUs / worker.roundTripUs,
      "how many times a worker message's round trip one tiny task takes through Redis and a machine",
    );
    const most = machines.speedup.at(-1);
    add(
      "machines",
      `${most?.mode ?? "machines"} speedup over sequential`,
      most?.mode.includes("machine") ? most.speedup : undefined,
      `machines are processes sharing this host's ${navigator.hardwareConcurrency} cores; 1 is no gain`,
    );
    const longest = machines.kills.at(-1);
    add(
      "machines",
      "kill → job running again / lockDuration",
      longest?.rerunAfterMs !== undefined
        ? longest.rerunAfterMs / longest.lockDurationMs
        : undefined,
      `at lockDuration ${
        longest?.lockDurationMs ?? "?"
      } ms; above 1: the lock's expiry plus the wait for the next stalled-job check`,
    );
  }
  return ratios;
}
