/**
 * Starts Debian's classic Jupyter Notebook server (`jupyter-notebook`, 6.4)
 * on 127.0.0.1 with this project's Deno kernel, for tests that drive the
 * course in a real front end.
 *
 * The server serves a scratch copy of the project: every top-level entry is a
 * symlink to the real one, except `notebooks/`, whose `.ipynb` files are
 * copies. Whatever the front end saves (autosave, trust) lands in the copies,
 * never in the committed notebooks. Its Jupyter folders are fresh temporary
 * ones, so no notebook is trusted and no user configuration applies; the
 * kernelspec `deno` runs the pinned Deno (see `deno_pin.ts`).
 *
 * @module
 */

import { writeKernelspec } from "./run_notebooks.ts";

/** Where Debian installs the `jupyter` command. */
export const JUPYTER_PATH = "/usr/bin/jupyter";

/** Options of {@linkcode startNotebookServer}. */
export interface NotebookServerOptions {
  /**
   * Set `COURSE_QUICK=1` for the kernels, so every workload is test-sized.
   * @default {false}
   */
  quick?: boolean;
  /**
   * How long to wait for the server to answer, in milliseconds.
   * @default {30000}
   */
  startTimeoutMs?: number;
}

/** A running notebook server, made by {@linkcode startNotebookServer}. */
export interface NotebookServer extends AsyncDisposable {
  /** The server's base URL, e.g. `http://127.0.0.1:8899/`. */
  readonly url: string;
  /** The token every request needs. */
  readonly token: string;
  /** The scratch project folder the server serves. */
  readonly root: string;
  /**
   * The URL that opens `notebooks/<name>` in the classic front end, with the
   * token.
   */
  notebookUrl(name: string): string;
  /**
   * Shuts down every kernel, stops the server and removes the scratch
   * folders; kills any kernel that outlived the server.
   */
  close(): Promise<void>;
}

const PROJECT = new URL("../", import.meta.url);
/** Top-level entries the scratch project leaves out. */
const NOT_MIRRORED = new Set([".git", "notebooks", "reports"]);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A symlink of every project entry, copies of the notebooks. */
async function mirrorProject(root: string): Promise<void> {
  await Deno.mkdir(`${root}/notebooks`, { recursive: true });
  for await (const entry of Deno.readDir(PROJECT)) {
    if (NOT_MIRRORED.has(entry.name)) continue;
    await Deno.symlink(
      new URL(entry.name, PROJECT).pathname,
      `${root}/${entry.name}`,
    );
  }
  const notebooks = new URL("notebooks/", PROJECT);
  for await (const entry of Deno.readDir(notebooks)) {
    const source = new URL(entry.name, notebooks).pathname;
    const target = `${root}/notebooks/${entry.name}`;
    if (entry.isFile && entry.name.endsWith(".ipynb")) {
      await Deno.copyFile(source, target);
    } else {
      await Deno.symlink(source, target);
    }
  }
}

/** Pids of processes whose command line names `marker` (Linux `/proc`). */
function processesNaming(marker: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(marker)) found.push(Number(entry.name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function drain(
  stream: ReadableStream<Uint8Array>,
  log: string[],
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    log.push(decoder.decode(chunk, { stream: true }));
  }
}

/**
 * Starts the classic Notebook server on a free port of 127.0.0.1, with a
 * random token, fresh Jupyter folders (nothing trusted) and the kernelspec
 * `deno`, serving a scratch copy of the project.
 *
 * @param options Quick mode for the kernels and the start-up timeout.
 * @returns The running server; `await using` closes it.
 * @throws {Error} When `jupyter` is missing or the server does not answer
 *   in time; the message carries the server's log.
 *
 * @example
 * ```ts ignore
 * import { startNotebookServer } from "./notebook_server.ts";
 * await using server = await startNotebookServer({ quick: true });
 * const response = await fetch(`${server.url}api/status?token=${server.token}`);
 * console.log(response.status); // 200
 * ```
 */
export async function startNotebookServer(
  options: NotebookServerOptions = {},
): Promise<NotebookServer> {
  const { quick = false, startTimeoutMs = 30_000 } = options;
  const scratch = await Deno.makeTempDir({ prefix: "notebook_server_" });
  const root = `${scratch}/project`;
  const runtime = `${scratch}/runtime`;
  let child: Deno.ChildProcess | undefined;
  let logDone: Promise<void> = Promise.resolve();
  const log: string[] = [];
  const token = crypto.randomUUID().replaceAll("-", "");
  const port = freePort();
  const url = `http://127.0.0.1:${port}/`;

  const close = async () => {
    if (child !== undefined) {
      await shutDownKernels(url, token);
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const killer = setTimeout(() => {
        try {
          child?.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, 10_000);
      await child.status;
      clearTimeout(killer);
      await logDone;
      // Kernels name their connection file, which lives in our runtime folder.
      for (const pid of processesNaming(runtime)) {
        Deno.kill(pid, "SIGKILL");
      }
      child = undefined;
    }
    await Deno.remove(scratch, { recursive: true });
  };

  try {
    await mirrorProject(root);
    await writeKernelspec(`${scratch}/share`);
    for (const dir of ["data", "config", "runtime"]) {
      await Deno.mkdir(`${scratch}/${dir}`);
    }
    const env: Record<string, string> = {
      JUPYTER_PATH: `${scratch}/share`,
      JUPYTER_DATA_DIR: `${scratch}/data`,
      JUPYTER_CONFIG_DIR: `${scratch}/config`,
      JUPYTER_RUNTIME_DIR: runtime,
      PYTHONUNBUFFERED: "1",
    };
    if (quick) env.COURSE_QUICK = "1";
    child = new Deno.Command(JUPYTER_PATH, {
      args: [
        "notebook",
        "--no-browser",
        "--ip=127.0.0.1",
        `--port=${port}`,
        "--port-retries=0",
        `--NotebookApp.token=${token}`,
        `--notebook-dir=${root}`,
        "--NotebookApp.terminals_enabled=False",
        "--NotebookNotary.db_file=:memory:",
        ...(Deno.uid() === 0 ? ["--allow-root"] : []),
      ],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    logDone = Promise.all([
      drain(child.stdout, log),
      drain(child.stderr, log),
    ]).then(() => {});
    const exited = child.status.then((status) => status);
    const deadline = Date.now() + startTimeoutMs;
    while (true) {
      const ready = await fetch(`${url}api/status?token=${token}`)
        .then(async (response) => {
          await response.body?.cancel();
          return response.ok;
        })
        .catch(() => false);
      if (ready) break;
      const status = await Promise.race([
        exited,
        new Promise<undefined>((resolve) =>
          setTimeout(() => resolve(undefined), 200)
        ),
      ]);
      if (status !== undefined) {
        throw new Error(
          `The notebook server exited with code ${status.code} before answering:\n${
            log.join("")
          }`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The notebook server did not answer within ${startTimeoutMs} ms:\n${
            log.join("")
          }`,
        );
      }
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    url,
    token,
    root,
    notebookUrl: (name) =>
      `${url}notebooks/notebooks/${encodeURIComponent(name)}?token=${token}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Asks the server to shut down every kernel it runs. */
async function shutDownKernels(url: string, token: string): Promise<void> {
  const headers = { Authorization: `token ${token}` };
  try {
    const response = await fetch(`${url}api/kernels`, { headers });
    const kernels: { id: string }[] = await response.json();
    for (const { id } of kernels) {
      const done = await fetch(`${url}api/kernels/${id}`, {
        method: "DELETE",
        headers,
      });
      await done.body?.cancel();
    }
  } catch {
    // The server is already down: the /proc sweep in close() remains.
  }
}
