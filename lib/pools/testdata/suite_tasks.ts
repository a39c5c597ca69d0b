/**
 * A task module for the pool tests that run over both pools: tasks that
 * count their runs in files (shared memory cannot reach a child process),
 * gather on a latch, print without a newline, or kill their own runner.
 *
 * @module
 */

import { expose } from "../expose.ts";

/** This runner's own file name, so runners never write the same file. */
const runner = `${Deno.pid}-${crypto.randomUUID()}`;
let runs: Deno.FsFile | undefined;
const record = new Uint32Array(1);
const recordBytes = new Uint8Array(record.buffer);
let ranHere = 0;
const gathered: ((count: number) => void)[] = [];

/** Input of `tally`. */
interface Tally {
  /** Counts of runs by index, in memory shared with a worker's pool. */
  counts?: Int32Array;
  /** Else the directory of run files, one per runner (child processes). */
  dir?: string;
  /** Which task this is. */
  index: number;
  /**
   * A ticket the test sets to 1 (workers only): the first task to find it
   * set, once its worker has run `killAfter` tasks, takes it and closes its
   * worker after counting its run, without answering.
   */
  kill?: Int32Array;
  killAfter?: number;
}

function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope !== "undefined";
}

expose({
  echo: (value: unknown) => value,
  /**
   * Counts one run of task `index` before it answers: in `counts`, or by
   * appending `index` (4 bytes) to this runner's file in `dir`, which the
   * test reads back.
   */
  tally: ({ counts, dir, index, kill, killAfter = 0 }: Tally) => {
    if (counts !== undefined) Atomics.add(counts, index, 1);
    else {
      runs ??= Deno.openSync(`${dir}/${runner}`, {
        append: true,
        create: true,
      });
      record[0] = index;
      runs.writeSync(recordBytes);
    }
    if (
      kill !== undefined && ++ranHere > killAfter &&
      Atomics.compareExchange(kill, 0, 1, 0) === 1
    ) {
      (globalThis as unknown as { close(): void }).close();
    }
    return index;
  },
  /**
   * Resolves once `count` gather tasks have started in this runner: it
   * completes only if they all run at once in one runner.
   */
  gather: (count: number) =>
    new Promise<number>((resolve) => {
      gathered.push(resolve);
      if (gathered.length === count) {
        for (const release of gathered.splice(0)) release(count);
      }
    }),
  /** Writes `text` to stdout as it is (no newline added). */
  say: (text: string) => {
    Deno.stdout.writeSync(new TextEncoder().encode(text));
    return text.length;
  },
  /** Never settles. */
  hang: () => new Promise(() => {}),
  /** Ends its runner: a worker closes itself, a child exits with code 3. */
  crash: () => {
    if (inWorker()) (globalThis as unknown as { close(): void }).close();
    else Deno.exit(3);
  },
});
