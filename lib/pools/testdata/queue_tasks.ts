/**
 * A task module for the queue pool tests: `record` writes each start and
 * end of a task to a log file shared by every machine, so a test can count
 * how often each input ran and where; a machine whose pid is named by a
 * file in `holdDir` holds its next task forever, so a test knows a task is
 * running on that machine when it kills it.
 *
 * @module
 */

import { expose } from "../expose.ts";

/** The input of `record`. */
interface RecordInput {
  index: number;
  log: string;
  holdDir: string;
}

function append(log: string, line: string): void {
  // One short O_APPEND write per line: lines of several machines never mix.
  Deno.writeTextFileSync(log, line + "\n", { append: true });
}

function holding(holdDir: string): boolean {
  try {
    Deno.statSync(`${holdDir}/${Deno.pid}`);
    return true;
  } catch {
    return false;
  }
}

expose({
  record: async ({ index, log, holdDir }: RecordInput) => {
    append(log, `start ${index} ${Deno.pid}`);
    if (holding(holdDir)) {
      append(log, `held ${index} ${Deno.pid}`);
      await new Promise(() => {});
    }
    append(log, `end ${index} ${Deno.pid}`);
    return index;
  },
});
