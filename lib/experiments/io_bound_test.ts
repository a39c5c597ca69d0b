import assert from "node:assert/strict";
import {
  checkIoParameters,
  FILE_IO_MODES,
  fileIoExperiment,
  IO_MODES,
  ioModesExperiment,
  throughputSweep,
} from "./io_bound.ts";
import { startLatencyServer } from "../workloads/latency_server.ts";

const good = {
  latencyMs: 50,
  requests: 20,
  concurrencyLimit: 4,
  workers: 2,
  processes: 2,
  concurrencies: [1, 2, 4],
  sleepTasks: 5,
  sleepMs: 100,
  files: 20,
  fileKiB: 4,
};

Deno.test("checkIoParameters accepts good knobs and names a bad one", () => {
  checkIoParameters(good);
  assert.throws(() => checkIoParameters({ ...good, workers: 0 }), {
    name: "RangeError",
    message:
      "Cannot run the I/O-bound notebook: 'workers' must be a positive integer, received 0",
  });
  for (const name of ["processes", "files", "fileKiB"]) {
    assert.throws(
      () => checkIoParameters({ ...good, [name]: 1.5 }),
      new RegExp(`'${name}' must be a positive integer, received 1.5`),
    );
  }
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
    processes: 2,
  });
  assert.deepEqual(results.map((r) => r.mode), IO_MODES);
  for (const result of results) {
    assert.equal(result.responses, 8);
    assert.equal(result.samplesMs.length, 1); // one run after the first
  }
  const [sequential, all, limited, workers, processes] = results;
  assert.ok(sequential.medianMs >= 8 * 50 - 5);
  assert.ok(all.speedup > 3, `Promise.all speedup ${all.speedup}`);
  assert.ok(limited.speedup > 2, `limited speedup ${limited.speedup}`);
  // Each worker or child makes its 4 requests at once: about one latency.
  for (const pooled of [workers, processes]) {
    assert.ok(pooled.speedup > 2, `${pooled.mode} speedup ${pooled.speedup}`);
  }
  // 8 requests served in each of 2 runs per mode, plus none lost.
  assert.equal(server.served, IO_MODES.length * 2 * 8);
});

Deno.test("ioModesExperiment reports progress after every run", async () => {
  await using server = startLatencyServer({ latencyMs: 1 });
  const calls: [number, number][] = [];
  await ioModesExperiment(server.url, {
    requests: 2,
    workers: 1,
    processes: 1,
    repeats: 2,
    onProgress: (done, total) => calls.push([done, total]),
  });
  const total = IO_MODES.length * 3;
  assert.deepEqual(
    calls,
    Array.from({ length: total + 1 }, (_, done) => [done, total]),
  );
});

Deno.test("ioModesExperiment rejects bad counts and URLs naming them", async () => {
  for (const [name, value] of [["processes", 0], ["repeats", 1.5]] as const) {
    await assert.rejects(
      ioModesExperiment("http://127.0.0.1:1/", { [name]: value }),
      {
        name: "RangeError",
        message:
          `Cannot run the I/O modes experiment: '${name}' must be a positive integer, received ${value}`,
      },
    );
  }
  await assert.rejects(ioModesExperiment("not a url"), TypeError);
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

async function tempEntries(): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(Deno.env.get("TMPDIR") ?? "/tmp")) {
    if (entry.name.startsWith("course_file_io_")) names.add(entry.name);
  }
  return names;
}

Deno.test("fileIoExperiment reads back every byte it wrote in every mode", async () => {
  const results = await fileIoExperiment({
    files: 10,
    fileBytes: 3000,
    workers: 2,
    repeats: 2,
  });
  assert.deepEqual(results.map((r) => r.mode), FILE_IO_MODES);
  for (const result of results) {
    assert.equal(result.files, 10);
    assert.equal(result.bytesWritten, 30_000);
    assert.equal(result.bytesRead, 30_000);
    assert.ok(result.writeMs > 0 && result.readMs > 0, JSON.stringify(result));
  }
});

Deno.test("fileIoExperiment removes its temporary directory", async () => {
  const before = await tempEntries();
  await fileIoExperiment({ files: 2, fileBytes: 10, workers: 1, repeats: 1 });
  assert.deepEqual(await tempEntries(), before);
});

Deno.test("fileIoExperiment reports progress after every run", async () => {
  const calls: [number, number][] = [];
  await fileIoExperiment({
    files: 2,
    fileBytes: 10,
    workers: 1,
    repeats: 2,
    onProgress: (done, total) => calls.push([done, total]),
  });
  const total = FILE_IO_MODES.length * 3;
  assert.deepEqual(
    calls,
    Array.from({ length: total + 1 }, (_, done) => [done, total]),
  );
});

Deno.test("fileIoExperiment rejects bad counts naming them", async (t) => {
  for (const name of ["files", "fileBytes", "workers", "repeats"]) {
    for (const value of [0, -1, 1.5, NaN, Infinity]) {
      await t.step(`${name}: ${value}`, async () => {
        await assert.rejects(fileIoExperiment({ [name]: value }), {
          name: "RangeError",
          message:
            `Cannot run the file I/O experiment: '${name}' must be a positive integer, received ${value}`,
        });
      });
    }
  }
});
