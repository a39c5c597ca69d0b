import assert from "node:assert/strict";
import {
  checkIoParameters,
  ioModesExperiment,
  sleepingTasks,
  throughputSweep,
} from "./io_experiment.ts";
import { startLatencyServer } from "./latency_server.ts";

const good = {
  latencyMs: 50,
  requests: 20,
  concurrencyLimit: 4,
  workers: 2,
  concurrencies: [1, 2, 4],
  sleepTasks: 5,
  sleepMs: 100,
};

Deno.test("checkIoParameters accepts good knobs and names a bad one", () => {
  checkIoParameters(good);
  assert.throws(() => checkIoParameters({ ...good, workers: 0 }), {
    name: "RangeError",
    message:
      "Cannot run the I/O-bound notebook: 'workers' must be a positive integer, received 0",
  });
  assert.throws(
    () => checkIoParameters({ ...good, latencyMs: -1 }),
    /'latencyMs' must be a non-negative number of milliseconds, received -1/,
  );
  assert.throws(
    () => checkIoParameters({ ...good, concurrencies: [1, 2.5] }),
    /'concurrencies\[1\]' must be a positive integer, received 2.5/,
  );
});

Deno.test("ioModesExperiment: concurrent modes beat sequential on a slow server", async () => {
  await using server = startLatencyServer({ latencyMs: 50 });
  const results = await ioModesExperiment(server.url, {
    requests: 8,
    concurrencyLimit: 4,
    workers: 2,
  });
  assert.deepEqual(results.map((r) => r.mode), [
    "sequential",
    "Promise.all",
    "limited",
    "workers",
  ]);
  for (const result of results) assert.equal(result.responses, 8);
  const [sequential, all, limited] = results;
  assert.ok(sequential.medianMs >= 8 * 50 - 5);
  assert.ok(all.speedup > 3, `Promise.all speedup ${all.speedup}`);
  assert.ok(limited.speedup > 2, `limited speedup ${limited.speedup}`);
});

Deno.test("throughputSweep follows Little's law on an idle server", async () => {
  await using server = startLatencyServer({ latencyMs: 50 });
  const points = await throughputSweep(server.url, 50, [1, 4], {
    requests: 8,
  });
  assert.deepEqual(points.map((p) => p.littlesLaw), [20, 80]);
  for (const point of points) {
    assert.ok(point.throughput <= point.littlesLaw * 1.05);
    assert.ok(point.throughput > point.littlesLaw * 0.5, JSON.stringify(point));
  }
  await assert.rejects(
    () => throughputSweep(server.url, 0, [1]),
    /'latencyMs' must be a positive number of milliseconds, received 0/,
  );
});

Deno.test("sleepingTasks: sequential sums the sleeps, concurrent takes one", async () => {
  const { sequentialMs, concurrentMs } = await sleepingTasks(5, 40);
  assert.ok(sequentialMs >= 5 * 40 - 5, `sequential ${sequentialMs}`);
  assert.ok(
    concurrentMs >= 39 && concurrentMs < 2 * 40,
    `concurrent ${concurrentMs}`,
  );
  await assert.rejects(
    () => sleepingTasks(0, 10),
    /'count' must be a positive integer, received 0/,
  );
});
