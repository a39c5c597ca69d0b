"""Count the primes below a limit in chunks, sequentially, on threads and in
processes, and print one JSON line per mode.

The same trial division as ``countPrimes`` in lib/workloads/workloads.ts, so both
languages must find the same number of primes. Standard library only; runs
under any python3 >= 3.8.

Usage: python3 python_primes.py LIMIT CHUNKS PARALLELISM REPEATS
"""

import json
import multiprocessing
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from course_args import positive_ints


def is_prime(candidate):
    if candidate < 4:
        return candidate >= 2
    if candidate % 2 == 0:
        return False
    divisor = 3
    while divisor * divisor <= candidate:
        if candidate % divisor == 0:
            return False
        divisor += 2
    return True


def count_primes(bounds):
    start, end = bounds
    return sum(1 for candidate in range(max(start, 2), end) if is_prime(candidate))


def split_range(limit, chunks):
    size = -(-limit // chunks)  # ceil, as Math.ceil(limit / chunks)
    return [(low, min(low + size, limit)) for low in range(0, limit, size)]


def main(argv):
    limit, chunks, parallelism, repeats = positive_ints(
        "python_primes.py LIMIT CHUNKS PARALLELISM REPEATS",
        ("limit", "chunks", "parallelism", "repeats"),
        argv,
    )
    ranges = split_range(limit, chunks)
    with ThreadPoolExecutor(max_workers=parallelism) as threads, \
            multiprocessing.Pool(parallelism) as processes:
        runners = {
            "sequential": lambda: sum(map(count_primes, ranges)),
            "threads": lambda: sum(threads.map(count_primes, ranges)),
            "processes": lambda: sum(processes.map(count_primes, ranges)),
        }
        # One warm-up run each (starts the threads and processes), then the
        # modes take turns so drift in the machine's speed falls on all alike.
        primes = {mode: run() for mode, run in runners.items()}
        samples = {mode: [] for mode in runners}
        for _ in range(repeats):
            for mode, run in runners.items():
                began = time.perf_counter()
                primes[mode] = run()
                samples[mode].append((time.perf_counter() - began) * 1000)
    for mode in runners:
        print(json.dumps({
            "mode": mode,
            "primes": primes[mode],
            "samplesMs": samples[mode],
            "medianMs": statistics.median(samples[mode]),
        }))


if __name__ == "__main__":
    main(sys.argv[1:])
