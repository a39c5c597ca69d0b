/**
 * Cost of the pool's features, side by side: many pipelined `noop` tasks
 * through `WorkerPool.run()` and `WorkerPool.map()` against the raw
 * postMessage floor (round-robin over the same workers and protocol, no
 * checks) and the pools from npm (piscina, tinypool, workerpool,
 * poolifier-web-worker); then one `noop` at a time against a raw ping-pong
 * and piscina. A pool from npm that cannot run under Deno is listed as
 * ignored, with its reason printed before the results.
 * Run with `deno bench --allow-all lib/experiments/pool_throughput_bench.ts`.
 *
 * One round trip takes about 25 µs while both threads stay awake and about
 * 100 µs when they fall asleep between messages; which one a bench gets
 * depends on the machine's load at that moment, so compare latencies by
 * their `min` column. `poolLatency()` in `pool_throughput.ts` interleaves the
 * contenders instead, which is fairer on a busy machine.
 *
 * @module
 */

import {
  type Contender,
  type ContenderName,
  ContenderUnavailable,
  PEERS,
  startContender,
} from "./_pool_contenders.ts";

const WORKERS = 4;
const TASK_COUNT = 2_000;
const ROUNDS = 200;
const INPUTS = new Array(TASK_COUNT).fill(undefined);

/**
 * Contenders by bench, started (and warmed up) on first use and kept for the
 * bench's later runs, so that each run times the tasks only. They stay up
 * until `deno bench` exits, which it does with workers still running.
 */
const contenders = new Map<string, Promise<Contender>>();

type Group = "throughput" | "latency";

/** The bench's name, which also keys its contender. */
function benchName(name: ContenderName, group: Group): string {
  return group === "throughput"
    ? `${name} x ${TASK_COUNT} noop, all in flight, ${WORKERS} workers`
    : `${name} x ${ROUNDS} noop, one at a time, 1 worker`;
}

/** The contender of `name`'s bench in `group`, started on first use. */
function contenderFor(name: ContenderName, group: Group): Promise<Contender> {
  const key = benchName(name, group);
  let contender = contenders.get(key);
  if (contender === undefined) {
    contender = startContender(name, group === "throughput" ? WORKERS : 1);
    contenders.set(key, contender);
  }
  return contender;
}

/** Benchmarks `name` in `group`; `ignored` says why it cannot run here. */
function benchContender(
  name: ContenderName,
  group: Group,
  options: { baseline?: boolean; ignored?: string } = {},
): void {
  Deno.bench({
    name: benchName(name, group),
    group,
    baseline: options.baseline ?? false,
    ignore: options.ignored !== undefined,
    n: 50,
    warmup: 5,
    async fn(b) {
      const started = await contenderFor(name, group);
      b.start();
      if (group === "throughput") await started.runMany(INPUTS);
      else for (let i = 0; i < ROUNDS; i++) await started.runOne(undefined);
      b.end();
    },
  });
}

/**
 * Why `peer` cannot run under Deno here, found by starting it once (the
 * started pool is kept for its bench); `undefined` when it runs.
 */
async function whyUnavailable(
  peer: ContenderName,
): Promise<string | undefined> {
  try {
    await contenderFor(peer, "throughput");
    return undefined;
  } catch (error) {
    if (!(error instanceof ContenderUnavailable)) throw error;
    console.log(`ignored: ${error.message}`);
    return error.message;
  }
}

benchContender("WorkerPool.run", "throughput", { baseline: true });
benchContender("WorkerPool.map", "throughput");
benchContender("raw postMessage", "throughput");
for (const peer of PEERS) {
  benchContender(peer, "throughput", { ignored: await whyUnavailable(peer) });
}
benchContender("WorkerPool.run", "latency", { baseline: true });
benchContender("raw postMessage", "latency");
benchContender("piscina.run", "latency");
