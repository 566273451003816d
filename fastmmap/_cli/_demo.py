"""``fastmmap demo``: fastmmap against the stdlib mmap on a generated corpus.

The corpus comes from fastmmap._corpus (deterministic English-like text,
NumPy needed); the table goes to the output, progress to stderr.
"""
import os
import sys
import time

from fastmmap._cli._report import Failure


def add_arguments(parser):
    parser.add_argument("--size", type=parse_size, default=256 << 20,
                        help="corpus size: bytes, or with a binary unit such "
                             "as 64M, 1G, 512KiB (default 256M)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the corpus and print its path")
    parser.add_argument("--dir", metavar="DIR", default=None,
                        help="where to make the temporary directory "
                             "(default: the system temp dir)")


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
# compiled on first use (by re's cache), not at import: most runs never need it
_SIZE_PATTERN = r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*"


def parse_size(text):
    """'256M', '1G', '1.5GiB', '4096' -> bytes (binary units)."""
    import argparse
    import re

    match = re.fullmatch(_SIZE_PATTERN, text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(
            "invalid size %r (examples: 64M, 1G, 1048576)" % (text,))
    number, unit = match.groups()
    size = int(float(number) * _UNITS[unit.lower()])
    if size <= 0:
        raise argparse.ArgumentTypeError("size must be positive: %r" % (text,))
    return size


def format_size(n):
    """1 << 28 -> '256 MiB', 268435478 -> '256 MiB', 1000 -> '1000 bytes'."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return ("%.0f %s" if value >= 100 else "%.3g %s") % (value, unit)
    return "%d bytes" % n


def _best_time(fn, setup=None, min_runs=3, budget=0.25, max_runs=50):
    """(best seconds, result) over at least ``min_runs`` runs, more while
    they take under ``budget`` seconds in all."""
    best = None
    result = None
    spent = 0.0
    runs = 0
    while runs < min_runs or (spent < budget and runs < max_runs):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        spent += dt
        runs += 1
        best = dt if best is None else min(best, dt)
    return max(best, 1e-9), result


DEMO_NEEDLE = b"ERROR 504"   # upper case and digits: never in the corpus
_CHUNK = 1 << 20


def _stdlib_line_count(m):
    # Counting 1 MiB slices: the quickest stdlib way that never copies
    # the whole map (a find() loop calls into Python once per line).
    return sum(m[i:i + _CHUNK].count(b"\n") for i in range(0, len(m), _CHUNK))


def count_readline(m):
    m.seek(0)
    n = 0
    for _ in iter(m.readline, b""):
        n += 1
    return n


def count_lines_iter(m):
    n = 0
    for _ in m.lines():
        n += 1
    return n


def _progress(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _time_operations(path, nbytes, nlines):
    """Time each operation on both modules: (rows, mismatches), a row
    being (label, stdlib GB/s, fastmmap GB/s, speed-up)."""
    import mmap as stdlib_mmap

    import fastmmap

    with open(path, "rb") as fh:
        std = stdlib_mmap.mmap(fh.fileno(), 0, access=stdlib_mmap.ACCESS_READ)
    fast = fastmmap.open(path)
    rows = []
    mismatches = []
    try:
        ops = [
            ("find (absent needle)",
             lambda: std.find(DEMO_NEEDLE), lambda: fast.find(DEMO_NEEDLE),
             -1, None),
            ("rfind (absent needle)",
             lambda: std.rfind(DEMO_NEEDLE), lambda: fast.rfind(DEMO_NEEDLE),
             -1, None),
            ("count lines",
             lambda: _stdlib_line_count(std), lambda: fast.count(b"\n"),
             nlines, None),
            ("iterate lines",
             lambda: count_readline(std), lambda: count_lines_iter(fast),
             nlines, 2),
        ]
        for label, std_fn, fast_fn, expected, min_runs in ops:
            _progress("timing %s ..." % label)
            kw = {} if min_runs is None else {"min_runs": min_runs, "budget": 0}
            t_std, r_std = _best_time(std_fn, **kw)
            t_fast, r_fast = _best_time(fast_fn, **kw)
            if not (r_std == r_fast == expected):
                mismatches.append("%s: stdlib %r, fastmmap %r, expected %r"
                                  % (label, r_std, r_fast, expected))
            rows.append((label, nbytes / t_std / 1e9, nbytes / t_fast / 1e9,
                         t_std / t_fast))
    finally:
        std.close()
        fast.close()
    return rows, mismatches


def _report_lines(rows, mismatches, nbytes, nlines):
    """The table and the notes under it."""
    from fastmmap._version import __version__

    lines = [
        "fastmmap %s vs stdlib mmap on %s of English-like text"
        % (__version__, format_size(nbytes)),
        "(%d bytes, %d lines, page cache warm; Python %s;"
        % (nbytes, nlines, sys.version.split()[0]),
        " best of several runs; GB/s = 10^9 bytes per second)",
        "",
    ]
    head = ("operation", "stdlib GB/s", "fastmmap GB/s", "speed-up")
    width = max(len(head[0]), *(len(r[0]) for r in rows))
    lines.append("%-*s  %11s  %13s  %8s" % ((width,) + head))
    lines.append("%s  %s  %s  %s" % ("-" * width, "-" * 11, "-" * 13, "-" * 8))
    for label, g_std, g_fast, ratio in rows:
        lines.append("%-*s  %11.2f  %13.2f  %7.1fx"
                     % (width, label, g_std, g_fast, ratio))
    lines += [
        "",
        "find, rfind:   needle %r, absent (the text is lowercase words)"
        % DEMO_NEEDLE,
        "count lines:   stdlib: sum(m[i:i+2**20].count(b'\\n')), 1 MiB slices"
        " (the fastest",
        "               stdlib way; a m.find(b'\\n', pos) loop is slower);"
        " fastmmap: m.count(b'\\n')",
        "iterate lines: stdlib: for line in iter(m.readline, b'');"
        " fastmmap: for line in m.lines()",
    ]
    if mismatches:
        lines.append("ANSWERS DISAGREE:")
        lines += ["  " + text for text in mismatches]
    else:
        lines.append("all answers agree (%d lines; the needle is absent)" % nlines)
    return lines


def run_demo(args, out):
    import shutil
    import tempfile

    from fastmmap._cli import _corpus

    try:
        _corpus._numpy()
    except ImportError as exc:
        raise Failure("demo", str(exc)) from None
    try:
        workdir = tempfile.mkdtemp(prefix="fastmmap-demo-", dir=args.dir)
    except OSError as exc:
        # mkdtemp's error names the random directory it tried to make; the
        # user named its parent.
        raise Failure(args.dir, exc.strerror or str(exc)) from None
    path = os.path.join(workdir, "corpus.txt")
    try:
        _progress("generating %s corpus in %s ..." % (format_size(args.size), workdir))
        t0 = time.perf_counter()
        nbytes, nlines = _corpus.write_corpus(path, args.size)
        _progress("  %d bytes, %d lines in %.1f s"
                  % (nbytes, nlines, time.perf_counter() - t0))
        rows, mismatches = _time_operations(path, nbytes, nlines)
        lines = _report_lines(rows, mismatches, nbytes, nlines)
        if args.keep:
            lines.append("corpus kept: %s" % path)
        out.write(("\n".join(lines) + "\n").encode())
        return 1 if mismatches else 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
