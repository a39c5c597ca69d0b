/**
 * Notebook displays that also read well in a terminal: {@linkcode table}
 * turns rows into an HTML table plus an aligned text table, and
 * {@linkcode progress} shows a bar that updates in place, in a notebook
 * (one display updated through its `display_id`) or on stderr.
 *
 * @module
 */

import { assertInteger } from "../util/validate.ts";

import { displayable, type JupyterKernel, jupyterKernel } from "./_jupyter.ts";

/** A table as a Jupyter MIME bundle; shows itself as a cell's last value. */
export interface TableBundle {
  /** An HTML `<table>` with a header row. */
  "text/html": string;
  /** The same table as aligned monospace text. */
  "text/plain": string;
  [mimeType: string]: string;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(
      Number(value.toPrecision(4)),
    );
  }
  return typeof value === "string" ? value : String(value);
}

/**
 * Shows rows of data as a table: HTML in a notebook, aligned text elsewhere.
 *
 * Columns are the union of the rows' keys in order of first appearance;
 * missing cells are blank, numbers are right-aligned in the text and rounded
 * to 4 significant digits when not integers.
 *
 * @param rows One plain object per row.
 * @returns A MIME bundle with `text/html` and `text/plain`.
 * @throws {TypeError} When `rows` is not an array of plain objects.
 *
 * @example
 * ```ts
 * import { table } from "./display.ts";
 * import assert from "node:assert/strict";
 * const bundle = table([{ workers: 1, ms: 120.5 }, { workers: 8, ms: 20 }]);
 * assert.equal(
 *   bundle["text/plain"],
 *   "workers |    ms\n------- | -----\n      1 | 120.5\n      8 |    20",
 * );
 * assert.match(bundle["text/html"], /<th>workers<\/th>/);
 * ```
 */
export function table(rows: readonly Record<string, unknown>[]): TableBundle {
  if (!Array.isArray(rows)) {
    throw new TypeError(
      `Cannot make a table: 'rows' must be an array of objects, received ${typeof rows}`,
    );
  }
  const columns: string[] = [];
  rows.forEach((row, index) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new TypeError(
        `Cannot make a table: row ${index} must be a plain object, received ${
          Array.isArray(row) ? "an array" : String(row)
        }`,
      );
    }
    for (const key of Object.keys(row)) {
      if (!columns.includes(key)) columns.push(key);
    }
  });
  const cells = rows.map((row) =>
    columns.map((column) => cellText(row[column]))
  );
  const numeric = columns.map((column) =>
    rows.every((row) =>
      row[column] === undefined || typeof row[column] === "number"
    )
  );
  const widths = columns.map((column, c) =>
    Math.max(column.length, ...cells.map((line) => line[c].length))
  );
  const pad = (text: string, c: number) =>
    numeric[c] ? text.padStart(widths[c]) : text.padEnd(widths[c]);
  const textLines = [
    columns.map(pad).join(" | "),
    widths.map((width) => "-".repeat(width)).join(" | "),
    ...cells.map((line) => line.map(pad).join(" | ")),
  ].map((line) => line.trimEnd());
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join(
    "",
  );
  const body = cells.map((line) =>
    `<tr>${
      line.map((cell, c) =>
        numeric[c]
          ? `<td style="text-align:right">${escapeHtml(cell)}</td>`
          : `<td>${escapeHtml(cell)}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  return displayable({
    "text/html":
      `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`,
    "text/plain": columns.length === 0 ? "(empty table)" : textLines.join("\n"),
  });
}

/** Where a terminal progress bar is drawn; `Deno.stderr` fits. */
export interface ProgressStream {
  /** Writes bytes synchronously. */
  writeSync(bytes: Uint8Array): number;
  /** Whether the stream is a terminal, so `\r` can redraw one line. */
  isTerminal(): boolean;
}

/** Options of {@linkcode progress}. */
export interface ProgressOptions {
  /**
   * Text shown before the bar.
   * @default {"progress"}
   */
  label?: string;
  /**
   * Width of the bar, in characters.
   * @default {30}
   */
  width?: number;
  /**
   * Least time between two redraws, in milliseconds; the final state is
   * always drawn.
   * @default {100}
   */
  minIntervalMs?: number;
  /**
   * The terminal stream, used outside a notebook.
   * @default {Deno.stderr}
   */
  stream?: ProgressStream;
  /**
   * The kernel to display in; `null` forces terminal output.
   * @default {the running Jupyter kernel, if any}
   */
  kernel?: Pick<JupyterKernel, "broadcast"> | null;
  /**
   * Show an estimate of the time left, `ETA 1m05s`, from the time taken so
   * far and the share of steps done (give steps weights proportional to
   * their expected duration through `tick(steps)` for a fair estimate).
   * @default {false}
   */
  eta?: boolean;
}

/** A running progress display, made by {@linkcode progress}. */
export interface Progress {
  /** Steps done so far. */
  readonly done: number;
  /** Steps in all, or `undefined` while not known yet. */
  readonly total: number | undefined;
  /** Adds `steps` (default 1) done steps and redraws if due. */
  tick(steps?: number): void;
  /**
   * Sets the number of steps in all, once the work knows it, and redraws.
   *
   * @throws {RangeError} When `total` is not a non-negative integer.
   */
  setTotal(total: number): void;
  /**
   * Sets the text shown after the bar, e.g. the step now running, and
   * redraws at once; outside a terminal it prints a new line.
   */
  status(text: string): void;
  /** Draws the final state and waits until every notebook update is sent. */
  finish(): Promise<void>;
}

/**
 * A progress display fed by an experiment's `onProgress(done, total)`
 * callback, made by {@linkcode progressReporter}.
 */
export interface ProgressReporter {
  /** Pass this as the experiment's `onProgress`. */
  readonly onProgress: (done: number, total: number) => void;
  /** Draws the final state. */
  finish(): Promise<void>;
}

/** A duration as `45s` or `2m05s`, rounded to the second. */
function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${
    String(seconds % 60).padStart(2, "0")
  }s`;
}

function checkTotal(total: unknown): asserts total is number {
  assertInteger("Cannot show progress", "total", total, { min: 0 });
}

/**
 * A progress bar that updates in place: in a notebook, one display output
 * updated through its `display_id` (`update_display_data`), shown at 0 the
 * moment the bar is made; in a terminal, a line on stderr redrawn with `\r`,
 * also drawn at once; when stderr is not a terminal, a plain line at each
 * tenth of the way and at each {@linkcode Progress.status} change. With
 * `eta: true` it also shows the time left, extrapolated from the steps done
 * so far.
 *
 * @param total Steps in all; leave it `undefined` when the work does not know
 *   it yet, and give it later with {@linkcode Progress.setTotal}.
 * @param options Label, bar width, redraw interval, ETA, and where to draw.
 * @returns The progress display; call `tick()` per step and `finish()` at the end.
 * @throws {RangeError} When `total` is not a non-negative integer or `width` not a positive one.
 *
 * @example
 * ```ts
 * import { progress } from "./display.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 *   isTerminal: () => false,
 * };
 * const bar = progress(4, { label: "runs", width: 4, stream, kernel: null });
 * for (let i = 0; i < 4; i++) bar.tick();
 * await bar.finish();
 * assert.equal(bar.done, 4);
 * assert.equal(lines.at(-1), "runs [####] 4/4 100%\n");
 * ```
 */
export function progress(
  total: number | undefined,
  options: ProgressOptions = {},
): Progress {
  const {
    label = "progress",
    width = 30,
    minIntervalMs = 100,
    stream = Deno.stderr,
    eta = false,
  } = options;
  const kernel = options.kernel === undefined
    ? jupyterKernel()
    : options.kernel;
  if (total !== undefined) checkTotal(total);
  assertInteger("Cannot show progress", "width", width);
  const displayId = `progress-${crypto.randomUUID()}`;
  const encoder = new TextEncoder();
  const terminal = kernel ? false : stream.isTerminal();
  const startedMs = performance.now();
  let steps = total;
  let done = 0;
  let statusText = "";
  let lastDrawMs = -Infinity;
  let lastTenth = 0;
  let lastLength = 0;
  let shown = false;
  let sending: Promise<void> = Promise.resolve();

  const fraction = () =>
    steps === undefined ? 0 : steps === 0 ? 1 : Math.min(done / steps, 1);
  const count = () => `${done}/${steps ?? "…"}`;
  const text = () => {
    const filled = Math.round(fraction() * width);
    let line = `${label} [${"#".repeat(filled)}${
      "-".repeat(width - filled)
    }] ${count()} ${Math.floor(fraction() * 100)}%`;
    if (eta && steps !== undefined && done > 0 && done < steps) {
      const leftMs = (performance.now() - startedMs) * (steps - done) / done;
      line += ` ETA ${formatDuration(leftMs)}`;
    }
    return statusText ? `${line} · ${statusText}` : line;
  };
  const draw = (final: boolean, forced = false) => {
    const now = performance.now();
    if (!final && !forced && now - lastDrawMs < minIntervalMs) return;
    lastDrawMs = now;
    const line = text();
    if (kernel) {
      const content = {
        data: {
          "text/plain": line,
          "text/html": `<div style="font-family:monospace">${
            escapeHtml(label)
          } <progress value="${fraction()}" max="1" style="width:20em"></progress> ${count()}${
            statusText ? ` · ${escapeHtml(statusText)}` : ""
          }</div>`,
        },
        metadata: {},
        transient: { display_id: displayId },
      };
      const type = shown ? "update_display_data" : "display_data";
      shown = true;
      sending = sending.then(() => kernel.broadcast(type, content));
    } else if (terminal) {
      // Spaces wipe what a longer previous line left behind.
      const padded = line.padEnd(lastLength);
      lastLength = line.length;
      stream.writeSync(encoder.encode(`\r${padded}${final ? "\n" : ""}`));
    } else {
      const tenth = steps === undefined
        ? 0
        : steps === 0
        ? 10
        : Math.floor((done / steps) * 10);
      if (tenth > lastTenth || final || forced) {
        lastTenth = Math.max(lastTenth, tenth);
        stream.writeSync(encoder.encode(`${line}\n`));
      }
    }
  };

  let finished = false;
  // In a notebook or a terminal the bar is there, at 0, from the start.
  if (kernel || terminal) draw(false, true);
  return {
    get done() {
      return done;
    },
    get total() {
      return steps;
    },
    tick(count = 1) {
      done += count;
      if (!finished) draw(false);
    },
    setTotal(total: number) {
      checkTotal(total);
      steps = total;
      if (!finished) draw(false, true);
    },
    status(text: string) {
      statusText = text;
      if (!finished) draw(false, true);
    },
    async finish() {
      if (!finished) {
        finished = true;
        if (terminal || kernel || lastTenth < 10) draw(true);
      }
      await sending;
    },
  };
}

/**
 * A {@linkcode progress} display for the course's experiments, which report
 * `onProgress(done, total)` and only know the total once they start: the bar
 * shows at once, at 0 of a total still unknown, and takes the total from the
 * first report.
 *
 * @param label Text shown before the bar.
 * @param options Everything else {@linkcode progress} takes.
 * @returns The callback to pass on and the `finish()` to await afterwards.
 *
 * @example
 * ```ts
 * import { progressReporter } from "./display.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 *   isTerminal: () => false,
 * };
 * const reporter = progressReporter("runs", { width: 2, stream, kernel: null });
 * for (let done = 0; done <= 2; done++) reporter.onProgress(done, 2);
 * await reporter.finish();
 * assert.equal(lines.at(-1), "runs [##] 2/2 100%\n");
 * ```
 */
export function progressReporter(
  label: string,
  options: Omit<ProgressOptions, "label"> = {},
): ProgressReporter {
  const bar = progress(undefined, { ...options, label });
  return {
    onProgress: (done, total) => {
      if (bar.total !== total) bar.setTotal(total);
      bar.tick(done - bar.done);
    },
    finish: () => bar.finish(),
  };
}
