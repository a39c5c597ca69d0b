/**
 * Progress reporting shared by the course's long experiments, which take an
 * optional `onProgress(done, total)` callback.
 *
 * @module
 */

/**
 * Starts counting the steps of a piece of work: reports `(0, total)` at
 * once, then `(done, total)` each time the returned function is called.
 *
 * @param total Steps in all.
 * @param onProgress The caller's callback; nothing is reported without one.
 * @returns The function to call after each step.
 */
export function progressSteps(
  total: number,
  onProgress: ((done: number, total: number) => void) | undefined,
): () => void {
  let done = 0;
  onProgress?.(done, total);
  return () => onProgress?.(++done, total);
}
