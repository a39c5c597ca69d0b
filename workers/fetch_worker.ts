/**
 * A task module for I/O-bound experiments: fetches a URL several times at
 * once. Run it with a {@linkcode WorkerPool}, or with a
 * {@linkcode ProcessPool} whose children may reach the URL's host
 * (`permissions: ["--allow-net=127.0.0.1:8000"]`).
 *
 * @module
 */
import { expose } from "../lib/pools/expose.ts";

expose({
  fetchMany: async ({ url, count }: { url: string; count: number }) => {
    const bodies = await Promise.all(
      Array.from({ length: count }, async () => (await fetch(url)).text()),
    );
    return bodies.length;
  },
});
