/**
 * The suite behind `deno task bench`: every experiment of the course, each
 * calling the same lib function its notebook calls, sized for a headless
 * run, with its summary tables and its charts.
 *
 * @module
 */

import {
  cpuBoundExperiment,
  type CpuBoundResult,
  cpuModesFigure,
  scalingExperiment,
  scalingFigure,
  type ScalingPoint,
} from "../lib/experiments/cpu_bound.ts";
import {
  type IoModeResult,
  ioModesExperiment,
  ioModesFigure,
  throughputFigure,
  type ThroughputPoint,
  throughputSweep,
} from "../lib/experiments/io_bound.ts";
import { startLatencyServer } from "../lib/workloads/latency_server.ts";
import {
  measureMessageCost,
  MESSAGE_MODES,
  messageCostFigure,
  type MessageCostRow,
  payloadSizes,
} from "../lib/experiments/price_of_talking.ts";
import { formatBytes } from "../lib/display/format_bytes.ts";
import {
  type DistributionRow,
  hopCost,
  type HopCostRow,
  hopFigure,
  killRecovery,
  type KillRecoveryRow,
  machineSpeedup,
  type MachineSpeedupRow,
  paysFigure,
  recoveryFigure,
  speedupFigure,
  whenDistributionPays,
} from "../lib/experiments/beyond_one_machine.ts";
import { startRedisServer } from "../lib/pools/redis_server.ts";
import type { Figure } from "../lib/display/plot.ts";
import {
  millisecondTasksFigure,
  type MillisecondTasksRow,
  poolLatency,
  poolLatencyFigure,
  type PoolLatencyRow,
  poolOnMillisecondTasks,
  poolThroughput,
  poolThroughputFigure,
  type PoolThroughputRun,
} from "../lib/experiments/pool_throughput.ts";
import {
  processMapFigure,
  type ProcessMapRow,
  processMapSideBySide,
  pythonPrimes,
  pythonPrimesFigure,
  type PythonResult,
} from "../lib/experiments/python_side_by_side.ts";
import {
  measureStartup,
  startupFigure,
  type StartupRow,
} from "../lib/experiments/startup_memory_isolation.ts";

/** The experiments' names, as `--only` takes them. */
export type ExperimentName =
  | "spawn"
  | "messages"
  | "cpu"
  | "scaling"
  | "io"
  | "pool"
  | "python"
  | "machines";

/** Every experiment's name, in the order the suite runs them. */
export const EXPERIMENT_NAMES: readonly ExperimentName[] = [
  "spawn",
  "messages",
  "cpu",
  "scaling",
  "io",
  "pool",
  "python",
  "machines",
];

/** How big a run is. */
export interface BenchSettings {
  /** Test-sized workloads: the whole suite in seconds. */
  quick: boolean;
  /** Measured runs per point in every experiment, a positive integer. */
  repeats: number;
  /** The Python executable of the `python` experiment. */
  python: string;
}

/** What each experiment measured: the lib functions' own results. */
export interface ExperimentResults {
  /** `measureStartup`: one row per async task, worker, child process. */
  spawn: StartupRow[];
  /** `measureMessageCost`: one row per mode and payload size. */
  messages: MessageCostRow[];
  /** `cpuBoundExperiment`: one result per mode. */
  cpu: CpuBoundResult[];
  /** `scalingExperiment`: one point per worker count. */
  scaling: ScalingPoint[];
  /** `ioModesExperiment` and `throughputSweep` against the loopback server. */
  io: { modes: IoModeResult[]; throughput: ThroughputPoint[] };
  /** `poolThroughput`, `poolLatency` and `poolOnMillisecondTasks`. */
  pool: {
    throughput: PoolThroughputRun;
    latency: PoolLatencyRow[];
    millisecondTasks: MillisecondTasksRow[];
  };
  /**
   * `pythonPrimes` beside `cpuBoundExperiment` on the same workload, and
   * `processMapSideBySide` on the same tiny tasks.
   */
  python: {
    pythonVersion: string;
    python: PythonResult[];
    deno: CpuBoundResult[];
    poolMap: ProcessMapRow[];
  };
  /**
   * The experiments of notebook 11: `machineSpeedup`, `hopCost`,
   * `whenDistributionPays` and `killRecovery`.
   */
  machines: {
    speedup: MachineSpeedupRow[];
    hop: HopCostRow[];
    pays: DistributionRow[];
    kills: KillRecoveryRow[];
  };
}

/** A titled table of summary rows, for stdout and the HTML report. */
export interface SummaryTable {
  /** What the rows are. */
  title: string;
  /** One plain object per row. */
  rows: Record<string, unknown>[];
}

/** An experiment that ran. */
export interface ExperimentDone<Results> {
  /** It ran. */
  status: "done";
  /** The experiment's title. */
  title: string;
  /** The sizes it ran with. */
  parameters: Record<string, unknown>;
  /** What the lib functions returned: every sample they keep, and medians. */
  results: Results;
  /** Its summary tables. */
  tables: SummaryTable[];
  /** Its charts, plotly figures from lib/display/plot.ts. */
  figures: Figure[];
  /** How long it took, in milliseconds. */
  elapsedMs: number;
}

/** An experiment that could not run here, and why. */
export interface ExperimentSkipped {
  /** It did not run. */
  status: "skipped";
  /** The experiment's title. */
  title: string;
  /** Why, e.g. `'python3' was not found on PATH`. */
  reason: string;
  /** How long finding out took, in milliseconds. */
  elapsedMs: number;
}

/** An experiment's outcome. */
export type ExperimentOutcome<Results> =
  | ExperimentDone<Results>
  | ExperimentSkipped;

/** The outcomes of the experiments that were asked for. */
export type BenchOutcomes = {
  [Name in ExperimentName]?: ExperimentOutcome<ExperimentResults[Name]>;
};

type Measured<Results> =
  | Omit<ExperimentDone<Results>, "status" | "title" | "elapsedMs">
  | { skipped: string };

/** One experiment of the suite. */
export interface Experiment<Name extends ExperimentName = ExperimentName> {
  /** Its `--only` name. */
  name: Name;
  /** Its title. */
  title: string;
  /**
   * Its expected share of a default run, in seconds on 2 cores: the weight
   * of its step in the progress bar.
   */
  weight: number;
  /**
   * Runs it.
   *
   * @param settings Quick or not, repeats, the Python executable.
   * @param onProgress Called with the share of the experiment done, 0 to 1.
   */
  run(
    settings: BenchSettings,
    onProgress: (fraction: number) => void,
  ): Promise<Measured<ExperimentResults[Name]>>;
}

const cores = navigator.hardwareConcurrency;

/** A summary row of one prime-counting result, after its identifying cells. */
function primesRow(
  identity: Record<string, unknown>,
  result: { primes: number; medianMs: number; speedup: number },
): Record<string, unknown> {
  return {
    ...identity,
    primes: result.primes,
    "median (ms)": result.medianMs,
    speedup: result.speedup,
  };
}

const spawn: Experiment<"spawn"> = {
  name: "spawn",
  title: "Spawn cost: async task, worker, child process",
  weight: 1,
  async run({ quick, repeats }) {
    const parameters = {
      repeats,
      count: quick ? 1 : 2,
      asyncTasks: quick ? 1_000 : 100_000,
    };
    const results = await measureStartup(parameters);
    return {
      parameters,
      results,
      figures: [startupFigure(results)],
      tables: [{
        title: "Spawn cost",
        rows: results.map((row) => ({
          unit: row.kind,
          "first reply (ms)": row.firstReplyMs,
          "memory (KiB)": row.memoryKiB,
          "memory from": row.memorySource,
        })),
      }],
    };
  },
};

const messages: Experiment<"messages"> = {
  name: "messages",
  title: "Message round trip over payload sizes",
  weight: 2,
  async run({ quick, repeats }, onProgress) {
    const sizes = quick
      ? payloadSizes(1024, 64 * 1024, 8)
      : payloadSizes(1024, 16 * 1024 * 1024, 4);
    let steps = 0;
    const results = await measureMessageCost({
      sizes,
      repeats,
      onStep: () => onProgress(++steps / (sizes.length * MESSAGE_MODES.length)),
    });
    return {
      parameters: { sizes, repeats, modes: MESSAGE_MODES },
      results,
      figures: [messageCostFigure(results)],
      tables: [{
        title: "Median round trip (ms)",
        rows: sizes.map((bytes) => ({
          payload: formatBytes(bytes),
          ...Object.fromEntries(
            results.filter((row) => row.bytes === bytes).map((
              row,
            ) => [row.mode, row.medianMs]),
          ),
        })),
      }],
    };
  },
};

const cpu: Experiment<"cpu"> = {
  name: "cpu",
  title: "CPU-bound: sequential, async, WorkerPool, ProcessPool",
  weight: 10,
  async run({ quick, repeats }) {
    const limit = quick ? 50_000 : 5_000_000;
    const results = await cpuBoundExperiment(limit, { repeats });
    return {
      parameters: { limit, chunks: 2 * cores, parallelism: cores, repeats },
      results,
      figures: [cpuModesFigure(results, { limit, cores })],
      tables: [{
        title: "CPU-bound modes",
        rows: results.map((result) => primesRow({ mode: result.mode }, result)),
      }],
    };
  },
};

const scaling: Experiment<"scaling"> = {
  name: "scaling",
  title: "CPU-bound scaling over 1 to 2× cores",
  weight: 9,
  async run({ quick, repeats }, onProgress) {
    const limit = quick ? 50_000 : 5_000_000;
    const workerCounts = Array.from({ length: 2 * cores }, (_, i) => i + 1);
    const chunks = quick ? 8 : 24;
    const results = await scalingExperiment(limit, {
      workerCounts,
      chunks,
      repeats,
      onPoint: (point) =>
        onProgress(workerCounts.indexOf(point.workers) / workerCounts.length),
    });
    return {
      parameters: { limit, workerCounts, chunks, repeats },
      results,
      figures: [scalingFigure(results, cores)],
      tables: [{
        title: "Scaling",
        rows: results.map((point) =>
          primesRow({ workers: point.workers }, point)
        ),
      }],
    };
  },
};

const io: Experiment<"io"> = {
  name: "io",
  title: "I/O-bound concurrency against a loopback server",
  weight: 13,
  async run({ quick, repeats }, onProgress) {
    const latencyMs = quick ? 20 : 50;
    const requests = quick ? 8 : 20;
    const concurrencies = quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32];
    const sweepRequests = quick ? 8 : 40;
    await using server = startLatencyServer({ latencyMs });
    const modes = await ioModesExperiment(server.url, {
      requests,
      concurrencyLimit: 4,
      workers: cores,
      repeats,
    });
    onProgress(0.5);
    const throughput = await throughputSweep(
      server.url,
      latencyMs,
      concurrencies,
      { requests: sweepRequests },
    );
    return {
      parameters: {
        latencyMs,
        requests,
        concurrencyLimit: 4,
        workers: cores,
        repeats,
        concurrencies,
        sweepRequests,
      },
      results: { modes, throughput },
      figures: [
        ioModesFigure(modes, { requests, latencyMs }),
        throughputFigure(throughput, latencyMs),
      ],
      tables: [
        {
          title: "I/O modes",
          rows: modes.map((mode) => ({
            mode: mode.mode,
            responses: mode.responses,
            "median (ms)": mode.medianMs,
            speedup: mode.speedup,
          })),
        },
        {
          title: "Throughput sweep",
          rows: throughput.map((point) => ({
            "in flight": point.concurrency,
            requests: point.requests,
            "throughput (1/s)": point.throughput,
            "Little's law (1/s)": point.littlesLaw,
          })),
        },
      ],
    };
  },
};

const pool: Experiment<"pool"> = {
  name: "pool",
  title:
    "Pool overhead: raw postMessage, WorkerPool, and pools from npm (piscina, tinypool, workerpool, poolifier-web-worker)",
  weight: 24,
  async run({ quick, repeats }, onProgress) {
    // Enough tasks that per-task costs, not a map's fixed costs, dominate.
    const throughputOptions = {
      tasks: quick ? 500 : 50_000,
      workers: cores,
      repeats,
    };
    // A round trip moves by tens of percent with where the OS puts the
    // worker's thread, which each repeat draws anew: three per repeat.
    const latencyOptions = {
      rounds: quick ? 100 : 2_000,
      repeats: repeats * 3,
    };
    const millisecondOptions = {
      tasks: quick ? 100 : 4_000,
      records: quick ? 20 : 6_000,
      workers: cores,
      repeats,
    };
    const throughput = await poolThroughput(throughputOptions);
    onProgress(0.4);
    const latency = await poolLatency(latencyOptions);
    onProgress(0.6);
    const millisecondTasks = await poolOnMillisecondTasks(millisecondOptions);
    return {
      parameters: {
        throughput: throughputOptions,
        latency: latencyOptions,
        millisecondTasks: millisecondOptions,
      },
      results: { throughput, latency, millisecondTasks },
      figures: [
        poolThroughputFigure(throughput.rows, throughputOptions),
        poolLatencyFigure(latency),
        millisecondTasksFigure(millisecondTasks, millisecondOptions),
      ],
      tables: [
        {
          title: "Pool throughput",
          rows: [
            ...throughput.rows.map((row) => ({
              contender: row.contender,
              tasks: row.tasks,
              workers: row.workers,
              "median (ms)": row.medianMs,
              "tasks/s": row.tasksPerSecond,
            })),
            ...throughput.skipped.map((row) => ({
              contender: row.contender,
              skipped: row.reason,
            })),
          ],
        },
        {
          title: "Pool latency",
          rows: latency.map((row) => ({
            contender: row.contender,
            "median (µs)": row.medianUs,
          })),
        },
        {
          title: "~1 ms tasks",
          rows: millisecondTasks.map((row) => ({
            contender: row.contender,
            tasks: row.tasks,
            "median (ms)": row.medianMs,
            "tasks/s": row.tasksPerSecond,
            speedup: row.speedup,
          })),
        },
      ],
    };
  },
};

const python: Experiment<"python"> = {
  name: "python",
  title: "Python side by side: threads and processes beside workers",
  weight: 30,
  async run({ quick, repeats, python }, onProgress) {
    const limit = quick ? 20_000 : 800_000;
    const chunks = 8;
    const run = await pythonPrimes(limit, {
      python,
      chunks,
      parallelism: cores,
      repeats,
    });
    if (!run.available) return { skipped: run.reason };
    onProgress(0.6);
    const deno = await cpuBoundExperiment(limit, {
      chunks,
      parallelism: cores,
      repeats,
      modes: ["sequential", "workers", "processes"],
    });
    onProgress(0.9);
    // Python's own default chunk size for map: a quarter of an even share.
    const mapTasks = quick ? 2_000 : 100_000;
    // A map takes milliseconds: five per repeat steady the median.
    const mapRepeats = repeats * 5;
    const poolMap = await processMapSideBySide({
      tasks: mapTasks,
      chunkSize: Math.ceil(mapTasks / (4 * cores)),
      processes: cores,
      repeats: mapRepeats,
      python,
    });
    return {
      parameters: {
        limit,
        chunks,
        parallelism: cores,
        repeats,
        python,
        mapTasks,
        mapChunkSize: Math.ceil(mapTasks / (4 * cores)),
        mapRepeats,
      },
      results: {
        pythonVersion: run.version,
        python: run.results,
        deno,
        poolMap: poolMap.rows,
      },
      figures: [
        pythonPrimesFigure(run, deno, limit),
        processMapFigure(poolMap.rows, { tasks: mapTasks, processes: cores }),
      ],
      tables: [{
        title: "Python and Deno, same workload",
        rows: [
          ...run.results.map((result) =>
            primesRow({ language: "Python", mode: result.mode }, result)
          ),
          ...deno.map((result) =>
            primesRow({ language: "Deno", mode: result.mode }, result)
          ),
        ],
      }, {
        title: "Process pool map of tiny tasks",
        rows: poolMap.rows.map((row) => ({
          pool: row.contender,
          "median (ms)": row.medianMs,
          "tasks/s": row.tasksPerSecond,
        })),
      }],
    };
  },
};

const machines: Experiment<"machines"> = {
  name: "machines",
  title: "Beyond one machine: a BullMQ queue on Redis, machines as processes",
  weight: 75,
  async run({ quick, repeats }, onProgress) {
    if (!Deno.env.get("REDIS_URL")) {
      try {
        await (await startRedisServer()).close();
      } catch (error) {
        return {
          skipped: error instanceof Error ? error.message : String(error),
        };
      }
    }
    const parameters = {
      limit: quick ? 50_000 : 4_000_000,
      machines: quick ? [1, 2] : [1, 2, 4],
      chunks: 16,
      repeats,
      rounds: quick ? 20 : 200,
      tasksInFlight: quick ? 50 : 1_000,
      taskSizesMs: quick ? [1, 10] : [0.1, 1, 10, 100],
      workPerSlotMs: quick ? 20 : 400,
      lockDurationsMs: quick ? [1_000] : [1_000, 2_000, 4_000],
    };
    const speedup = await machineSpeedup(parameters.limit, {
      machines: parameters.machines,
      chunks: parameters.chunks,
      repeats,
    });
    onProgress(0.4);
    const hop = await hopCost({
      rounds: parameters.rounds,
      tasks: parameters.tasksInFlight,
      repeats,
    });
    onProgress(0.6);
    const pays = await whenDistributionPays({
      taskSizesMs: parameters.taskSizesMs,
      workPerSlotMs: parameters.workPerSlotMs,
    });
    onProgress(0.8);
    const kills = await killRecovery({
      lockDurationsMs: parameters.lockDurationsMs,
    });
    return {
      parameters,
      results: { speedup, hop, pays, kills },
      figures: [
        speedupFigure(speedup, parameters.limit),
        hopFigure(hop),
        paysFigure(pays),
        recoveryFigure(kills),
      ],
      tables: [
        {
          title: "Speedup: workers, processes, machines",
          rows: speedup.map((row) =>
            primesRow({ mode: row.mode, units: row.units }, row)
          ),
        },
        {
          title: "The price of the hop (µs per noop task)",
          rows: hop.map((row) => ({
            carrier: row.carrier,
            "round trip (µs)": row.roundTripUs,
            "per task, many in flight (µs)": row.perTaskUs,
          })),
        },
        {
          title: "When distribution pays: queue against workers, same slots",
          rows: pays.map((row) => ({
            "task (ms)": row.taskMs,
            tasks: row.tasks,
            "workers (ms)": row.workersMs,
            "queue (ms)": row.queueMs,
            "queue keeps (×)": row.queueShare,
          })),
        },
        {
          title: "A machine killed mid-job",
          rows: kills.map((row) => ({
            "lockDuration (ms)": row.lockDurationMs,
            "stalled after (ms)": row.stalledAfterMs ?? "no job was running",
            "running again after (ms)": row.rerunAfterMs ?? "-",
            results: `${row.results} of ${row.tasks}`,
            failed: row.failure === undefined
              ? 0
              : `${row.failed}: ${row.failure}`,
            "exactly once": row.exactlyOnce,
          })),
        },
      ],
    };
  },
};

/** Every experiment, by name. */
export const EXPERIMENTS: {
  readonly [Name in ExperimentName]: Experiment<Name>;
} = {
  spawn,
  messages,
  cpu,
  scaling,
  io,
  pool,
  python,
  machines,
};
