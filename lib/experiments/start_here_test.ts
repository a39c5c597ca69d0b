import assert from "node:assert/strict";
import { listThreads, measureComparison } from "./start_here.ts";
import type { CpuBoundResult } from "./cpu_bound.ts";

const SMALL = { primesUpTo: 2_000, repeats: 1, ioTasks: 3, ioLatencyMs: 5 };

function cpuResult(
  mode: CpuBoundResult["mode"],
  medianMs: number,
  speedup: number,
): CpuBoundResult {
  return { mode, primes: 12_345, samplesMs: [medianMs], medianMs, speedup };
}

Deno.test("measureComparison() returns the seeds' aspects in order, measured ones marked", async () => {
  const rows = await measureComparison(SMALL);
  assert.deepEqual(
    rows.map((row) => [row.aspect.split(":")[0], row.measured]),
    [
      ["execution unit", false],
      ["memory sharing", false],
      ["GIL analogue", false],
      ["start-up", true],
      ["memory per unit", true],
      [`CPU speedup on ${navigator.hardwareConcurrency} cores`, true],
      ["I/O speedup", true],
      ["best for", false],
      ["what a crash takes down", true],
    ],
  );
  for (const row of rows) {
    for (const cell of [row.asyncTask, row.worker, row.childProcess]) {
      assert.ok(cell.length > 0, `empty cell in '${row.aspect}'`);
    }
  }
});

Deno.test("measureComparison() fills the measured rows from the measurements", async () => {
  const rows = await measureComparison(SMALL);
  const byAspect = (start: string) =>
    rows.find((row) => row.aspect.startsWith(start))!;
  const startup = byAspect("start-up");
  for (const cell of [startup.worker, startup.childProcess]) {
    assert.match(cell, /^[\d.]+ ms \(median of 1\)$/);
  }
  assert.match(startup.asyncTask, /^[\d.]+ (µs|ms) per task$/);
  assert.match(byAspect("CPU speedup").aspect, /: 303 primes counted$/);
  const io = byAspect("I/O speedup");
  assert.equal(
    io.aspect,
    "I/O speedup: 3 requests of 5 ms at once against one by one",
  );
  for (const cell of [io.asyncTask, io.worker, io.childProcess]) {
    assert.match(cell, /^\d+\.\dx \([\d.]+ ms against [\d.]+ ms\), /);
  }
  const crash = byAspect("what a crash takes down");
  assert.equal(
    crash.asyncTask,
    "throws inside the task; the caller's await caught a rejection and carried on; next async task returned 42",
  );
  assert.match(crash.worker, /new worker echoed "still here"$/);
  assert.match(crash.childProcess, /new child echoed "still here"$/);
  if (Deno.build.os === "linux") {
    const memory = byAspect("memory per unit");
    assert.match(
      memory.worker,
      /^[\d.]+ [KM]B \(PSS growth of a fresh program and its children \/ 2 workers\)$/,
    );
    assert.match(
      memory.childProcess,
      /^[\d.]+ MB \(PSS growth of a fresh program and its children \/ 2 children\)$/,
    );
  }
});

Deno.test("measureComparison() shows given cpuResults instead of measuring", async () => {
  const reports: string[] = [];
  const rows = await measureComparison({
    ...SMALL,
    onProgress: (done, total) => reports.push(`${done}/${total}`),
    cpuResults: [
      cpuResult("sequential", 12, 1),
      cpuResult("async tasks", 12, 1),
      cpuResult("workers", 0.6, 20),
      cpuResult("processes", 2.4, 5),
    ],
  });
  const cpu = rows.find((row) => row.aspect.startsWith("CPU speedup"))!;
  assert.match(cpu.aspect, /: 12,345 primes counted$/);
  assert.equal(cpu.asyncTask, "1.00x (12 ms against 12 ms)");
  assert.equal(
    cpu.worker,
    "20.00x (600 µs against 12 ms), a pool of workers",
  );
  assert.equal(
    cpu.childProcess,
    "5.00x (2.4 ms against 12 ms), a pool of children",
  );
  // Five measurements (start-up, I/O, three crashes): no CPU step.
  assert.deepEqual(reports, ["0/5", "1/5", "2/5", "3/5", "4/5", "5/5"]);
});

Deno.test("measureComparison() rejects bad numbers naming the option", async (t) => {
  for (const name of ["primesUpTo", "repeats", "ioTasks", "ioLatencyMs"]) {
    for (const value of [0, -1, 1.5, NaN, Infinity]) {
      await t.step(`${name} = ${value}`, async () => {
        await assert.rejects(measureComparison({ ...SMALL, [name]: value }), {
          name: "RangeError",
          message:
            `Cannot measure the comparison table: '${name}' must be a positive integer, received ${value}`,
        });
      });
    }
  }
});

Deno.test("measureComparison() rejects options of the wrong shape", async (t) => {
  await t.step("options = null", async () => {
    await assert.rejects(
      measureComparison(null as unknown as Record<string, never>),
      {
        name: "TypeError",
        message:
          "Cannot measure the comparison table: 'options' must be an object, received null",
      },
    );
  });
  const badCpuResults: [string, CpuBoundResult[], RegExp][] = [
    [
      "cpuResults without the processes mode",
      [
        cpuResult("sequential", 400, 1),
        cpuResult("async tasks", 400, 1),
        cpuResult("workers", 100, 4),
      ],
      /'cpuResults' must be .* received modes \["sequential","async tasks","workers"\]$/,
    ],
    [
      "cpuResults not starting with sequential",
      [
        cpuResult("workers", 100, 1),
        cpuResult("sequential", 400, 0.25),
        cpuResult("async tasks", 400, 0.25),
        cpuResult("processes", 200, 0.5),
      ],
      /sequential first, received modes \["workers",/,
    ],
  ];
  for (const [name, cpuResults, message] of badCpuResults) {
    await t.step(name, async () => {
      await assert.rejects(measureComparison({ ...SMALL, cpuResults }), {
        name: "TypeError",
        message,
      });
    });
  }
});

Deno.test(
  "listThreads() puts the main thread first and sees a Worker's thread",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    const before = listThreads()!;
    assert.deepEqual(before[0], { ...before[0], id: Deno.pid, main: true });
    assert.equal(before.filter((thread) => thread.main).length, 1);
    const worker = new Worker(
      "data:application/javascript,self.onmessage = (e) => self.postMessage(e.data);",
      { type: "module" },
    );
    await new Promise((resolve) => {
      worker.onmessage = resolve;
      worker.postMessage("ping");
    });
    const during = listThreads()!;
    worker.terminate();
    const ids = new Set(before.map((thread) => thread.id));
    const added = during.filter((thread) => !ids.has(thread.id));
    assert.ok(
      added.some((thread) => thread.name.startsWith("worker-")),
      JSON.stringify(added),
    );
  },
);

Deno.test("listThreads() returns undefined for a process that does not exist", () => {
  assert.equal(listThreads(-1), undefined);
});
