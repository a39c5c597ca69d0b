/**
 * Executes the course notebooks on the Deno Jupyter kernel, losing no output.
 *
 * ```sh
 * deno run -A scripts/run_notebooks.ts [--in-place | --out-dir DIR] [--quick] [--twice] [--timeout S] [notebook...]
 * ```
 *
 * With no notebook given, every `notebooks/*.ipynb` is run. With neither
 * `--in-place` nor `--out-dir`, the notebooks are executed as a check and the
 * executed copies are discarded. `--quick` sets `COURSE_QUICK=1` for the
 * kernel. `--timeout` is the limit per cell, in seconds (default 600).
 * `--twice` runs every notebook top to bottom twice in one kernel, as a
 * learner who re-runs it does, then fails if a cell errs on the second pass
 * or the kernel kept child processes, workers, listening sockets or threads;
 * the outputs kept are those of the first pass.
 *
 * The work is done by `scripts/notebook_client.py`, run with the Debian
 * Python (`/usr/bin/python3`, which has `jupyter_client` and `nbformat`). A
 * kernelspec named `deno` whose command is the pinned Deno (`deno_pin.ts`:
 * this very executable when it is the pinned version) is written into a
 * temporary directory given to Python as `JUPYTER_PATH`, so no user-level
 * kernelspec is needed and the kernel is the pinned one. See the header of `notebook_client.py` for
 * how late outputs of the kernel are waited for.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { splitLines } from "../lib/util/lines.ts";
import { type CommandResult, runCommand } from "../lib/util/run_command.ts";

import { type ChartPainter, openChartPainter } from "./chart_pictures.ts";
import { pinnedDenoPath } from "./deno_pin.ts";

/** The Python interpreter that has `jupyter_client` and `nbformat`. */
export const DEFAULT_PYTHON = "/usr/bin/python3";

/** The default limit, in seconds, for a single cell. */
export const DEFAULT_CELL_TIMEOUT_SECONDS = 600;

/** The command that installs the Jupyter pieces the runner needs. */
export const JUPYTER_INSTALL_HINT =
  "apt-get install -y --no-install-recommends jupyter-nbconvert jupyter-client python3-nbclient";

const CLIENT_SCRIPT = new URL("./notebook_client.py", import.meta.url);

/** Options of {@linkcode runNotebook}. */
export interface RunNotebookOptions {
  /**
   * Where to write the executed notebook. May equal the input path to run
   * in place. When omitted, the executed notebook is written to a temporary
   * file, parsed into the result, then deleted.
   */
  outputPath?: string;
  /** Limit per cell, in seconds. Defaults to 600. */
  timeoutSeconds?: number;
  /** Set `COURSE_QUICK=1` for the kernel. Defaults to `false`. */
  quick?: boolean;
  /**
   * Run every cell, then every cell again in the same kernel, and reject
   * when a cell fails on the second pass (exit code 1, the message names
   * `pass 2 cell N`) or when the kernel leaks (exit code 4): a child process
   * left after either pass, or more worker threads, listening sockets or
   * threads (beyond a small slack) after the second pass than after the
   * first. The outputs kept are those of the first pass. Defaults to `false`.
   */
  twice?: boolean;
  /** Extra environment variables for the client and the kernel. */
  env?: Record<string, string>;
  /** The Python interpreter to use. Defaults to `/usr/bin/python3`. */
  python?: string;
  /**
   * Run `deno fmt` on the written notebook, so `deno fmt --check` accepts
   * it. Defaults to `true`; only applies when `outputPath` is given.
   */
  format?: boolean;
  /**
   * Draws a static picture of every chart into the written notebook (see
   * `chart_pictures.ts`), so front ends that run no scripts show the charts.
   * Only applies when `outputPath` is given. Defaults to none.
   */
  painter?: ChartPainter;
}

/** One output of an executed code cell, as stored in nbformat v4. */
export interface NotebookOutput {
  /** `stream`, `display_data`, `execute_result` or `error`. */
  output_type: string;
  /** Stream name (`stdout` / `stderr`) for stream outputs. */
  name?: string;
  /** Stream text, as a string or list of lines. */
  text?: string | string[];
  /** MIME bundle of display and result outputs. */
  data?: Record<string, unknown>;
  /** Execution count of an `execute_result`. */
  execution_count?: number | null;
  /** Other fields kept as they are. */
  [key: string]: unknown;
}

/** A notebook cell, as stored in nbformat v4. */
export interface NotebookCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: string;
  /** The cell's source, as a string or list of lines. */
  source: string | string[];
  /** Outputs of a code cell. */
  outputs?: NotebookOutput[];
  /** Execution count of a code cell. */
  execution_count?: number | null;
  /** Other fields kept as they are. */
  [key: string]: unknown;
}

/** A notebook, as stored in nbformat v4. */
export interface Notebook {
  /** The cells, in order. */
  cells: NotebookCell[];
  /** Notebook metadata (kernelspec, language_info, ...). */
  metadata: Record<string, unknown>;
  /** Major nbformat version, 4. */
  nbformat: number;
  /** Minor nbformat version. */
  nbformat_minor: number;
}

/** What {@linkcode runNotebook} returns when every cell ran. */
export interface RunNotebookResult {
  /** The notebook that was run. */
  path: string;
  /** Where the executed notebook was written, or `undefined` if discarded. */
  outputPath: string | undefined;
  /** The executed notebook. */
  notebook: Notebook;
  /** Wall-clock time of the run, in milliseconds. */
  durationMs: number;
  /** Process id of the kernel that ran the notebook, when known. */
  kernelPid: number | undefined;
}

/** Thrown by {@linkcode runNotebook} when a cell fails or times out. */
export class NotebookRunError extends Error {
  /** Exit code of the client: 1 cell error, 2 usage, 3 timeout, 4 leak. */
  exitCode: number;
  /** The notebook that was run. */
  path: string;
  /** Process id of the kernel, when known. */
  kernelPid: number | undefined;
  /** Everything the client printed to stderr. */
  stderr: string;

  /**
   * Creates the error.
   *
   * @param message The message.
   * @param path The notebook that was run.
   * @param exitCode Exit code of the client.
   * @param stderr What the client printed to stderr.
   * @param kernelPid Process id of the kernel, when known.
   */
  constructor(
    message: string,
    path: string,
    exitCode: number,
    stderr: string,
    kernelPid: number | undefined,
  ) {
    super(message);
    this.name = "NotebookRunError";
    this.path = path;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.kernelPid = kernelPid;
  }
}

/**
 * Whether Jupyter is usable: the Python interpreter exists and can import
 * `jupyter_client` and `nbformat`.
 *
 * @param python The Python interpreter to probe. Defaults to `/usr/bin/python3`.
 * @returns `true` when notebooks can be executed.
 *
 * @example
 * ```ts ignore
 * import { jupyterAvailable } from "./run_notebooks.ts";
 * if (!await jupyterAvailable()) console.warn("Jupyter is missing");
 * ```
 */
export async function jupyterAvailable(
  python: string = DEFAULT_PYTHON,
): Promise<boolean> {
  try {
    const { success } = await runCommand(python, [
      "-c",
      "import jupyter_client, nbformat",
    ], { allowFailure: true });
    return success;
  } catch {
    return false;
  }
}

/**
 * Writes a kernelspec named `deno` that runs the pinned Deno's kernel into
 * `<dir>/kernels/deno/kernel.json`, for Jupyter to find through
 * `JUPYTER_PATH=<dir>`.
 *
 * @param dir The folder to put `kernels/deno/` in.
 *
 * @example
 * ```ts
 * import { writeKernelspec } from "./run_notebooks.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeKernelspec(dir);
 * const spec = JSON.parse(await Deno.readTextFile(`${dir}/kernels/deno/kernel.json`));
 * assert.equal(spec.argv[1], "jupyter");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeKernelspec(dir: string): Promise<void> {
  const specDir = `${dir}/kernels/deno`;
  await Deno.mkdir(specDir, { recursive: true });
  const spec = {
    argv: [
      await pinnedDenoPath(),
      "jupyter",
      "--kernel",
      "--conn",
      "{connection_file}",
    ],
    display_name: "Deno",
    language: "typescript",
  };
  await Deno.writeTextFile(
    `${specDir}/kernel.json`,
    JSON.stringify(spec, null, 2),
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function clientMessage(stderr: string): string {
  return splitLines(stderr)
    .filter((line) =>
      line.trim() !== "" && !line.includes('"deno jupyter" is unstable') &&
      !line.includes("kernel pid:") &&
      !line.includes("MissingIDFieldWarning") &&
      !line.trim().startsWith("validate(nb)")
    )
    .map((line) => line.replace(/^\[notebook_client\] /, ""))
    .join("\n");
}

async function formatNotebook(path: string): Promise<void> {
  // --no-config: deno.json keeps notebooks out of `deno fmt --check`, which
  // misreports every .ipynb as unformatted in Deno 2.9.6 (see notebook_format_test.ts).
  await runCommand(Deno.execPath(), ["fmt", "--quiet", "--no-config", path], {
    what: `deno fmt of the executed notebook '${path}'`,
  });
}

/**
 * Executes one notebook on a fresh Deno kernel and returns the executed
 * notebook. Every output of every cell is kept, including those the kernel
 * publishes after reporting itself idle.
 *
 * @param path The notebook to run.
 * @param options Where to write the result, the per-cell timeout, quick
 *   mode, a second pass with a leak check.
 * @returns The executed notebook, where it was written and how long it took.
 * @throws {NotebookRunError} When a cell throws (the message names the
 *   notebook, the cell and the error), exceeds the timeout (the message
 *   names the cell) or, with `twice`, the kernel leaks (the message names
 *   each leak); the kernel is shut down in every case.
 * @throws {Error} When the notebook does not exist or an option is invalid.
 *
 * @example
 * ```ts ignore
 * import { runNotebook } from "./run_notebooks.ts";
 * const { notebook } = await runNotebook("notebooks/01_intro.ipynb", {
 *   quick: true,
 *   timeoutSeconds: 120,
 * });
 * console.log(notebook.cells.length);
 * ```
 */
export async function runNotebook(
  path: string,
  options: RunNotebookOptions = {},
): Promise<RunNotebookResult> {
  const timeout = options.timeoutSeconds ?? DEFAULT_CELL_TIMEOUT_SECONDS;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new RangeError(
      `Cannot run notebook: timeout must be a positive number of seconds, received '${timeout}'`,
    );
  }
  if (!await isFile(path)) {
    throw new Error(`Cannot run notebook: file not found, received '${path}'`);
  }
  const tempDir = await Deno.makeTempDir({ prefix: "run_notebooks_" });
  const start = performance.now();
  try {
    await writeKernelspec(tempDir);
    const runtimeDir = `${tempDir}/runtime`;
    await Deno.mkdir(runtimeDir);
    const outputPath = options.outputPath ?? `${tempDir}/executed.ipynb`;
    const env: Record<string, string> = {
      JUPYTER_PATH: tempDir,
      JUPYTER_RUNTIME_DIR: runtimeDir,
      PYTHONUNBUFFERED: "1",
      ...options.env,
    };
    if (options.quick) env.COURSE_QUICK = "1";
    const python = options.python ?? DEFAULT_PYTHON;
    let output: CommandResult;
    try {
      output = await runCommand(python, [
        CLIENT_SCRIPT.pathname,
        path,
        outputPath,
        "--timeout",
        String(timeout),
        ...(options.twice ? ["--twice"] : []),
      ], { env, allowFailure: true });
    } catch (error) {
      throw new Error(
        `Cannot run notebook: Python not usable, received '${python}' (install with: ${JUPYTER_INSTALL_HINT})`,
        { cause: error },
      );
    }
    const stderr = output.stderr;
    const pidMatch = stderr.match(/kernel pid: (\d+)/);
    const kernelPid = pidMatch ? Number(pidMatch[1]) : undefined;
    if (!output.success) {
      const kind = output.code === 3
        ? "cell timed out"
        : output.code === 1
        ? "cell failed"
        : output.code === 4
        ? "kernel leaked resources"
        : `client exited with code ${output.code}`;
      throw new NotebookRunError(
        `Cannot run notebook '${path}': ${kind}\n${clientMessage(stderr)}`,
        path,
        output.code,
        stderr,
        kernelPid,
      );
    }
    let notebook: Notebook = JSON.parse(await Deno.readTextFile(outputPath));
    if (options.outputPath !== undefined && options.painter !== undefined) {
      await options.painter.addPictures(notebook);
      await Deno.writeTextFile(
        options.outputPath,
        `${JSON.stringify(notebook, null, 1)}\n`,
      );
    }
    if (options.outputPath !== undefined && (options.format ?? true)) {
      await formatNotebook(options.outputPath);
      notebook = JSON.parse(await Deno.readTextFile(outputPath));
    }
    return {
      path,
      outputPath: options.outputPath,
      notebook,
      durationMs: performance.now() - start,
      kernelPid,
    };
  } finally {
    await Deno.remove(tempDir, { recursive: true });
  }
}

/** Parsed command-line flags of the script. */
interface CliOptions {
  inPlace: boolean;
  outDir: string | undefined;
  quick: boolean;
  twice: boolean;
  timeout: number;
  notebooks: string[];
}

const USAGE =
  "Usage: deno run -A scripts/run_notebooks.ts [--in-place | --out-dir DIR] [--quick] [--twice] [--timeout S] [notebook...]";

function parseCli(args: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        "in-place": { type: "boolean", default: false },
        "out-dir": { type: "string" },
        quick: { type: "boolean", default: false },
        twice: { type: "boolean", default: false },
        timeout: { type: "string" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new Error(`Cannot parse flags: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  let timeout = DEFAULT_CELL_TIMEOUT_SECONDS;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (
      values.timeout.trim() === "" || !Number.isFinite(timeout) || timeout <= 0
    ) {
      throw new Error(
        `Cannot parse flags: --timeout must be a positive number of seconds, received '${values.timeout}'`,
      );
    }
  }
  if (values["in-place"] && values["out-dir"] !== undefined) {
    throw new Error(
      "Cannot parse flags: --in-place and --out-dir cannot be used together",
    );
  }
  return {
    inPlace: values["in-place"],
    outDir: values["out-dir"],
    quick: values.quick,
    twice: values.twice,
    timeout,
    notebooks: positionals,
  };
}

async function defaultNotebooks(): Promise<string[]> {
  const dir = new URL("../notebooks/", import.meta.url);
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) {
        found.push(new URL(entry.name, dir).pathname);
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

function outputPathFor(path: string, cli: CliOptions): string | undefined {
  if (cli.inPlace) return path;
  if (cli.outDir !== undefined) {
    return `${cli.outDir}/${path.split("/").pop()}`;
  }
  return undefined;
}

async function main(args: string[]): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(args);
  } catch (error) {
    console.error((error as Error).message);
    console.error(USAGE);
    return 2;
  }
  if (!await jupyterAvailable()) {
    console.error(
      `Cannot run notebooks: Jupyter is missing from ${DEFAULT_PYTHON}; install with: ${JUPYTER_INSTALL_HINT}`,
    );
    return 1;
  }
  const notebooks = cli.notebooks.length > 0
    ? cli.notebooks
    : await defaultNotebooks();
  if (notebooks.length === 0) {
    console.log("No notebooks to run.");
    return 0;
  }
  if (cli.outDir !== undefined) {
    await Deno.mkdir(cli.outDir, { recursive: true });
  }
  let failures = 0;
  const start = performance.now();
  // Saved notebooks carry a static picture of every chart.
  await using painter = cli.inPlace || cli.outDir !== undefined
    ? await openChartPainter()
    : undefined;
  for (const path of notebooks) {
    const t0 = performance.now();
    try {
      const result = await runNotebook(path, {
        outputPath: outputPathFor(path, cli),
        quick: cli.quick,
        twice: cli.twice,
        timeoutSeconds: cli.timeout,
        painter,
      });
      const where = result.outputPath ? ` -> ${result.outputPath}` : "";
      console.log(
        `ok    ${path} (${(result.durationMs / 1000).toFixed(1)} s)${where}`,
      );
    } catch (error) {
      failures++;
      const seconds = ((performance.now() - t0) / 1000).toFixed(1);
      console.error(`FAIL  ${path} (${seconds} s)`);
      console.error((error as Error).message);
    }
  }
  const total = ((performance.now() - start) / 1000).toFixed(1);
  console.log(
    `${
      notebooks.length - failures
    }/${notebooks.length} notebooks ran in ${total} s`,
  );
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
