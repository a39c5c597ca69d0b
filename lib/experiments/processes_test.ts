import assert from "node:assert/strict";
import {
  checkProcessParameters,
  COUNTER_CHILD,
  cubePoolMap,
  fileCounter,
  lockExperiment,
  QUEUE_CONSUMER,
  QUEUE_PRODUCER,
  SHOUT_CHILD,
} from "./processes.ts";

function deno(args: string[], options: Deno.CommandOptions = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), { args, ...options });
}

const GOOD = {
  exitCode: 3,
  poolSize: 2,
  cubeInputs: 10,
  queueLines: 100,
  counterProcesses: 4,
  increments: 100,
  trials: 3,
};

Deno.test("checkProcessParameters() accepts the defaults", () => {
  checkProcessParameters(GOOD);
});

Deno.test("checkProcessParameters() names the bad value", () => {
  assert.throws(
    () => checkProcessParameters({ ...GOOD, exitCode: 256 }),
    {
      name: "RangeError",
      message:
        "Invalid parameter: 'exitCode' must be an integer from 0 to 255, received 256",
    },
  );
  assert.throws(
    () => checkProcessParameters({ ...GOOD, queueLines: -1 }),
    {
      message:
        "Invalid parameter: 'queueLines' must be a non-negative integer, received -1",
    },
  );
  assert.throws(
    () => checkProcessParameters({ ...GOOD, increments: 1.5 }),
    {
      message:
        "Invalid parameter: 'increments' must be a positive integer, received 1.5",
    },
  );
});

Deno.test("SHOUT_CHILD upper-cases its stdin and exits with the code it is given", async (t) => {
  for (const [input, code] of [["abc\n", 0], ["", 3], ["é ß", 255]] as const) {
    await t.step(`${JSON.stringify(input)}, exit code ${code}`, async () => {
      const child = deno(["run", SHOUT_CHILD.href, String(code)], {
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(input));
      await writer.close();
      const output = await child.output();
      assert.equal(
        new TextDecoder().decode(output.stdout),
        input.toUpperCase(),
      );
      assert.equal(output.code, code);
      assert.equal(output.success, code === 0);
    });
  }
});

Deno.test("cubePoolMap() cubes 0..9 in order on distinct children", async () => {
  const result = await cubePoolMap(10, { size: 2 });
  assert.deepEqual(result.results, [0, 1, 8, 27, 64, 125, 216, 343, 512, 729]);
  assert.ok(result.children >= 1 && result.children <= 2);
  assert.ok(result.coldMs > 0 && result.warmMs > 0);
  await assert.rejects(() => cubePoolMap(0), RangeError);
});

Deno.test("QUEUE_PRODUCER piped into QUEUE_CONSUMER delivers every line once", async (t) => {
  for (const lines of [0, 1, 50_000]) {
    await t.step(`${lines} lines`, async () => {
      const producer = deno(["run", QUEUE_PRODUCER.href, String(lines)], {
        stdout: "piped",
      }).spawn();
      const consumer = deno(["run", QUEUE_CONSUMER.href], {
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      await producer.stdout.pipeTo(consumer.stdin);
      const output = await consumer.output();
      assert.equal((await producer.status).code, 0);
      assert.equal(output.code, 0);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), {
        items: lines,
        sum: Array.from({ length: lines }, (_, i) => i).reduce(
          (a, b) => a + b,
          0,
        ),
      });
    });
  }
});

Deno.test("COUNTER_CHILD waits for its stdin to close before counting", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "7");
    const child = deno(
      [
        "run",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
        COUNTER_CHILD.href,
        path,
        "5",
        "lock",
      ],
      { stdin: "piped", stdout: "piped" },
    ).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    assert.equal((await reader.read()).value, "ready\n");
    // The child is running and has said so, but counts only after the close.
    assert.equal(await Deno.readTextFile(path), "7");
    await child.stdin.close();
    assert.equal((await reader.read()).done, true);
    assert.equal((await child.status).code, 0);
    assert.equal((await Deno.readTextFile(path)).trim(), "12");
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("fileCounter() with the lock loses no increment", async () => {
  const counted = await fileCounter({ processes: 4, increments: 50 });
  assert.equal(counted.expected, 200);
  assert.equal(counted.actual, 200);
  assert.equal(counted.lost, 0);
  assert.equal(counted.locked, true);
});

Deno.test("fileCounter() without the lock never gains increments", async () => {
  const counted = await fileCounter({
    processes: 3,
    increments: 50,
    lock: false,
  });
  assert.equal(counted.expected, 150);
  assert.ok(counted.actual >= 50 && counted.actual <= 150);
  assert.equal(counted.lost, 150 - counted.actual);
});

Deno.test("lockExperiment() runs each mode per trial", async () => {
  const runs = await lockExperiment({ processes: 2, increments: 5, trials: 2 });
  assert.deepEqual(runs.map((run) => run.locked), [true, true, false, false]);
  assert.ok(runs.filter((run) => run.locked).every((run) => run.lost === 0));
  await assert.rejects(() => lockExperiment({ trials: 0 }), RangeError);
});
