/**
 * Checks of the real Deno Jupyter kernel, the pinned one, run through the
 * project's notebook runner (`run_notebooks.ts`):
 *
 * - the regression guard of the pin: a Worker started in a kernel cell must
 *   answer within 10× the time the same start takes under `deno run`,
 *   measured in the same cell by the same function (medians of several
 *   starts). Deno 2.9.1 to 2.9.6 fail it by about 100×: a new worker waits
 *   twice ~500 ms for a debugger because the kernel holds an inspector
 *   session. When a newer Deno passes, the pin can move.
 * - the course's cell-end wait (`lib/display/_jupyter.ts`) works in the
 *   kernel: once lib is loaded, every cell ends only after its output is
 *   seen on IOPub.
 *
 * Needs Jupyter from Debian: ignored without it, failing when `CI=true`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { PINNED_DENO_VERSION } from "./deno_pin.ts";
import { jupyterAvailable, runNotebook } from "./run_notebooks.ts";

const LIB = new URL("../lib/", import.meta.url);
/** Starts of each kind of worker module, on each side; medians are compared. */
const REPEATS = 7;
/** The most a kernel start may take, in multiples of a `deno run` start. */
const MAX_RATIO = 10;

const available = await jupyterAvailable();
const inCi = Deno.env.get("CI") === "true";
if (!available && !inCi) {
  console.warn(
    "kernel_test.ts: ignored, Jupyter is missing from /usr/bin/python3",
  );
}

/** Runs the cells in a fresh pinned kernel and returns each one's stdout. */
async function runInKernel(cells: string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "kernel_test_" });
  try {
    const path = `${dir}/cells.ipynb`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "deno", display_name: "Deno" } },
        cells: cells.map((source, i) => ({
          cell_type: "code",
          id: `cell-${i}`,
          metadata: {},
          execution_count: null,
          outputs: [],
          source,
        })),
      }),
    );
    const { notebook } = await runNotebook(path, { timeoutSeconds: 300 });
    return notebook.cells.map((cell) =>
      (cell.outputs ?? []).filter((output) => output.name === "stdout")
        .map((output) =>
          Array.isArray(output.text) ? output.text.join("") : output.text ?? ""
        ).join("")
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    `A Worker starts in the pinned kernel (Deno ${PINNED_DENO_VERSION}) within ${MAX_RATIO}× of a deno run start`,
  ignore: !available && !inCi,
  async fn() {
    assert.ok(available, "CI=true but Jupyter is missing");
    const experiment = new URL(
      "experiments/startup_memory_isolation.ts",
      LIB,
    );
    const [output] = await runInKernel([`
const { workerStartupByKind, workerStartupInChild } = await import(${
      JSON.stringify(experiment.href)
    });
const options = { repeats: ${REPEATS}, parallel: 1 };
const kernel = await workerStartupByKind(options);
const program = await workerStartupInChild(options);
console.log(JSON.stringify({ version: Deno.version.deno, kernel, program }));
`]);
    const { version, kernel, program } = JSON.parse(output);
    assert.equal(
      version,
      PINNED_DENO_VERSION,
      "the kernel is not the pinned Deno",
    );
    const rows = kernel.bySource.map((
      row: { source: string; medianMs: number },
      i: number,
    ) => ({
      source: row.source,
      kernelMs: row.medianMs,
      programMs: program.bySource[i].medianMs,
    }));
    console.log(
      `Worker start to first reply, median of ${REPEATS}, Deno ${version}:\n${
        rows.map((
          row: { source: string; kernelMs: number; programMs: number },
        ) =>
          `  ${row.source}: kernel ${row.kernelMs.toFixed(1)} ms, deno run ${
            row.programMs.toFixed(1)
          } ms (${(row.kernelMs / row.programMs).toFixed(2)}×)`
        ).join("\n")
      }`,
    );
    for (const row of rows) {
      assert.ok(
        row.kernelMs <= MAX_RATIO * row.programMs,
        `${row.source}: a worker took ${
          row.kernelMs.toFixed(1)
        } ms to start in the kernel, more than ${MAX_RATIO}× the ${
          row.programMs.toFixed(1)
        } ms of deno run: the kernel's worker stall is back`,
      );
    }
  },
});

Deno.test({
  name:
    "Once lib is loaded, every kernel cell ends after its output is published",
  ignore: !available && !inCi,
  async fn() {
    assert.ok(available, "CI=true but Jupyter is missing");
    const jupyter = new URL("display/_jupyter.ts", LIB);
    const [loaded] = await runInKernel([`
import ${JSON.stringify(new URL("display/quick_mode.ts", LIB).href)};
const { outputsPublished } = await import(${JSON.stringify(jupyter.href)});
const internals = Deno[Deno.internal].jupyter;
console.log(JSON.stringify({
  wrapped: internals[Symbol.for("course.outputsPublished")] === true,
  published: await outputsPublished(),
}));
`]);
    assert.deepEqual(JSON.parse(loaded), { wrapped: true, published: true });
  },
});
