"""A map per worker process with ``multiprocessing``: a map cannot be
pickled, so each task sends a path and a byte range, and the worker maps
just that range with ``fastmmap.open(path, offset=..., length=...)``.

    python processes.py FILE [NEEDLE]
"""
import os
import sys
from multiprocessing import Pool

import fastmmap


def ranges(path, parts, overlap):
    """(path, offset, length) slices of the file; each overlaps the next by
    ``overlap`` bytes so that a match across a cut is seen."""
    size = os.path.getsize(path)
    step = max(1, -(-size // parts))
    return [(path, start, min(size, start + step + overlap) - start)
            for start in range(0, size, step)]


def count_starts(args):
    """Matches that start in [offset, offset + step): the range's own part."""
    path, offset, length, step, needle = args
    with fastmmap.open(path, offset=offset, length=length) as m:
        hits = m.find_all(needle)
        return int((hits < step).sum())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path, needle = argv[0], (argv[1] if len(argv) > 1 else "ERROR").encode()
    workers = os.cpu_count() or 2
    parts = ranges(path, workers * 4, len(needle) - 1)
    step = parts[1][1] if len(parts) > 1 else os.path.getsize(path)
    with Pool(workers) as pool:
        total = sum(pool.map(count_starts,
                             [(p, offset, length, step, needle) for p, offset, length in parts]))
    with fastmmap.open(path) as m:
        assert total == m.count(needle)
    print("%d x %r in %s (%d ranges, %d processes)" % (total, needle, path, len(parts), workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
