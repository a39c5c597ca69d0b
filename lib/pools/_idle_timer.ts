/**
 * The idle reaper's clock: once a pool has had nothing to do for its idle
 * timeout, it is told to stop its runners. Internal.
 *
 * @module
 */

/**
 * Calls `onIdle` once the pool has stayed idle for `ms` milliseconds since
 * it last became idle ({@linkcode IdleTimer.prototype.arm}); a pool busy
 * again when the time comes is left alone. One timer at a time, which never
 * keeps the process alive.
 */
export class IdleTimer {
  readonly #ms: number;
  readonly #isIdle: () => boolean;
  readonly #onIdle: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #since = 0;
  #stopped = false;

  /**
   * A timer of `ms` milliseconds (`Infinity` for never) that asks `isIdle`
   * when it fires and calls `onIdle` if so.
   */
  constructor(ms: number, isIdle: () => boolean, onIdle: () => void) {
    this.#ms = ms;
    this.#isIdle = isIdle;
    this.#onIdle = onIdle;
  }

  /** Notes that the pool has just become idle; starts the timer if none runs. */
  arm(): void {
    // Milliseconds are fine enough here, and Date.now() is the cheaper clock.
    this.#since = Date.now();
    if (
      this.#timer !== undefined || this.#stopped || !Number.isFinite(this.#ms)
    ) return;
    this.#set(this.#ms);
  }

  /** Stops the timer for good. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopped = true;
  }

  #set(ms: number): void {
    const timer = setTimeout(() => this.#fire(), ms);
    // The runners already keep the process alive; this timer must not.
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #fire(): void {
    this.#timer = undefined;
    if (!this.#isIdle()) return;
    const left = this.#since + this.#ms - Date.now();
    if (left > 1) {
      this.#set(left);
      return;
    }
    this.#onIdle();
  }
}
