import assert from "node:assert/strict";
import { BenchUsageError, parseBenchArgs, USAGE } from "./bench.ts";
import { EXPERIMENT_NAMES } from "./bench_experiments.ts";
import { CHROMIUM_PATH, chromiumDom } from "./headless_chromium.ts";

async function runBench(...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./bench.ts", import.meta.url).pathname,
      ...args,
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
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

const allPositive = (values: number[]) =>
  values.length > 0 && values.every((value) => value > 0);

Deno.test("parseBenchArgs() fills in defaults: every experiment, 5 repeats, 2 when quick", () => {
  const options = parseBenchArgs([]);
  assert.deepEqual(options.only, EXPERIMENT_NAMES);
  assert.equal(options.repeats, 5);
  assert.equal(options.quick, false);
  assert.equal(options.python, "python3");
  assert.equal(options.json, undefined);
  assert.equal(options.html, undefined);
  assert.equal(parseBenchArgs(["--quick"]).repeats, 2);
  assert.equal(parseBenchArgs([], true).quick, true);
});

Deno.test("parseBenchArgs() takes --only repeated or as a comma list, in the suite's order", () => {
  assert.deepEqual(parseBenchArgs(["--only", "io", "--only", "cpu"]).only, [
    "cpu",
    "io",
  ]);
  assert.deepEqual(parseBenchArgs(["--only", "python, spawn"]).only, [
    "spawn",
    "python",
  ]);
});

Deno.test("parseBenchArgs() reads --repeats, --json, --html and --python", () => {
  const options = parseBenchArgs([
    "--repeats",
    "7",
    "--json",
    "a.json",
    "--html",
    "b.html",
    "--python",
    "python3.11",
  ]);
  assert.equal(options.repeats, 7);
  assert.equal(options.json, "a.json");
  assert.equal(options.html, "b.html");
  assert.equal(options.python, "python3.11");
});

Deno.test("parseBenchArgs() rejects bad command lines with a message naming the value", async (t) => {
  const cases: [string[], RegExp][] = [
    [
      ["--repeats", "0"],
      /Invalid flag: '--repeats' must be a positive integer, received '0'/,
    ],
    [["--repeats=-1"], /received '-1'/],
    [["--repeats", "1.5"], /received '1.5'/],
    [["--repeats", "abc"], /received 'abc'/],
    [["--repeats", ""], /received ''/],
    [
      ["--only", "cpu,gpu"],
      /Unknown experiment 'gpu' in '--only': valid names are spawn, messages, cpu, scaling, io, pool, python, machines/,
    ],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--json"], /--json/],
    [["stray"], /positional/],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" ") || "(empty value)", () => {
      assert.throws(
        () => parseBenchArgs(args),
        (error) =>
          error instanceof BenchUsageError && message.test(error.message),
      );
    });
  }
});

Deno.test("bench exits 2 with the message and the usage on a bad flag value", async () => {
  const { code, stderr, stdout } = await runBench("--repeats", "zero");
  assert.equal(code, 2);
  assert.match(
    stderr,
    /'--repeats' must be a positive integer, received 'zero'/,
  );
  assert.match(stderr, /Usage: deno task bench/);
  assert.equal(stdout, "");
});

Deno.test("bench --help lists every flag and exits 0", async () => {
  const { code, stdout } = await runBench("--help");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), USAGE);
  for (
    const flag of [
      "--quick",
      "--only",
      "--repeats",
      "--json",
      "--html",
      "--python",
      "--help",
    ]
  ) {
    assert.match(stdout, new RegExp(`^  ${flag}`, "m"));
  }
});

Deno.test({
  name:
    "bench --quick writes JSON with every experiment's samples and an HTML report that draws every chart",
  async fn(t) {
    const directory = await Deno.makeTempDir({ prefix: "bench_test_" });
    try {
      const json = `${directory}/bench.json`;
      const html = `${directory}/bench.html`;
      const { code, stdout, stderr } = await runBench(
        "--quick",
        "--json",
        json,
        "--html",
        html,
      );
      assert.equal(code, 0, stderr);
      const report = JSON.parse(await Deno.readTextFile(json));
      const experiments = report.experiments;

      await t.step("stdout has every experiment's title and the ratios", () => {
        for (const name of EXPERIMENT_NAMES) {
          assert.ok(
            stdout.includes(`== ${experiments[name].title}`),
            `${name} missing`,
          );
        }
        assert.match(stdout, /== Headline ratios/);
        assert.match(stdout, new RegExp(`wrote ${json}`));
        assert.match(stderr, /bench \[#+\] \d+\/\d+ 100%/);
      });

      await t.step("machine facts and flags", () => {
        assert.equal(report.machine.cores, navigator.hardwareConcurrency);
        assert.equal(report.machine.deno, Deno.version.deno);
        assert.equal(report.machine.v8, Deno.version.v8);
        assert.deepEqual(report.flags, {
          quick: true,
          repeats: 2,
          only: EXPERIMENT_NAMES,
          python: "python3",
        });
        assert.deepEqual(Object.keys(experiments), EXPERIMENT_NAMES);
        assert.ok(report.wallMs > 0);
      });

      await t.step("spawn: three kinds, positive times", () => {
        const rows = experiments.spawn.results;
        assert.deepEqual(rows.map((row: { kind: string }) => row.kind), [
          "async task",
          "worker",
          "child process",
        ]);
        for (const row of rows) {
          assert.ok(allPositive(row.samplesMs), row.kind);
          assert.ok(row.firstReplyMs > 0, row.kind);
        }
      });

      await t.step("messages: every mode at every size, positive times", () => {
        const { sizes, modes } = experiments.messages.parameters;
        const rows = experiments.messages.results;
        assert.equal(rows.length, sizes.length * modes.length);
        for (const row of rows) {
          assert.equal(row.samplesMs.length, 2);
          assert.ok(allPositive(row.samplesMs), `${row.mode} ${row.bytes}`);
        }
      });

      await t.step(
        "cpu and scaling: the same primes everywhere, every sample positive",
        () => {
          for (const name of ["cpu", "scaling"]) {
            const results = experiments[name].results;
            for (const result of results) {
              assert.equal(
                result.primes,
                5_133,
                `${name}: primes below 50 000`,
              );
              assert.equal(result.samplesMs.length, 2);
              assert.ok(allPositive(result.samplesMs), name);
              assert.ok(result.speedup > 0);
            }
          }
          assert.deepEqual(
            experiments.cpu.results.map((result: { mode: string }) =>
              result.mode
            ),
            ["sequential", "async tasks", "workers", "processes"],
          );
          assert.deepEqual(
            experiments.scaling.results.map((point: { workers: number }) =>
              point.workers
            ),
            Array.from(
              { length: 2 * navigator.hardwareConcurrency },
              (_, i) => i + 1,
            ),
          );
        },
      );

      await t.step(
        "io: every mode got every response; throughput positive",
        () => {
          const { requests } = experiments.io.parameters;
          for (const mode of experiments.io.results.modes) {
            assert.equal(mode.responses, requests, mode.mode);
            assert.ok(allPositive(mode.samplesMs), mode.mode);
          }
          assert.ok(allPositive(
            experiments.io.results.throughput.map((
              point: { throughput: number },
            ) => point.throughput),
          ));
        },
      );

      await t.step(
        "pool: every contender measured or skipped with a reason, three latencies, ~1 ms tasks, every sample positive",
        () => {
          const { throughput, latency, millisecondTasks } =
            experiments.pool.results;
          const names = [
            ...throughput.rows.map((row: { contender: string }) =>
              row.contender
            ),
            ...throughput.skipped.map((row: { contender: string }) =>
              row.contender
            ),
          ];
          assert.equal(names.length, 8);
          assert.deepEqual(names.slice(0, 3), [
            "raw postMessage",
            "WorkerPool.run",
            "WorkerPool.map",
          ]);
          for (const row of throughput.skipped) assert.ok(row.reason);
          assert.equal(millisecondTasks.length, 4);
          for (const row of throughput.rows) {
            assert.equal(row.samplesMs.length, 2);
            assert.ok(allPositive(row.samplesMs), row.contender);
            assert.ok(row.tasksPerSecond > 0);
          }
          assert.equal(latency.length, 3);
          for (const row of latency) {
            assert.ok(allPositive(row.samplesUs), row.contender);
          }
        },
      );

      await t.step(
        "python: Python and Deno find the same primes, or the skip says why",
        () => {
          const python = experiments.python;
          if (python.status === "skipped") {
            assert.match(python.reason, /python3/);
            return;
          }
          const all = [...python.results.python, ...python.results.deno];
          assert.equal(all.length, 6);
          for (const result of all) {
            assert.equal(
              result.primes,
              2_262,
              `${result.mode}: primes below 20 000`,
            );
            assert.ok(allPositive(result.samplesMs));
          }
          assert.deepEqual(
            python.results.poolMap.map((row: { contender: string }) =>
              row.contender
            ),
            ["ProcessPool.map", "multiprocessing.Pool.map"],
          );
          for (const row of python.results.poolMap) {
            assert.ok(allPositive(row.samplesMs), row.contender);
          }
        },
      );

      await t.step(
        "machines: the same primes on every mode, every result back once after a kill",
        () => {
          const machines = experiments.machines;
          if (machines.status === "skipped") {
            assert.match(machines.reason, /redis-server/);
            return;
          }
          const { speedup, hop, pays, kills } = machines.results;
          assert.deepEqual(
            speedup.map((row: { mode: string }) => row.mode),
            ["sequential", "workers", "processes", "1 machine", "2 machines"],
          );
          for (const row of speedup) {
            assert.equal(row.primes, 5_133, row.mode);
            assert.ok(allPositive(row.samplesMs), row.mode);
          }
          assert.equal(hop.length, 3);
          for (const row of hop) {
            assert.ok(allPositive(row.roundTripSamplesUs), row.carrier);
            assert.ok(allPositive(row.perTaskSamplesUs), row.carrier);
          }
          assert.deepEqual(
            pays.map((row: { taskMs: number }) => row.taskMs),
            [1, 10],
          );
          assert.equal(kills.length, 1);
          assert.equal(kills[0].exactlyOnce, true);
        },
      );

      await t.step(
        "ratios: finite and positive, ours against the npm pools and the raw floor",
        () => {
          const names = report.ratios.map((ratio: { name: string }) =>
            ratio.name
          );
          assert.ok(
            names.includes("WorkerPool.run / best npm pool throughput"),
          );
          assert.ok(names.includes("WorkerPool.run / raw postMessage latency"));
          assert.ok(names.includes("WorkerPool speedup over sequential"));
          assert.ok(names.includes("ProcessPool speedup over sequential"));
          assert.ok(
            report.ratios.every((ratio: { value: number }) =>
              Number.isFinite(ratio.value) && ratio.value > 0
            ),
          );
        },
      );

      await t.step({
        name: "the HTML report draws every chart in headless Chromium, offline",
        ignore: !(await Deno.stat(CHROMIUM_PATH).then(() =>
          true, () => false)) &&
          Deno.env.get("CI") !== "true",
        async fn() {
          const page = await Deno.readTextFile(html);
          assert.doesNotMatch(
            page,
            /<script[^>]+src=/,
            "nothing loaded from outside",
          );
          const charts =
            page.match(/<div class="chart" id="chart-\d+">/g)?.length ?? 0;
          const done = Object.values(experiments).filter((
            outcome,
          ) => (outcome as { status: string }).status === "done").length;
          assert.ok(charts >= done, `${charts} charts for ${done} experiments`);
          const dom = await chromiumDom(`file://${html}`, {
            width: 1400,
            height: 900,
          });
          const drawn = dom.split('id="chart-').slice(1).filter((chart) =>
            chart.slice(0, chart.indexOf("</figure>")).includes(
              'class="main-svg"',
            )
          ).length;
          assert.equal(drawn, charts, `${drawn} of ${charts} charts drew`);
          for (const name of EXPERIMENT_NAMES) {
            assert.ok(
              dom.includes(experiments[name].title.replaceAll("&", "&amp;")),
            );
          }
        },
      });
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  },
});
