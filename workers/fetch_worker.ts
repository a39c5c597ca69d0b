/**
 * A task module for I/O-bound experiments: fetches a URL several times at
 * once inside a worker. Run it with a {@linkcode WorkerPool}.
 *
 * @module
 */
import { expose } from "../lib/expose.ts";

expose({
  fetchMany: async ({ url, count }: { url: string; count: number }) => {
    const bodies = await Promise.all(
      Array.from({ length: count }, async () => (await fetch(url)).text()),
    );
    return bodies.length;
  },
});
