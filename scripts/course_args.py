"""Command-line parsing shared by the course's Python scripts."""

import sys


def positive_ints(usage, names, argv):
    """Reads one positive integer per name from argv, or exits naming the bad one."""
    if len(argv) != len(names):
        sys.exit(f"usage: {usage}")
    values = []
    for name, text in zip(names, argv):
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            sys.exit(f"'{name}' must be a positive integer, received {text}")
        values.append(value)
    return values
