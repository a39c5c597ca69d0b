"""Time multiprocessing.Pool.map over many tiny tasks and print one JSON line.

The Python side of ``ProcessPool.map`` in lib/experiments/python_side_by_side.ts: the
same number of tasks, the same chunk size, the same number of processes. The
pool is started and warmed up by one map before anything is timed, as the
Deno side does. Standard library only; runs under any python3 >= 3.8.

Usage: python3 python_pool_map.py TASKS CHUNK_SIZE PROCESSES REPEATS
"""

import json
import multiprocessing
import statistics
import sys
import time

from course_args import positive_ints


def echo(value):
    return value


def main(argv):
    tasks, chunk_size, processes, repeats = positive_ints(
        "python_pool_map.py TASKS CHUNK_SIZE PROCESSES REPEATS",
        ("tasks", "chunkSize", "processes", "repeats"),
        argv,
    )
    inputs = list(range(tasks))
    samples = []
    with multiprocessing.Pool(processes) as pool:
        pool.map(echo, inputs, chunk_size)
        for _ in range(repeats):
            began = time.perf_counter()
            results = pool.map(echo, inputs, chunk_size)
            samples.append((time.perf_counter() - began) * 1000)
            if results != inputs:
                sys.exit("multiprocessing.Pool.map returned wrong results")
    print(json.dumps({
        "samplesMs": samples,
        "medianMs": statistics.median(samples),
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
