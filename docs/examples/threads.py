"""One map shared by several threads: each thread counts a needle in its own
slice with ``m.count(sub, start, end)``, which takes no position and
releases the GIL, so the slices are scanned at the same time.

    python threads.py FILE [NEEDLE]
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import fastmmap


def count_in_slices(m, needle, parts):
    """Occurrences of ``needle`` in ``m``, counted in ``parts`` slices.  The
    slices overlap by len(needle) - 1 bytes, and a match is counted by the
    slice it starts in."""
    size = len(m)
    step = -(-size // parts) if size else 1
    k = len(needle)

    def count(i):
        start = i * step
        end = min(size, start + step + k - 1)
        return m.count(needle, start, end)

    with ThreadPoolExecutor(max_workers=parts) as pool:
        return sum(pool.map(count, range(parts)))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path, needle = argv[0], (argv[1] if len(argv) > 1 else "ERROR").encode()
    with fastmmap.open(path) as m:
        threads = os.cpu_count() or 2
        total = count_in_slices(m, needle, threads)
        assert total == m.count(needle)
        print("%d x %r in %d bytes (%d threads)" % (total, needle, len(m), threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
