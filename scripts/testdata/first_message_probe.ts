/**
 * One fresh process of `scripts/first_message_repro.ts`: starts `WORKERS`
 * workers of `speaks_first_worker.js` at once, sets their `onmessage` in the
 * same turn as the `new Worker` calls, and waits up to `WAIT_MS` for each
 * one's unasked first message (`TIMERS`: `each` starts a worker's wait right
 * after its `onmessage` is set, `after` once every `onmessage` is set). Then it pings every worker and waits for the reply.
 * A worker's messages arrive in the order it posted them, so a first
 * message still missing once the reply to the later ping is in was lost,
 * not late. Prints one JSON line, e.g.
 * `{"workers":4,"lost":[2],"late":[],"answered":4}` (`lost` and `late` list
 * workers by index, from 0).
 *
 * Run it as a test (`deno test -A first_message_probe.ts`) or as a program
 * (`deno run -A first_message_probe.ts --run`).
 *
 * @module
 */

const WORKER = new URL("./speaks_first_worker.js", import.meta.url);
const REPLY_WAIT_MS = 30_000;

/** What one probe saw. */
export interface ProbeResult {
  /** Workers started at once. */
  workers: number;
  /** Workers whose first, unasked message never arrived. */
  lost: number[];
  /** Workers whose first message came after `WAIT_MS`, before the reply. */
  late: number[];
  /** Workers that answered the later ping: they were running all along. */
  answered: number;
}

/** Resolves with `true` when `promise` settles within `ms`, else `false`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), timeout])
    .finally(() => clearTimeout(timer));
}

async function probe(
  count: number,
  waitMs: number,
  timers: "each" | "after",
): Promise<ProbeResult> {
  const workers = Array.from(
    { length: count },
    () => new Worker(WORKER, { type: "module" }),
  );
  // Set each worker's onmessage, all in the same turn as the new Worker
  // calls. With `timers: "each"`, each worker's wait starts (a setTimeout)
  // right after its own onmessage is set, before the next worker's; with
  // "after", every onmessage is set before the first timer starts.
  const started = workers.map((worker) => {
    const first = Promise.withResolvers<void>();
    const reply = Promise.withResolvers<void>();
    worker.onmessage = (event) => {
      if (event.data === "first") first.resolve();
      else reply.resolve();
    };
    const onTime = timers === "each" ? within(first.promise, waitMs) : null;
    return { worker, first: first.promise, reply: reply.promise, onTime };
  });
  try {
    const onTime = await Promise.all(
      started.map((s) => s.onTime ?? within(s.first, waitMs)),
    );
    for (const { worker } of started) worker.postMessage("ping");
    const answered = await Promise.all(
      started.map(({ reply }) => within(reply, REPLY_WAIT_MS)),
    );
    const arrived = await Promise.all(
      started.map(({ first }) => within(first, 0)),
    );
    const which = (keep: (i: number) => boolean) =>
      started.flatMap((_, i) => keep(i) ? [i] : []);
    return {
      workers: count,
      lost: which((i) => answered[i] && !arrived[i]),
      late: which((i) => !onTime[i] && arrived[i]),
      answered: answered.filter(Boolean).length,
    };
  } finally {
    for (const { worker } of started) worker.terminate();
  }
}

const workers = Number(Deno.env.get("WORKERS") ?? "4");
const waitMs = Number(Deno.env.get("WAIT_MS") ?? "3000");
const timers = Deno.env.get("TIMERS") === "after" ? "after" : "each";

if (Deno.args.includes("--run")) {
  console.log(JSON.stringify(await probe(workers, waitMs, timers)));
} else {
  Deno.test("workers that speak first: which first messages arrive", async () => {
    console.log(JSON.stringify(await probe(workers, waitMs, timers)));
  });
}
