import assert from "node:assert/strict";
import {
  asyncRace,
  counterBytecode,
  counterRace,
  deadlock,
  parseBytecode,
  readSleepWriteRace,
  validateRaceParameters,
} from "./races_and_locks.ts";

const good = {
  increments: 1000,
  mutexIncrements: 100,
  rounds: 2,
  sleepyIncrements: 5,
  sleepMs: 1,
  tasks: 2,
  deadlockTimeoutMs: 100,
};

Deno.test("validateRaceParameters() names the first bad value", () => {
  assert.equal(validateRaceParameters(good), good);
  assert.throws(() => validateRaceParameters({ ...good, rounds: 1.5 }), {
    name: "RangeError",
    message:
      "Invalid parameter: 'rounds' must be a positive integer of at most 1000, received 1.5",
  });
  assert.throws(
    () => validateRaceParameters({ ...good, sleepMs: -1 }),
    /'sleepMs' must be a non-negative number of milliseconds of at most 10000, received -1/,
  );
  assert.throws(
    () => validateRaceParameters({ ...good, tasks: "2" as unknown as number }),
    /'tasks' must be a positive integer of at most 10000, received "2"/,
  );
});

Deno.test("counterRace(): atomic and mutex lose nothing, plain never over-counts", async () => {
  const started = performance.now();
  const results = await counterRace({
    increments: 20_000,
    mutexIncrements: 5_000,
    rounds: 3,
  });
  const wallMs = performance.now() - started;
  assert.deepEqual(results.map((r) => r.method), [
    "plain",
    "plain",
    "plain",
    "atomic",
    "mutex",
  ]);
  for (const result of results) {
    assert.equal(result.expected, result.method === "mutex" ? 10_000 : 40_000);
    assert.equal(result.lost, result.expected - result.actual);
    // The slowest worker's loop ran inside this call.
    assert.ok(
      result.elapsedMs > 0 && result.elapsedMs <= wallMs,
      `${result.method}: ${result.elapsedMs} ms of ${wallMs} ms`,
    );
  }
  // Two threads each doing n racy increments can end anywhere from 2 to 2n
  // (an update can overwrite many of the other thread's), not from n to 2n.
  for (const plain of results.slice(0, 3)) {
    assert.ok(
      plain.actual <= 40_000 && plain.actual >= 2,
      JSON.stringify(plain),
    );
  }
  assert.equal(results[3].actual, 40_000);
  assert.equal(results[4].actual, 10_000);
});

Deno.test("counterRace() with the chunked start lines loses updates in plain mode", async () => {
  // Chunks start together, so the workers' loops overlap unless the OS keeps
  // one of them off the cores: on a loaded 2-core machine (the test suite
  // runs files in parallel) five rounds once all came out exact. So keep
  // racing, up to 40 rounds, until one loses updates.
  const results = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    results.push(
      ...await counterRace({
        increments: 200_000,
        rounds: 10,
        methods: ["plain"],
      }),
    );
    if (results.some((r) => r.lost > 0)) break;
  }
  assert.ok(results.some((r) => r.lost > 0), JSON.stringify(results));
});

Deno.test("counterRace() rejects bad counts", async () => {
  await assert.rejects(
    counterRace({ increments: 0 }),
    /'increments' must be a positive integer/,
  );
  await assert.rejects(
    counterRace({ increments: 10, chunk: -1 }),
    /'chunk' must be a positive integer/,
  );
});

Deno.test("readSleepWriteRace(): unlocked loses updates, locked loses none", async () => {
  const racy = await readSleepWriteRace({
    increments: 10,
    sleepMs: 5,
    locked: false,
  });
  assert.equal(racy.method, "read-sleep-write");
  assert.equal(racy.expected, 20);
  assert.ok(racy.actual < 20, `lost nothing: ${racy.actual}`);
  const safe = await readSleepWriteRace({
    increments: 10,
    sleepMs: 2,
    locked: true,
  });
  assert.equal(safe.method, "read-sleep-write + mutex");
  assert.equal(safe.actual, 20);
});

Deno.test("asyncRace(): tasks on one thread lose updates across await", async () => {
  const racy = await asyncRace({ tasks: 3, increments: 4, locked: false });
  // Every task reads before any writes, round after round.
  assert.deepEqual([racy.expected, racy.actual, racy.lost], [12, 4, 8]);
  const safe = await asyncRace({ tasks: 3, increments: 4, locked: true });
  assert.deepEqual([safe.method, safe.actual], ["async tasks + lock", 12]);
});

Deno.test("deadlock(): opposite order times out in both workers, same order does not", async () => {
  const stuck = await deadlock({ timeoutMs: 150, order: "opposite" });
  assert.deepEqual(stuck.map((o) => [o.worker, o.order, o.outcome]), [
    ["A", "1 then 2", "DeadlockError"],
    ["B", "2 then 1", "DeadlockError"],
  ]);
  for (const outcome of stuck) {
    assert.match(outcome.message, /within 150 ms/);
    assert.ok(outcome.elapsedMs >= 149, String(outcome.elapsedMs));
  }
  const fine = await deadlock({ timeoutMs: 2000, order: "same" });
  assert.deepEqual(fine.map((o) => o.outcome), ["got both", "got both"]);
  await assert.rejects(
    deadlock({ timeoutMs: 10, order: "sideways" as "same" }),
    /'order' must be "opposite" or "same", received sideways/,
  );
});

Deno.test("parseBytecode() keeps only the named function's instructions", () => {
  const output = [
    "[generated bytecode for function: other (0x1 <SharedFunctionInfo other>)]",
    "         0x2 @    0 : 0c                LdaZero",
    "[generated bytecode for function: increment (0x1 <SharedFunctionInfo increment>)]",
    "Bytecode length: 11",
    "         0x2 @    0 : 17 03             LdaCurrentContextSlotNoCell [3]",
    "         0x4 @    4 : 5b 00             Inc FBV[0]",
    "         0x6 @    6 : 27 03             StaCurrentContextSlotNoCell [3]",
    "         0x8 @   10 : b9                Return",
    "Constant pool (size = 1)",
    "         0x2 @    0 : 0c                LdaZero",
  ].join("\n");
  const lines = parseBytecode(output, "increment");
  assert.deepEqual(lines.map((l) => [l.offset, l.instruction, l.step]), [
    [0, "LdaCurrentContextSlotNoCell [3]", "load"],
    [4, "Inc FBV[0]", "add"],
    [6, "StaCurrentContextSlotNoCell [3]", "store"],
    [10, "Return", ""],
  ]);
  assert.equal(lines[1].meaning, "add one to the accumulator");
  assert.deepEqual(parseBytecode(output, "missing"), []);
});

Deno.test("counterBytecode() shows counter++ as load, add, store", async () => {
  const { flags, lines } = await counterBytecode();
  assert.match(flags, /--print-bytecode-filter=increment/);
  const steps = lines.map((l) => l.step);
  const load = steps.indexOf("load");
  const add = steps.indexOf("add");
  const store = steps.indexOf("store");
  assert.ok(load >= 0 && load < add && add < store, JSON.stringify(lines));
  assert.ok(lines.some((l) => l.instruction.startsWith("Inc")));
});
