"""Scan many large files with fastmmap inside the workers of dask.distributed.

Each file is cut into byte ranges that start and end at line boundaries;
each Dask task maps one range with ``fastmmap.open(path, offset=...,
length=...)``, counts its lines and finds every occurrence of a needle; the
client adds the counts up and joins the offsets.  The result equals one
process scanning every whole file.

A ``LocalCluster`` of worker processes stands in for a cluster: with a
``Client("tcp://scheduler:8786")`` the code is the same, provided every
worker sees the files at the same paths (a shared file system).

    python dask_scan.py --workers 2 FILE...         # scan these files
    python dask_scan.py --workers 1 2 --generate 8 32 DIR
        # write 8 files of 32 MiB of log lines to DIR, then scan them with
        # 1 and with 2 workers, and compare with one process

Needs ``pip install 'dask[distributed]' numpy`` and fastmmap.
"""
import argparse
import os
import sys
import time

import numpy as np

import fastmmap

# A task costs the scheduler a few milliseconds; fastmmap scans 64 MiB of
# cached file in about as long.  Smaller ranges mostly add overhead.
CHUNK_BYTES = 64 << 20


def split_at_lines(path, chunk_bytes=CHUNK_BYTES):
    """[(path, offset, length)] covering the file, each range about
    ``chunk_bytes`` long and ending just after a newline (or at the end of
    the file).  Only the pages around each cut are read."""
    size = os.path.getsize(path)
    ranges = []
    with fastmmap.open(path) as m:
        start = 0
        while start < size:
            end = start + chunk_bytes
            if end >= size:
                end = size
            else:
                # The newline that ends the line holding byte end - 1.
                newline = m.find(b"\n", end - 1)
                end = size if newline < 0 else newline + 1
            ranges.append((path, start, end - start))
            start = end
    return ranges


def scan_range(path, offset, length, needle):
    """Runs in a Dask worker: (lines, offsets of ``needle`` in the file) for
    bytes [offset, offset + length) of ``path``."""
    with fastmmap.open(path, offset=offset, length=length) as m:
        lines = m.count(b"\n")
        hits = m.find_all(needle).astype(np.int64) + offset
    return path, offset, lines, hits


def combine(paths, results):
    """{path: (lines, sorted offsets)} from scan_range() results."""
    parts = {path: [] for path in paths}
    for path, offset, lines, hits in results:
        parts[path].append((offset, lines, hits))
    combined = {}
    for path, pieces in parts.items():
        pieces.sort(key=lambda piece: piece[0])
        hits = [piece[2] for piece in pieces]
        combined[path] = (sum(piece[1] for piece in pieces),
                          np.concatenate(hits) if hits else np.empty(0, np.int64))
    return combined


def scan_files(client, paths, needle, chunk_bytes=CHUNK_BYTES):
    """Line counts and needle offsets of every file, computed by the
    cluster's workers.  The needle must not hold a newline (no match can then
    straddle two ranges)."""
    if b"\n" in needle:
        raise ValueError("the needle must not contain a newline")
    ranges = [r for path in paths for r in split_at_lines(path, chunk_bytes)]
    futures = client.map(scan_range, *zip(*ranges), needle=needle, pure=False) if ranges else []
    return combine(paths, client.gather(futures))


def scan_files_here(paths, needle):
    """The same in this process, a whole file per map: the reference."""
    combined = {}
    for path in paths:
        with fastmmap.open(path) as m:
            combined[path] = (m.count(b"\n"), m.find_all(needle).astype(np.int64))
    return combined


def same(a, b):
    return a.keys() == b.keys() and all(
        a[p][0] == b[p][0] and np.array_equal(a[p][1], b[p][1]) for p in a)


def generate(directory, files, mib, seed=20240611):
    """Write ``files`` files of about ``mib`` MiB of log-like lines, some
    with ERROR; returns their paths."""
    rng = np.random.default_rng(seed)
    levels = np.array([b"INFO", b"INFO", b"INFO", b"DEBUG", b"WARN", b"ERROR"])
    words = [b"request", b"served", b"cache", b"miss", b"user", b"timeout", b"retry",
             b"disk", b"flushed", b"worker", b"started", b"queue", b"empty"]
    pool = []
    for i in range(4096):
        level = levels[rng.integers(len(levels))] if i % 64 == 0 else levels[i % 4]
        text = b" ".join(words[j] for j in rng.integers(len(words), size=rng.integers(3, 12)))
        pool.append(b"2026-12-04T09:%02d:%02d %s %s\n" % (i // 60 % 60, i % 60, level, text))
    paths = []
    os.makedirs(directory, exist_ok=True)
    for n in range(files):
        path = os.path.join(directory, "app-%03d.log" % n)
        with open(path, "wb") as f:
            written = 0
            while written < mib << 20:
                block = b"".join(pool[i] for i in rng.integers(len(pool), size=8192))
                f.write(block)
                written += len(block)
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="FILE",
                        help="files to scan (with --generate: the directory to write)")
    parser.add_argument("--needle", default="ERROR", help="bytes to find (default ERROR)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2],
                        help="worker processes of the LocalCluster; several: one run each")
    parser.add_argument("--chunk-mib", type=int, default=CHUNK_BYTES >> 20)
    parser.add_argument("--generate", type=int, nargs=2, metavar=("FILES", "MIB"),
                        help="first write FILES files of MIB MiB into the directory given")
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    needle = args.needle.encode()
    paths = args.paths
    if args.generate:
        t0 = time.perf_counter()
        paths = generate(paths[0], *args.generate)
        print("generated %d files in %.1f s" % (len(paths), time.perf_counter() - t0))
    total = sum(os.path.getsize(p) for p in paths)
    t0 = time.perf_counter()
    reference = scan_files_here(paths, needle)
    here = time.perf_counter() - t0
    print("%d files, %d bytes (%.0f MiB), %d lines, %d x %r" % (
        len(paths), total, total / 2**20, sum(v[0] for v in reference.values()),
        sum(len(v[1]) for v in reference.values()), needle))
    print("one process, no Dask: %.3f s" % here)
    status = 0
    for workers in args.workers:
        t0 = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            started = time.perf_counter() - t0
            scan_files(client, paths[:1], needle, args.chunk_mib << 20)  # warm-up
            t0 = time.perf_counter()
            result = scan_files(client, paths, needle, args.chunk_mib << 20)
            took = time.perf_counter() - t0
        ok = same(result, reference)
        status |= not ok
        print("dask, %d worker process%s: %.3f s (%.2f GB/s; cluster start %.1f s), %s" % (
            workers, "" if workers == 1 else "es", took, total / took / 1e9, started,
            "equal to one process" if ok else "DIFFERENT from one process"))
    return status


if __name__ == "__main__":
    sys.exit(main())
