import assert from "node:assert/strict";

async function runBench(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./bench.ts", import.meta.url).pathname,
      ...args,
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("bench --quick writes JSON where every mode found the same primes in positive time", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = `${directory}/bench.json`;
    const { code, stdout, stderr } = await runBench("--quick", "--json", path);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /sequential/);
    const report = JSON.parse(await Deno.readTextFile(path));
    assert.equal(report.machine.cores, navigator.hardwareConcurrency);
    assert.deepEqual(
      report.cpuBound.map((mode: { mode: string }) => mode.mode),
      ["sequential", "async tasks", "workers", "processes"],
    );
    for (const mode of report.cpuBound) {
      assert.equal(
        mode.primes,
        5_133,
        `primes below 50 000 in mode ${mode.mode}`,
      );
      assert.ok(
        mode.samplesMs.every((ms: number) => ms > 0),
        `positive samples in mode ${mode.mode}`,
      );
      assert.ok(mode.speedup > 0);
    }
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("bench rejects an unknown flag with exit code 2 and the usage", async () => {
  const { code, stderr } = await runBench("--bogus");
  assert.equal(code, 2);
  assert.match(stderr, /Unknown option '--bogus'/);
  assert.match(stderr, /Usage: deno task bench/);
});
