import assert from "node:assert/strict";
import {
  counterRace,
  LOCK_PAIR_WORKER,
  type LockPairJob,
  type LockPairReply,
  parseBytecode,
  printBytecode,
  validateRaceParameters,
} from "./races_and_locks.ts";
import { Barrier } from "../sync/barrier.ts";
import { Mutex } from "../sync/mutex.ts";

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

/** Two lock-pair workers, each taking the two locks in its own order. */
async function lockPair(
  orders: [number, number][],
  meet: boolean,
  timeoutMs: number,
): Promise<LockPairReply[]> {
  const shared = new SharedArrayBuffer(8 + Barrier.byteLength);
  Mutex.create({ buffer: shared, byteOffset: 0 });
  Mutex.create({ buffer: shared, byteOffset: 4 });
  Barrier.create(2, { buffer: shared, byteOffset: 8 });
  const workers = orders.map(() =>
    new Worker(LOCK_PAIR_WORKER, { type: "module" })
  );
  try {
    return await Promise.all(
      workers.map((worker, i) =>
        new Promise<LockPairReply>((resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(event.message));
          };
          const [first, second] = orders[i];
          worker.postMessage(
            {
              shared,
              first,
              second,
              barrier: 8,
              meet,
              timeoutMs,
            } satisfies LockPairJob,
          );
        })
      ),
    );
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

Deno.test("lock_pair_worker: locks taken in opposite orders time out in both workers", async () => {
  const replies = await lockPair([[0, 4], [4, 0]], true, 150);
  for (const reply of replies) {
    assert.equal(reply.outcome, "DeadlockError");
    assert.match(reply.message, /not acquired within 150 ms/);
    assert.ok(reply.ms >= 149, String(reply.ms));
  }
});

Deno.test("lock_pair_worker: locks taken in the same order are both had by both workers", async () => {
  const replies = await lockPair([[0, 4], [0, 4]], false, 10_000);
  assert.deepEqual(replies.map((r) => r.outcome), ["got both", "got both"]);
});

Deno.test("parseBytecode() keeps only the named function's instructions", () => {
  const output = [
    "[generated bytecode for function: other (0x1 <SharedFunctionInfo other>)]",
    "         0x2 @    0 : 0c                LdaZero",
    "[generated bytecode for function: increment (0x1 <SharedFunctionInfo increment>)]",
    "Bytecode length: 18",
    "         0x2 @    0 : 19 03             LdaImmutableCurrentContextSlot [3]",
    "         0x4 @    4 : d4                Star0",
    "         0x5 @    7 : 35 f9 00          GetKeyedProperty r0, FBV[0]",
    "         0x6 @   10 : 5b 02             Inc FBV[2]",
    "         0x8 @   12 : 3c f9 f8 03       SetKeyedProperty r0, r1, FBV[3]",
    "         0x9 @   17 : b9                Return",
    "Constant pool (size = 1)",
    "         0x2 @    0 : 0c                LdaZero",
  ].join("\n");
  const lines = parseBytecode(output, "increment");
  assert.deepEqual(lines.map((l) => [l.offset, l.instruction, l.step]), [
    [0, "LdaImmutableCurrentContextSlot [3]", ""],
    [4, "Star0", ""],
    [7, "GetKeyedProperty r0, FBV[0]", "read"],
    [10, "Inc FBV[2]", "add"],
    [12, "SetKeyedProperty r0, r1, FBV[3]", "write"],
    [17, "Return", ""],
  ]);
  assert.match(lines[2].meaning, /from memory/);
  assert.deepEqual(parseBytecode(output, "missing"), []);
});

Deno.test("printBytecode() shows an element increment on shared memory as read, add, write", async () => {
  const { flags, lines } = await printBytecode(
    [
      "const counter = new Int32Array(new SharedArrayBuffer(4));",
      "function increment() { counter[0]++; }",
      "increment();",
    ].join("\n"),
    "increment",
  );
  assert.equal(flags, "--print-bytecode,--print-bytecode-filter=increment");
  assert.deepEqual(
    lines.map((l) => l.step).filter((step) => step !== ""),
    ["read", "add", "write"],
    JSON.stringify(lines),
  );
});

Deno.test("printBytecode() rejects a function that never ran and a bad name", async () => {
  await assert.rejects(
    printBytecode("function idle() {}", "idle"),
    /no bytecode for 'idle'/,
  );
  await assert.rejects(
    printBytecode("", "a b"),
    {
      name: "TypeError",
      message: /'functionName' must be an identifier, received "a b"/,
    },
  );
});
