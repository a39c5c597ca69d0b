/**
 * The types the pool core and its parts share: what a pool gives the core
 * (`Runner`, `RunnerEvents`, `CoreSettings`), what callers give and get
 * (`RunOptions`, `PoolStats`), and the record of one task as it goes
 * through the core (`Job`, its states, `Group`). Internal.
 *
 * @module
 */

import type { HelloMessage, ReplyMessage, TasksMessage } from "./_messages.ts";
import type { RunnerSlot } from "./_runner_slot.ts";

/** One running worker or child, as the core sees it. */
export interface Runner {
  /** Sends tasks; throws when they cannot be sent. */
  send(message: TasksMessage, transfer: Transferable[] | undefined): void;
  /**
   * Stops the runner from starting any further task and says, at once, how
   * many it has started in all (a worker counts them in shared memory).
   * A runner without it (a child process) is killed first and judged once
   * its death has been reported, after every answer it sent before.
   */
  stopStarting?(): number;
  /** Stops the runner at once; resolves once its resources are released. */
  kill(): Promise<void> | void;
}

/** How a runner reports back to the core. */
export interface RunnerEvents {
  message(message: ReplyMessage): void;
  /**
   * The runner died; `reason` says how. A runner that can tell how many
   * tasks it had started in all says so in `started`. Reported after every
   * message the runner sent before it died.
   */
  death(reason: string, started?: number): void;
}

/** What a runner is told when it starts. */
export type RunnerSettings = Pick<HelloMessage, "concurrency" | "answerEach">;

/** Validated settings of a pool. */
export interface CoreSettings {
  size: number;
  maxQueue: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number;
  /** Tasks each runner runs at once. */
  concurrency: number;
  /** "worker" or "child process", for messages. */
  kind: string;
  /** The task module, for messages. */
  module: string;
  spawn(events: RunnerEvents, settings: RunnerSettings): Runner;
}

/** Options of one task. */
export interface RunOptions {
  signal?: AbortSignal;
  transfer?: Transferable[];
}

/** Counters returned by `stats()`. */
export interface PoolStats {
  /** Tasks (or `map()` chunks) that resolved. */
  completed: number;
  /** Tasks (or `map()` chunks) that rejected after being started. */
  failed: number;
  /** Tasks waiting for a free runner. */
  queued: number;
  /**
   * Milliseconds each runner slot spent running tasks, by its runners' own
   * clocks (messages in transit not counted), by slot.
   */
  busyMs: number[];
}

/** A {@linkcode Job} waiting in the queue. */
export const QUEUED = 0;
/** A {@linkcode Job} sent to a runner and not yet answered. */
export const RUNNING = 1;
/** A {@linkcode Job} answered, or settled without running. */
export const DONE = 2;
/**
 * A {@linkcode Job} settled while running, without an answer: timed out or
 * aborted.
 */
export const CUT = 3;

/** One task submitted to the core, from its submission until it settles. */
export interface Job {
  /** The task's name. */
  task: string;
  /** Its input, or the array of inputs of a batch. */
  input: unknown;
  /** Whether it is a `map()` chunk, answered with an array of results. */
  batch: boolean;
  transfer: Transferable[] | undefined;
  signal: AbortSignal | undefined;
  /** Listens on `signal` until the job settles. */
  onAbort: (() => void) | undefined;
  /** Settles the caller's promise. */
  resolve(value: unknown): void;
  /** Settles the caller's promise. */
  reject(reason: unknown): void;
  /** `QUEUED`, `RUNNING`, `DONE` or `CUT`. */
  state: number;
  /** The slot it was sent to, while it runs. */
  slot: RunnerSlot | undefined;
  /** Its place among the tasks sent to its runner, from 0. */
  seq: number;
  /** The message it was sent in, while it runs. */
  group: Group | undefined;
  /** Its task timeout, once armed. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Tasks sent in one message. */
export interface Group {
  /** Its tasks not answered yet. */
  unanswered: number;
}
