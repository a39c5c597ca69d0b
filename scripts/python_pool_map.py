"""Time multiprocessing.Pool.map over many tiny tasks, one map per request.

The Python side of ``ProcessPool.map`` in lib/experiments/python_side_by_side.ts:
the same number of tasks, the same chunk size, the same number of processes.
The pool is started and warmed up by one map, then the script prints
``{"ready": true}`` and, for each line it reads on stdin, times one map and
prints ``{"ms": ...}``, so the caller can take turns between Deno's pool and
this one. It exits when stdin closes. Standard library only; runs under any
python3 >= 3.8.

Usage: python3 python_pool_map.py TASKS CHUNK_SIZE PROCESSES
"""

import json
import multiprocessing
import sys
import time

from course_args import positive_ints


def echo(value):
    return value


def main(argv):
    tasks, chunk_size, processes = positive_ints(
        "python_pool_map.py TASKS CHUNK_SIZE PROCESSES",
        ("tasks", "chunkSize", "processes"),
        argv,
    )
    inputs = list(range(tasks))
    with multiprocessing.Pool(processes) as pool:
        pool.map(echo, inputs, chunk_size)
        print(json.dumps({"ready": True}), flush=True)
        for _ in sys.stdin:
            began = time.perf_counter()
            results = pool.map(echo, inputs, chunk_size)
            ms = (time.perf_counter() - began) * 1000
            if results != inputs:
                sys.exit("multiprocessing.Pool.map returned wrong results")
            print(json.dumps({"ms": ms}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
