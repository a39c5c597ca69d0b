import assert from "node:assert/strict";
import type { BenchOutcomes, ExperimentResults } from "./bench_experiments.ts";
import { headlineRatios } from "./bench_ratios.ts";

function done<Results>(results: Results) {
  return {
    status: "done" as const,
    title: "t",
    parameters: {},
    tables: [],
    figures: [],
    elapsedMs: 1,
    results,
  };
}

function cpuResult(
  mode: "sequential" | "async tasks" | "workers" | "processes",
  medianMs: number,
  sequentialMs: number,
) {
  return {
    mode,
    primes: 10,
    samplesMs: [medianMs],
    medianMs,
    speedup: sequentialMs / medianMs,
  };
}

type PoolResults = ExperimentResults["pool"];

const pool: PoolResults = {
  throughput: {
    rows: [
      { contender: "raw postMessage", ms: 10 },
      { contender: "WorkerPool.run", ms: 20 },
      { contender: "WorkerPool.map", ms: 5 },
      { contender: "piscina.run", ms: 40 },
      { contender: "workerpool.exec", ms: 80 },
    ].map(({ contender, ms }) => ({
      contender: contender as PoolResults["throughput"]["rows"][0]["contender"],
      tasks: 1000,
      workers: 2,
      samplesMs: [ms],
      medianMs: ms,
      tasksPerSecond: 1000 / (ms / 1000),
    })),
    skipped: [{ contender: "tinypool.run", reason: "it hung" }],
  },
  latency: [
    { contender: "raw postMessage", samplesUs: [20], medianUs: 20 },
    { contender: "WorkerPool.run", samplesUs: [30], medianUs: 30 },
    { contender: "piscina.run", samplesUs: [60], medianUs: 60 },
  ],
  millisecondTasks: [
    { contender: "one thread", tasksPerSecond: 500 },
    { contender: "raw postMessage", tasksPerSecond: 900 },
    { contender: "WorkerPool.run", tasksPerSecond: 990 },
    { contender: "WorkerPool.map", tasksPerSecond: 1000 },
  ].map(({ contender, tasksPerSecond }) => ({
    contender: contender as PoolResults["millisecondTasks"][0]["contender"],
    tasks: 100,
    samplesMs: [100_000 / tasksPerSecond],
    medianMs: 100_000 / tasksPerSecond,
    tasksPerSecond,
    speedup: tasksPerSecond / 500,
  })),
};

const python: ExperimentResults["python"] = {
  pythonVersion: "3.11.7",
  python: [
    {
      mode: "sequential",
      primes: 10,
      samplesMs: [800],
      medianMs: 800,
      speedup: 1,
    },
    {
      mode: "threads",
      primes: 10,
      samplesMs: [800],
      medianMs: 800,
      speedup: 1,
    },
    {
      mode: "processes",
      primes: 10,
      samplesMs: [500],
      medianMs: 500,
      speedup: 1.6,
    },
  ],
  deno: [
    cpuResult("sequential", 40, 40),
    cpuResult("workers", 20, 40),
    cpuResult("processes", 25, 40),
  ],
  poolMap: [
    {
      contender: "ProcessPool.map",
      samplesMs: [10],
      medianMs: 10,
      tasksPerSecond: 3000,
    },
    {
      contender: "multiprocessing.Pool.map",
      samplesMs: [30],
      medianMs: 30,
      tasksPerSecond: 1000,
    },
  ],
};

const speedupRow = (mode: string, units: number, medianMs: number) => ({
  mode,
  units,
  primes: 10,
  samplesMs: [medianMs],
  medianMs,
  speedup: 100 / medianMs,
});

const hopRow = (
  carrier: ExperimentResults["machines"]["hop"][number]["carrier"],
  roundTripUs: number,
) => ({
  carrier,
  roundTripSamplesUs: [roundTripUs],
  roundTripUs,
  perTaskSamplesUs: [1],
  perTaskUs: 1,
});

const machines: ExperimentResults["machines"] = {
  speedup: [
    speedupRow("sequential", 1, 100),
    speedupRow("1 machine", 1, 125),
    speedupRow("4 machines", 4, 80),
  ],
  hop: [
    hopRow("worker message (WorkerPool)", 100),
    hopRow("pipe (ProcessPool)", 400),
    hopRow("Redis queue (QueuePool)", 3000),
  ],
  pays: [],
  kills: [{
    lockDurationMs: 1000,
    stalledIntervalMs: 1000,
    killedPid: 1,
    lostJob: "a-3",
    stalledAfterMs: 1400,
    rerunAfterMs: 1500,
    tasks: 12,
    results: 12,
    failed: 0,
    failure: undefined,
    exactlyOnce: true,
    stalledJobs: 1,
  }],
};

Deno.test("headlineRatios() divides the medians of the same run", () => {
  const outcomes: BenchOutcomes = {
    cpu: done([
      cpuResult("sequential", 100, 100),
      cpuResult("async tasks", 100, 100),
      cpuResult("workers", 50, 100),
      cpuResult("processes", 80, 100),
    ]),
    pool: done(pool),
    python: done(python),
    machines: done(machines),
  };
  const ratios = Object.fromEntries(
    headlineRatios(outcomes).map((ratio) => [ratio.name, ratio.value]),
  );
  assert.deepEqual(ratios, {
    "WorkerPool.run / best npm pool throughput": 2,
    "WorkerPool.map / best npm pool throughput": 8,
    "WorkerPool.run / raw postMessage latency": 1.5,
    "WorkerPool.run / raw postMessage rate on ~1 ms tasks": 1.1,
    "WorkerPool speedup over sequential": 2,
    "ProcessPool speedup over sequential": 1.25,
    "Python processes / Deno workers time": 25,
    "Deno workers speedup / Python processes speedup": 2 / 1.6,
    "ProcessPool.map / multiprocessing.Pool.map throughput": 3,
    "Python threads speedup over sequential": 1,
    "QueuePool / WorkerPool round trip": 30,
    "4 machines speedup over sequential": 1.25,
    "kill → job running again / lockDuration": 1.5,
  });
});

Deno.test("headlineRatios() names the best npm pool and states the goals", () => {
  const ratios = headlineRatios({ pool: done(pool), python: done(python) });
  const byName = Object.fromEntries(ratios.map((ratio) => [ratio.name, ratio]));
  assert.match(
    byName["WorkerPool.run / best npm pool throughput"].meaning,
    /best npm pool here was piscina\.run/,
  );
  assert.deepEqual(
    ratios.filter((ratio) => ratio.goal).map((
      ratio,
    ) => [ratio.name, ratio.goal]),
    [
      ["WorkerPool.run / best npm pool throughput", "≥ 5"],
      ["WorkerPool.run / raw postMessage latency", "≤ 1.05"],
      ["WorkerPool.run / raw postMessage rate on ~1 ms tasks", "≥ 1.0"],
      ["ProcessPool.map / multiprocessing.Pool.map throughput", "≥ 2"],
    ],
  );
});

Deno.test("headlineRatios() leaves out ratios whose experiment was skipped or not run", () => {
  const ratios = headlineRatios({
    python: {
      status: "skipped",
      title: "Python",
      reason: "'python3' was not found on PATH",
      elapsedMs: 1,
    },
    pool: done(pool),
  });
  assert.deepEqual(
    ratios.map((ratio) => ratio.experiment),
    ["pool", "pool", "pool", "pool"],
  );
  assert.deepEqual(headlineRatios({}), []);
});
