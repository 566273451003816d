"""Structured records through ``m.as_array``: a file of fixed-size binary
records read as a NumPy structured array, with no copy and no parsing.

    python records.py data.bin          # write 1,000,000 records, then read
"""
import sys

import numpy as np

import fastmmap

RECORD = np.dtype([("time", "<f8"), ("sensor", "<u4"), ("value", "<f4")])  # 16 bytes


def write_records(path, n, seed=0):
    rng = np.random.default_rng(seed)
    records = np.empty(n, RECORD)
    records["time"] = np.arange(n) * 0.001
    records["sensor"] = rng.integers(0, 8, n)
    records["value"] = rng.normal(20.0, 5.0, n)
    records.tofile(path)


def summarize(path):
    """{sensor: (count, mean value)} from the mapped records."""
    with fastmmap.open(path) as m:
        records = m.as_array(RECORD)      # zero-copy view: the file is the array
        counts = np.bincount(records["sensor"], minlength=8)
        sums = np.bincount(records["sensor"], weights=records["value"], minlength=8)
        del records                       # the view pins the map: let go before close
    return {s: (int(c), float(t / c)) for s, (c, t) in enumerate(zip(counts, sums)) if c}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path = argv[0]
    n = int(argv[1]) if len(argv) > 1 else 1_000_000
    write_records(path, n)
    for sensor, (count, mean) in summarize(path).items():
        print("sensor %d: %d records, mean %.3f" % (sensor, count, mean))
    return 0


if __name__ == "__main__":
    sys.exit(main())
