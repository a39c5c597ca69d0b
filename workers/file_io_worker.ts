/**
 * The task module of the file I/O experiment (`lib/experiments/io_bound.ts`):
 * writes or reads a share of the files, one after another, inside a worker.
 * Run it with a {@linkcode WorkerPool}.
 *
 * @module
 */
import { expose } from "../lib/pools/expose.ts";
import { readFilesInTurn, writeFilesInTurn } from "../lib/workloads/file_io.ts";

expose({
  writeFiles: ({ paths, fileBytes }: { paths: string[]; fileBytes: number }) =>
    writeFilesInTurn(paths, new Uint8Array(fileBytes).fill(42)),
  readFiles: (paths: string[]) => readFilesInTurn(paths),
});
