"""Count the lines of many files, like ``wc -l``, on a pool of threads:
``m.count(b"\\n")`` releases the GIL on large maps, so the threads scan
side by side.

    python count_lines.py FILE...
"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import fastmmap


def count_lines(path):
    # fastmmap.open() maps an empty file too (a zero-length map).
    with fastmmap.open(path) as m:
        return m.count(b"\n")


def main(argv=None):
    paths = sys.argv[1:] if argv is None else argv
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        counts = list(pool.map(count_lines, paths))
    for path, n in zip(paths, counts):
        print("%8d %s" % (n, path))
    print("%8d total" % sum(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
