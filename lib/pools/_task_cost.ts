/**
 * How the pool sizes its messages: a running estimate of one task's cost in
 * a runner, and from it how many queued tasks go in one message and how
 * much work a busy runner may hold sent ahead. Internal.
 *
 * @module
 */

/**
 * About how much work, in milliseconds, one message to a runner carries.
 * Tasks are grouped until a group is worth this much by the pool's latest
 * estimate of a task's cost: enough that the messages, and the wake-ups of
 * this thread that answer them, are cheap beside the work (this thread
 * shares the cores with the runners), little enough that an uneven group
 * cannot unbalance the runners. The answers of a group come back together
 * (unless `taskTimeoutMs` makes a runner answer each task at once), so a
 * task's answer may wait up to this long for its group's.
 *
 * At 1 ms, tasks of about 1 ms went one to a message and `WorkerPool.run`
 * came to 0.94–1.01× the rate of a bare `postMessage` loop that sends them
 * all at once; at 4 ms they go about four to a message and it came to
 * 0.99–1.04×, mostly 1.02–1.04× (2 cores, 4 000 tasks). 8 ms did no better.
 */
export const GROUP_BUDGET_MS = 4;

/**
 * About how much work, in milliseconds, a busy runner may hold sent ahead
 * of its lanes while a backlog waits (one group at least): enough that it
 * never idles while this thread is slow to answer, on a loaded machine
 * too, little enough that the last tasks do not wait behind another
 * runner's. It is below {@linkcode GROUP_BUDGET_MS}, so a runner whose
 * running group already fills it holds just one group ahead: 12 ms kept
 * the workers no busier on tasks of about 1 ms.
 */
export const AHEAD_BUDGET_MS = 3;

/**
 * The latest estimate of one task's cost, in milliseconds by the runners'
 * clocks, and the sizes it sets. Unknown (`Infinity`) until the first
 * answer: tasks then go one by one.
 *
 * @example Usage
 * ```ts
 * import { TaskCost } from "./_task_cost.ts";
 * import assert from "node:assert/strict";
 * const cost = new TaskCost();
 * assert.equal(cost.groupSize(100, 4), 1); // cost unknown: one by one
 * cost.add(0.5, 5); // five tasks took 0.5 ms: 0.1 ms each
 * assert.equal(cost.groupSize(1000, 4), 40); // 4 ms of work
 * ```
 */
export class TaskCost {
  /** Latest estimate of one task's cost in a runner, in ms, for grouping. */
  #taskMs = Infinity;

  /** Counts in an answer: `tasks` tasks that took `spentMs` in all. */
  add(spentMs: number, tasks: number): void {
    const taskMs = spentMs / tasks;
    this.#taskMs = this.#taskMs === Infinity
      ? taskMs
      : (this.#taskMs + taskMs) / 2;
  }

  /**
   * How many of `queued` tasks go to one of `runners` runners in one
   * message: about {@linkcode GROUP_BUDGET_MS} of work, at most an even
   * share of the queue, at least one while any waits.
   */
  groupSize(queued: number, runners: number): number {
    return Math.min(
      Math.ceil(queued / runners),
      Math.max(1, Math.floor(GROUP_BUDGET_MS / this.#taskMs)),
    );
  }

  /**
   * Whether a runner holding `unanswered` tasks is under
   * {@linkcode AHEAD_BUDGET_MS} of work, and may take another group ahead.
   */
  mayHoldMore(unanswered: number): boolean {
    return unanswered * this.#taskMs < AHEAD_BUDGET_MS;
  }
}
