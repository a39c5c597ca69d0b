import assert from "node:assert/strict";
import {
  JUPYTER_INSTALL_HINT,
  jupyterAvailable,
  type NotebookOutput,
  NotebookRunError,
  runNotebook,
} from "./run_notebooks.ts";

const FIXTURE = new URL("./testdata/outputs_fixture.ipynb", import.meta.url)
  .pathname;
const NOTEBOOK_DIR = new URL("../notebooks/", import.meta.url);

function findNotebooks(): string[] {
  const found: string[] = [];
  try {
    for (const entry of Deno.readDirSync(NOTEBOOK_DIR)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) {
        found.push(new URL(entry.name, NOTEBOOK_DIR).pathname);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

const notebooks = findNotebooks();
const available = await jupyterAvailable();
const inCi = Deno.env.get("CI") === "true";
const missingMessage =
  `${notebooks.length} notebooks were not executed: Jupyter is missing; install with: ${JUPYTER_INSTALL_HINT}`;
if (!available && !inCi) console.warn(`WARNING: ${missingMessage}`);

/**
 * Registers a test that needs Jupyter: ignored (with the warning above) when
 * Jupyter is missing, failing when it is missing on CI.
 */
function jupyterTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  if (available) {
    Deno.test(name, fn);
  } else if (inCi) {
    Deno.test(name, () => {
      throw new Error(`CI=true but ${missingMessage}`);
    });
  } else {
    Deno.test({ name, ignore: true, fn });
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function text(value: unknown): string {
  const joined = Array.isArray(value) ? value.join("") : String(value ?? "");
  return joined.replace(ANSI, "");
}

/** A comparable summary of one output, without colours. */
function summarize(output: NotebookOutput): string {
  switch (output.output_type) {
    case "stream":
      return `stream ${output.name}: ${text(output.text)}`;
    case "display_data":
      return `display_data: ${text(output.data?.["text/plain"])}`;
    case "execute_result":
      return `execute_result [${output.execution_count}]: ${
        text(output.data?.["text/plain"])
      }`;
    default:
      return `${output.output_type}: ${JSON.stringify(output)}`;
  }
}

const EXPECTED_OUTPUTS: string[][] = [
  ["stream stdout: hello from cell 1\n"],
  ["stream stdout: line 0\nline 1\nline 2\nline 3\nline 4\n"],
  ["display_data: displayed value"],
  ["execute_result [4]: 42"],
  [
    "stream stdout: before the result\n",
    "stream stderr: to stderr\n",
    'execute_result [5]: "the result"',
  ],
];

async function writeNotebook(dir: string, sources: string[]): Promise<string> {
  const path = `${dir}/generated.ipynb`;
  const notebook = {
    cells: sources.map((source, i) => ({
      cell_type: "code",
      execution_count: null,
      id: `cell-${i}`,
      metadata: {},
      outputs: [],
      source,
    })),
    metadata: {
      kernelspec: {
        name: "deno",
        display_name: "Deno",
        language: "typescript",
      },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  await Deno.writeTextFile(path, JSON.stringify(notebook, null, 1));
  return path;
}

/** Writes a notebook of `sources` into a temporary directory for `use`. */
async function withNotebook(
  sources: string[],
  use: (path: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await use(await writeNotebook(dir, sources));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // A zombie is already dead, only not yet reaped.
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

jupyterTest(
  "runNotebook() keeps every output of the fixture across 30 runs",
  async () => {
    const runs = 30;
    const parallel = 3;
    const failures: string[] = [];
    let next = 0;
    async function worker(): Promise<void> {
      while (next < runs) {
        const run = next++;
        const { notebook } = await runNotebook(FIXTURE, {
          timeoutSeconds: 120,
        });
        const code = notebook.cells.filter((cell) => cell.cell_type === "code");
        const actual = code.map((cell) => (cell.outputs ?? []).map(summarize));
        try {
          assert.deepEqual(actual, EXPECTED_OUTPUTS);
          assert.deepEqual(
            code.map((cell) => cell.execution_count),
            [1, 2, 3, 4, 5],
          );
          assert.deepEqual(notebook.metadata.kernelspec, {
            name: "deno",
            display_name: "Deno",
            language: "typescript",
          });
          assert.equal(
            (notebook.metadata.language_info as { name: string }).name,
            "typescript",
          );
        } catch (error) {
          failures.push(`run ${run + 1}: ${(error as Error).message}`);
        }
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker));
    assert.deepEqual(failures, [], `${failures.length}/${runs} runs differ`);
  },
);

jupyterTest(
  "runNotebook() reports the failing cell with its error",
  async () => {
    await withNotebook([
      'console.log("fine");',
      'throw new TypeError("broken on purpose");',
      'console.log("never runs");',
    ], async (path) => {
      await assert.rejects(
        runNotebook(path, { timeoutSeconds: 60 }),
        (error: unknown) => {
          assert.ok(error instanceof NotebookRunError);
          assert.equal(error.exitCode, 1);
          assert.match(error.message, /generated\.ipynb cell 2 \(index 1\)/);
          assert.match(error.message, /TypeError/);
          assert.match(error.message, /broken on purpose/);
          return true;
        },
      );
    });
  },
);

jupyterTest(
  "runNotebook() stops a hanging cell, names it and leaves no kernel",
  async () => {
    await withNotebook([
      "1 + 1;",
      "await new Promise(() => {});",
    ], async (path) => {
      const start = performance.now();
      let kernelPid: number | undefined;
      await assert.rejects(
        runNotebook(path, { timeoutSeconds: 5 }),
        (error: unknown) => {
          assert.ok(error instanceof NotebookRunError);
          assert.equal(error.exitCode, 3);
          assert.match(error.message, /generated\.ipynb cell 2 \(index 1\)/);
          assert.match(error.message, /did not finish within 5 s/);
          kernelPid = error.kernelPid;
          return true;
        },
      );
      const seconds = (performance.now() - start) / 1000;
      assert.ok(seconds < 60, `took ${seconds.toFixed(1)} s`);
      assert.ok(kernelPid !== undefined, "kernel pid not reported");
      assert.ok(await processGone(kernelPid), `kernel ${kernelPid} still runs`);
    });
  },
);

jupyterTest(
  "runNotebook() with twice reruns every cell in one kernel and keeps the first pass's outputs",
  async () => {
    await withNotebook([
      // Top-level const, function and class are declared again by pass 2.
      "const state = globalThis as { passes?: number };\nstate.passes = (state.passes ?? 0) + 1;\nconsole.log(`pass ${state.passes}`);",
      "function twice(n: number) { return 2 * n; }\nclass Box { constructor(readonly value: number) {} }\nnew Box(twice(21)).value;",
    ], async (path) => {
      const { notebook } = await runNotebook(path, {
        timeoutSeconds: 60,
        twice: true,
      });
      const code = notebook.cells.filter((cell) => cell.cell_type === "code");
      assert.deepEqual(
        code.map((cell) => (cell.outputs ?? []).map(summarize)),
        [
          ["stream stdout: pass 1\n"],
          ["execute_result [2]: 42"],
        ],
      );
    });
  },
);

jupyterTest(
  "runNotebook() with twice names the cell that fails on the second pass",
  async () => {
    await withNotebook([
      "1 + 1;",
      'const state = globalThis as { passes?: number };\nstate.passes = (state.passes ?? 0) + 1;\nif (state.passes === 2) throw new RangeError("fails on the rerun");',
    ], async (path) => {
      await assert.rejects(
        runNotebook(path, { timeoutSeconds: 60, twice: true }),
        (error: unknown) => {
          assert.ok(error instanceof NotebookRunError);
          assert.equal(error.exitCode, 1);
          assert.match(
            error.message,
            /generated\.ipynb pass 2 cell 2 \(index 1\): RangeError: fails on the rerun/,
          );
          return true;
        },
      );
    });
  },
);

jupyterTest(
  "runNotebook() with twice names each kind of leak and leaves no process",
  async (t) => {
    const leaks: { kind: string; cell: string; message: RegExp }[] = [
      {
        kind: "a child process",
        cell: 'new Deno.Command("sleep", { args: ["60"] }).spawn();',
        message:
          /pass 1 left child processes of the kernel: (\d+) \(sleep, state \w\)/,
      },
      {
        kind: "a worker",
        cell:
          'new Worker("data:text/javascript,self.onmessage = () => {};", { type: "module" });',
        message:
          /worker threads grew from (\d+) after pass 1 to (\d+) after pass 2/,
      },
      {
        kind: "a listening socket",
        cell: 'Deno.listen({ hostname: "127.0.0.1", port: 0 });',
        message:
          /listening TCP sockets grew from (\d+) after pass 1 to (\d+) after pass 2/,
      },
    ];
    for (const { kind, cell, message } of leaks) {
      await t.step(kind, async () => {
        await withNotebook([cell], async (path) => {
          let caught: NotebookRunError | undefined;
          await assert.rejects(
            runNotebook(path, { timeoutSeconds: 60, twice: true }),
            (error: unknown) => {
              assert.ok(error instanceof NotebookRunError);
              caught = error;
              return true;
            },
          );
          assert.ok(caught !== undefined);
          assert.equal(caught.exitCode, 4, caught.message);
          assert.match(caught.message, /kernel leaked resources/);
          assert.match(caught.message, /Leak in .*generated\.ipynb: /);
          const match = caught.message.match(message);
          assert.ok(match, caught.message);
          assert.ok(caught.kernelPid !== undefined, "kernel pid not reported");
          assert.ok(await processGone(caught.kernelPid), "kernel still runs");
          if (kind === "a child process") {
            const child = Number(match[1]);
            assert.ok(await processGone(child), `child ${child} still runs`);
          } else {
            // Each pass leaves one more behind.
            assert.equal(Number(match[2]), Number(match[1]) + 1);
          }
        });
      });
    }
  },
);

for (const path of notebooks) {
  const name = path.split("/").pop();
  jupyterTest(
    `notebook ${name} runs twice in one kernel in quick mode, leaking nothing`,
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        const outputPath = `${dir}/${name}`;
        const result = await runNotebook(path, {
          outputPath,
          quick: true,
          twice: true,
          timeoutSeconds: 300,
        });
        assert.equal(result.outputPath, outputPath);
        assert.ok((await Deno.stat(outputPath)).isFile);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
