/**
 * Cost of the pool's features, side by side: many pipelined `noop` tasks
 * through `WorkerPool.run()` and `WorkerPool.map()` against the raw
 * postMessage floor (round-robin over the same workers and protocol, no
 * checks) and piscina; then one `noop` at a time against a raw ping-pong.
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

/** Benchmarks `name` in `group`. */
function benchContender(
  name: ContenderName,
  group: "throughput" | "latency",
  baseline = false,
): void {
  const benchName = group === "throughput"
    ? `${name} x ${TASK_COUNT} noop, all in flight, ${WORKERS} workers`
    : `${name} x ${ROUNDS} noop, one at a time, 1 worker`;
  Deno.bench({
    name: benchName,
    group,
    baseline,
    n: 50,
    warmup: 5,
    async fn(b) {
      let contender = contenders.get(benchName);
      if (contender === undefined) {
        contender = startContender(name, group === "throughput" ? WORKERS : 1);
        contenders.set(benchName, contender);
      }
      const started = await contender;
      b.start();
      if (group === "throughput") await started.runMany(INPUTS);
      else for (let i = 0; i < ROUNDS; i++) await started.runOne(undefined);
      b.end();
    },
  });
}

benchContender("WorkerPool.run", "throughput", true);
benchContender("WorkerPool.map", "throughput");
benchContender("raw postMessage", "throughput");
benchContender("piscina.run", "throughput");
benchContender("WorkerPool.run", "latency", true);
benchContender("raw postMessage", "latency");
benchContender("piscina.run", "latency");
