/**
 * A machine of a queue pool: joins a BullMQ queue on Redis and serves an
 * `expose()` task module, the same one WorkerPool and ProcessPool run.
 *
 *     deno run -A workers/machine.ts --redis redis://host:6379 \
 *       --module <url-or-path> [--queue NAME] [--concurrency N] \
 *       [--lock-duration MS] [--stalled-interval MS] [--name NAME]
 *
 * `--redis` defaults to `$REDIS_URL`; `--name` (what a job's `processedBy`
 * shows) to the host's name and the pid. Once serving, it prints a line
 * starting with `machine ready` and ending with its name. SIGTERM (or Ctrl-C) stops it taking jobs,
 * lets the running ones finish and exits 0; a second one abandons them.
 * Killed outright, its running jobs go back to the queue when their locks
 * expire. It exits 1 when it loses Redis for good.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { MACHINE_READY, serveMachine } from "../lib/pools/machine.ts";

const USAGE =
  "Usage: deno run -A workers/machine.ts --redis redis://host:6379 --module <url-or-path> [--queue NAME] [--concurrency N] [--lock-duration MS] [--stalled-interval MS] [--name NAME]";

function fail(message: string): never {
  console.error(`machine: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function positiveInteger(flag: string, raw: string | undefined) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    fail(`'--${flag}' must be a positive integer, received '${raw}'`);
  }
  return value;
}

let flags;
try {
  flags = parseArgs({
    args: Deno.args,
    options: {
      redis: { type: "string" },
      module: { type: "string" },
      queue: { type: "string" },
      concurrency: { type: "string" },
      "lock-duration": { type: "string" },
      "stalled-interval": { type: "string" },
      name: { type: "string" },
    },
  }).values;
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const redis = flags.redis ?? (Deno.env.get("REDIS_URL") || undefined);
if (redis === undefined) fail("'--redis' (or REDIS_URL) is required");
if (flags.module === undefined) fail("'--module' is required");
// A path is relative to where the machine was started; a URL stays as is.
const module = new URL(flags.module, pathToFileURL(`${Deno.cwd()}/`));

let machine;
try {
  machine = await serveMachine(redis, module, {
    queue: flags.queue,
    concurrency: positiveInteger("concurrency", flags.concurrency),
    lockDurationMs: positiveInteger("lock-duration", flags["lock-duration"]),
    stalledIntervalMs: positiveInteger(
      "stalled-interval",
      flags["stalled-interval"],
    ),
    name: flags.name,
  });
} catch (error) {
  console.error(
    `machine: ${error instanceof Error ? error.message : String(error)}`,
  );
  Deno.exit(1);
}

let signals = 0;
const stop = async () => {
  signals++;
  // The first signal lets running jobs finish; a second abandons them.
  await machine.close(signals > 1);
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
machine.lost.then(async (error) => {
  console.error(`machine: ${error.message}`);
  await machine.close(true);
  Deno.exit(1);
});
console.log(
  `${MACHINE_READY}: queue '${machine.queue}', concurrency ${machine.concurrency}, pid ${Deno.pid}, name ${machine.name}`,
);
console.log(`serving ${module.href}`);
