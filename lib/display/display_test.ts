import assert from "node:assert/strict";
import {
  progress,
  progressReporter,
  type ProgressStream,
  table,
} from "./display.ts";

function recorder(terminal: boolean): ProgressStream & { text(): string } {
  const chunks: string[] = [];
  return {
    writeSync(bytes: Uint8Array) {
      chunks.push(new TextDecoder().decode(bytes));
      return bytes.length;
    },
    isTerminal: () => terminal,
    text: () => chunks.join(""),
  };
}

Deno.test("table() aligns text columns, right-aligning numbers, and escapes HTML", () => {
  const bundle = table([
    { method: "loop", ms: 12.34567 },
    { method: "<map>", ms: 3, note: "fast" },
  ]);
  assert.deepEqual(Object.keys(bundle), ["text/html", "text/plain"]);
  assert.equal(
    bundle["text/plain"],
    [
      "method |    ms | note",
      "------ | ----- | ----",
      "loop   | 12.35 |",
      "<map>  |     3 | fast",
    ].join("\n"),
  );
  assert.match(
    bundle["text/html"],
    /<th>method<\/th><th>ms<\/th><th>note<\/th>/,
  );
  assert.match(bundle["text/html"], /<td>&lt;map&gt;<\/td>/);
  assert.match(
    bundle["text/html"],
    /<td style="text-align:right">12\.35<\/td>/,
  );
});

Deno.test("table() of no rows says so", () => {
  assert.equal(table([])["text/plain"], "(empty table)");
});

Deno.test("table() rejects rows that are not plain objects, naming the row", () => {
  assert.throws(() => table("rows" as never), TypeError);
  assert.throws(
    () => table([{ a: 1 }, [1, 2]] as never),
    /row 1 must be a plain object, received an array/,
  );
});

Deno.test("progress() redraws one terminal line with \\r and ends it with a newline", async () => {
  const stream = recorder(true);
  const bar = progress(2, {
    label: "runs",
    width: 4,
    minIntervalMs: 0,
    stream,
    kernel: null,
  });
  bar.tick();
  bar.tick();
  await bar.finish();
  assert.equal(
    stream.text(),
    "\rruns [----] 0/2 0%\rruns [##--] 1/2 50%\rruns [####] 2/2 100%\rruns [####] 2/2 100%\n",
  );
});

Deno.test("progress() prints plain lines at each tenth when stderr is not a terminal", async () => {
  const stream = recorder(false);
  const bar = progress(20, {
    label: "runs",
    width: 10,
    minIntervalMs: 0,
    stream,
    kernel: null,
  });
  for (let i = 0; i < 20; i++) bar.tick();
  await bar.finish();
  const lines = stream.text().trimEnd().split("\n");
  assert.equal(lines.length, 10);
  assert.equal(lines[0], "runs [#---------] 2/20 10%");
  assert.equal(lines.at(-1), "runs [##########] 20/20 100%");
});

Deno.test("progress() status() shows the step running, on a new line outside a terminal", async () => {
  const stream = recorder(false);
  const bar = progress(4, {
    label: "bench",
    width: 4,
    minIntervalMs: 0,
    stream,
    kernel: null,
  });
  bar.status("spawn cost");
  bar.tick(2);
  bar.status("message cost");
  bar.tick(2);
  await bar.finish();
  assert.deepEqual(stream.text().trimEnd().split("\n"), [
    "bench [----] 0/4 0% · spawn cost",
    "bench [##--] 2/4 50% · spawn cost",
    "bench [##--] 2/4 50% · message cost",
    "bench [####] 4/4 100% · message cost",
  ]);
});

Deno.test("progress() with eta shows the time left until the last step, then not", async () => {
  const stream = recorder(false);
  const bar = progress(2, {
    label: "bench",
    width: 2,
    minIntervalMs: 0,
    stream,
    kernel: null,
    eta: true,
  });
  bar.tick();
  bar.tick();
  await bar.finish();
  const lines = stream.text().trimEnd().split("\n");
  assert.match(lines[0], /^bench \[#-\] 1\/2 50% ETA \d+s$/);
  assert.equal(lines.at(-1), "bench [##] 2/2 100%");
});

Deno.test("progress() in a terminal pads a shorter line over a longer one", async () => {
  const stream = recorder(true);
  const bar = progress(2, {
    label: "bench",
    width: 2,
    minIntervalMs: 0,
    stream,
    kernel: null,
  });
  bar.status("a long step name");
  bar.status("short");
  await bar.finish();
  const draws = stream.text().split("\r").slice(1);
  assert.equal(draws[0], "bench [--] 0/2 0%");
  assert.equal(draws[1], "bench [--] 0/2 0% · a long step name");
  assert.equal(draws[2], "bench [--] 0/2 0% · short".padEnd(draws[1].length));
});

/** A stand-in kernel that records what is broadcast. */
function recordingKernel() {
  const messages: { type: string; content: Record<string, unknown> }[] = [];
  const kernel = {
    broadcast(type: string, content: Record<string, unknown>) {
      messages.push({ type, content });
      return Promise.resolve();
    },
  };
  const shown = (i: number) =>
    (messages[i].content.data as Record<string, string>)["text/plain"];
  return { kernel, messages, shown };
}

Deno.test("progress() in a notebook displays at 0 at once, then updates the same display_id", async () => {
  const { kernel, messages, shown } = recordingKernel();
  const stream = recorder(true);
  const bar = progress(3, { label: "runs", minIntervalMs: 0, stream, kernel });
  await Promise.resolve();
  assert.deepEqual(messages.map((m) => m.type), ["display_data"]);
  assert.match(shown(0), /^runs \[-+\] 0\/3 0%$/);
  bar.tick();
  bar.tick(2);
  await bar.finish();
  assert.deepEqual(messages.map((m) => m.type), [
    "display_data",
    "update_display_data",
    "update_display_data",
    "update_display_data",
  ]);
  const ids = new Set(
    messages.map((m) =>
      (m.content.transient as { display_id: string }).display_id
    ),
  );
  assert.equal(ids.size, 1);
  const last = messages.at(-1)!.content.data as Record<string, string>;
  assert.match(last["text/plain"], /3\/3 100%$/);
  assert.match(last["text/html"], /<progress value="1" max="1"/);
  assert.equal(stream.text(), "");
});

Deno.test("progress() rejects a bad total or width, naming the value", () => {
  assert.throws(
    () => progress(-1, { kernel: null }),
    /'total' must be a non-negative integer, received -1/,
  );
  assert.throws(() => progress(1.5, { kernel: null }), RangeError);
  assert.throws(
    () => progress(3, { width: 0, kernel: null }),
    /'width' must be a positive integer, received 0/,
  );
});

Deno.test("progressReporter() in a notebook shows its bar before the first report, then takes the total from it", async () => {
  const { kernel, messages, shown } = recordingKernel();
  const reporter = progressReporter("steps", { minIntervalMs: 0, kernel });
  await Promise.resolve();
  assert.equal(messages.length, 1);
  assert.match(shown(0), /^steps \[-+\] 0\/… 0%$/);
  reporter.onProgress(0, 4);
  reporter.onProgress(4, 4);
  await reporter.finish();
  assert.match(shown(1), / 0\/4 0%$/);
  assert.match(shown(messages.length - 1), / 4\/4 100%$/);
});

Deno.test("Progress.setTotal() rejects a bad total, naming the value", () => {
  const bar = progress(undefined, { kernel: null, stream: recorder(false) });
  for (const total of [-1, 1.5, NaN]) {
    assert.throws(
      () => bar.setTotal(total),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message ===
          `Cannot show progress: 'total' must be a non-negative integer, received ${total}`,
    );
  }
});
