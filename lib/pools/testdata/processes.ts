/**
 * What the queue pool tests read from /proc (Linux): whether a process is
 * still there, its command line, and this test process's children.
 *
 * @module
 */

/** Whether a process with this id exists (not yet reaped). */
export function processExists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Child processes of this process, with their command names. */
export function childProcesses(): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const task of Deno.readDirSync("/proc/self/task")) {
    const text = Deno.readTextFileSync(`/proc/self/task/${task.name}/children`);
    for (const pid of text.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        const command = Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
        found.push({ pid, command });
      } catch {
        // It exited between the two reads.
      }
    }
  }
  return found;
}

/** A process's command line, its arguments joined by spaces ("" once gone). */
export function commandLine(pid: number): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").join(" ");
  } catch {
    return "";
  }
}
