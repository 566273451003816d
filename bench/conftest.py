"""Fixtures and the session-end summary for the fastmmap benchmark suite.

Run with ``python -m pytest bench/ --benchmark-only`` from the repository
root (see bench/README.rst).  The default test run never collects this
directory because pyproject.toml sets ``testpaths = ["tests"]``.
"""
import ctypes
import math
import mmap
import os
import platform
import time
from dataclasses import dataclass, field

import numpy as np
import pytest

# First: it imports fastmmap, or stops the session with a message that says
# how to install it (corpus.py imports fastmmap too).
import about_fastmmap
import corpus as corpus_mod

# -- the two implementations ---------------------------------------------------

_fastmmap = about_fastmmap.fastmmap
#: True only with FASTMMAP_BENCH_STDLIB_ONLY=1: the stdlib fills both slots
#: (useful only for debugging the suite itself; numbers are then meaningless)
FALLBACK = _fastmmap is None
MODULES = {"stdlib": mmap, "fastmmap": about_fastmmap.StdlibStandIn if FALLBACK else _fastmmap}

# -- the limit: glibc memchr over the mapped bytes, through ctypes ---------------

_libc = ctypes.CDLL(None)  # CDLL (not PyDLL): calls release the GIL
_memchr = _libc.memchr
_memchr.restype = ctypes.c_void_p
_memchr.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)

ABSENT_BYTE = b"#"


@dataclass
class Corpus:
    path: str
    size: int
    lines: int
    head: bytes
    needles: dict
    histogram: np.ndarray = field(repr=False)


@pytest.fixture(scope="session")
def corpus():
    """The cached corpus, paged into the page cache and validated."""
    path, meta = corpus_mod.ensure_corpus()
    hist = corpus_mod.page_in(path)  # reads the whole file once
    assert int(hist.sum()) == meta["size"] == os.path.getsize(path)
    present = {b for b in range(256) if hist[b]}
    assert present <= corpus_mod.ALLOWED, sorted(present - corpus_mod.ALLOWED)
    assert int(hist[ord("\n")]) == meta["lines"]
    with open(path, "rb") as fh:
        head = fh.read(16)
    return Corpus(path=path, size=meta["size"], lines=meta["lines"], head=head,
                  needles=corpus_mod.make_needles(path, meta["size"]), histogram=hist)


class Maps:
    """Both read-only maps of the corpus plus the memchr limit scan."""

    def __init__(self, corpus):
        self.size = corpus.size
        self.maps = {}
        with open(corpus.path, "rb") as fh:
            for impl, mod in MODULES.items():
                access = getattr(mod, "ACCESS_READ", mmap.ACCESS_READ)
                self.maps[impl] = mod.mmap(fh.fileno(), 0, access=access)
        # The limit runs over the fastmmap map (the one it is compared with).
        self._view = np.frombuffer(self.maps["fastmmap"], dtype=np.uint8)
        self.address = self._view.ctypes.data
        assert len(self._view) == self.size
        # Fault every page of both mappings in before anything is timed.
        for impl in self.maps:
            view = np.frombuffer(self.maps[impl], dtype=np.uint8)
            assert _memchr(view.ctypes.data, ABSENT_BYTE[0], self.size) is None
            del view

    def __getitem__(self, impl):
        return self.maps[impl]

    def limit(self):
        """Full scan for an absent byte: returns None (NULL) when absent."""
        return _memchr(self.address, ABSENT_BYTE[0], self.size)

    def rewind(self):
        for m in self.maps.values():
            m.seek(0)

    def close(self):
        del self._view  # release the buffer export before closing
        for m in self.maps.values():
            m.close()


@pytest.fixture(scope="session")
def _session_maps(corpus):
    maps = Maps(corpus)
    yield maps
    maps.close()


@pytest.fixture
def maps(_session_maps):
    """Both maps, positioned at offset 0."""
    _session_maps.rewind()
    return _session_maps


# -- recording results for the summary -------------------------------------------

_RECORDS = pytest.StashKey[list]()


def pytest_configure(config):
    config.stash[_RECORDS] = []


@pytest.fixture
def record(request, benchmark):
    """``record(row, impl, kind, nbytes=None, **extra)`` after a benchmark ran.

    kind is "scan" (throughput over nbytes), "call" (per-call time) or "gil".
    Adds GB/s (1 GB = 1e9 bytes) to ``benchmark.extra_info`` and keeps a copy
    for the session summary.
    """
    def _record(row, impl, kind, nbytes=None, **extra):
        info = benchmark.extra_info
        info.update(row=row, impl=impl, kind=kind, fastmmap_fallback=FALLBACK, **extra)
        meta = benchmark.stats
        if meta is None or not meta.stats:  # --benchmark-disable
            return
        st = meta.stats
        rec = dict(row=row, impl=impl, kind=kind, min=st.min, median=st.median, **extra)
        if nbytes:
            info["bytes"] = nbytes
            info["gbps_min"] = rec["gbps"] = nbytes / st.min / 1e9
            info["gbps_median"] = nbytes / st.median / 1e9
        request.config.stash[_RECORDS].append(rec)
    return _record


@pytest.fixture
def record_peer(request, benchmark):
    """``record_peer(row, gbps, kind="peer", **extra)`` for an interleaved
    comparison whose GB/s per side (a dict: fastmmap, stringzilla, limit,
    maybe stdlib) the test measured itself; kind "corpora" for the rows of
    test_bench_corpora.py (their own summary section)."""
    def _record(row, gbps, kind="peer", **extra):
        benchmark.extra_info.update(row=row, kind=kind, gbps=gbps, **extra)
        request.config.stash[_RECORDS].append(dict(row=row, impl="peer", kind=kind,
                                                   gbps=gbps, **extra))
    return _record


# -- session summary ---------------------------------------------------------------

def _rst_table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    rule = "  ".join("=" * w for w in widths)
    fmt = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    return [rule, fmt(header), rule, *map(fmt, rows), rule]


def _geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _peer_lines(peers):
    """The fastmmap/StringZilla table and its geometric means per needle
    class."""
    rows, classes = [], {}
    for rec in peers:
        g = rec["gbps"]
        rows.append((rec["row"], f"{g['fastmmap']:.2f}", f"{g['stringzilla']:.2f}",
                     f"{g['limit']:.2f}", f"{g['fastmmap'] / g['stringzilla']:.2f}",
                     f"{g['fastmmap'] / g['limit']:.2f}"))
        key = f"{rec['needle_op']} {rec['needle_class']}"
        classes.setdefault(key, []).append(g)
    out = _rst_table(("benchmark", "fastmmap", "StringZilla", "limit", "fast/peer",
                      "fast/limit"), rows)
    out.append("")
    means = [(key, f"{_geomean(g['fastmmap'] / g['stringzilla'] for g in gs):.2f}",
              f"{_geomean(g['fastmmap'] / g['limit'] for g in gs):.2f}", str(len(gs)))
             for key, gs in classes.items()]
    return out + _rst_table(("geometric mean", "fast/peer", "fast/limit", "needles"), means)


def format_summary(records):
    """The summary as a list of lines (reStructuredText tables)."""
    scans, calls, gils, extras, clis = {}, {}, {}, {}, {}
    peers = [rec for rec in records if rec["kind"] == "peer"]
    for rec in records:
        if rec["kind"] == "peer":
            continue
        if rec["kind"] == "cli":
            clis.setdefault(rec["row"], {})[rec["impl"]] = rec
            continue
        if rec["kind"] == "scan" and rec["impl"] in ("stdlib", "fastmmap", "limit"):
            scans.setdefault(rec["row"], {})[rec["impl"]] = rec
        elif rec["kind"] == "scan":
            extras.setdefault(rec["row"], {})[rec["impl"]] = rec
        elif rec["kind"] == "call":
            calls.setdefault(rec["row"], {})[rec["impl"]] = rec
        elif rec["kind"] == "gil":
            gils.setdefault(rec["row"], {})[rec["impl"]] = rec
    out = [f"fastmmap benchmark summary -- {time.strftime('%Y-%m-%d %H:%M')}, "
           f"Python {platform.python_version()}, {_cpu_model()}, {os.cpu_count()} CPUs"]
    out += about_fastmmap.header_lines()  # which fastmmap, and the command line's
    out.append(f"corpus {corpus_mod.corpus_path()}")
    if scans:
        out += ["", "GB/s = file bytes / best round (1 GB = 1e9 B); ratios are of GB/s.", ""]
        g = lambda r, k: r[k]["gbps"] if k in r else None
        f2 = lambda v: "-" if v is None else f"{v:.2f}"
        ratio = lambda a, b: None if a is None or b is None else a / b
        rows = []
        for row, r in scans.items():
            s, f, lim = g(r, "stdlib"), g(r, "fastmmap"), g(r, "limit")
            rows.append((row, f2(s), f2(f), f2(lim), f2(ratio(f, s)), f2(ratio(f, lim))))
        out += _rst_table(("benchmark", "stdlib", "fastmmap", "limit",
                           "fast/stdlib", "fast/limit"), rows)
        out.append("")
        for op in ("find", "rfind"):
            sel = [r for r in scans.values()
                   if all(k in r for k in ("stdlib", "fastmmap"))
                   and r["fastmmap"].get("needle_op") == op]
            if sel:
                gm = _geomean(r["fastmmap"]["gbps"] / r["stdlib"]["gbps"] for r in sel)
                gl = _geomean(r["fastmmap"]["gbps"] / r["limit"]["gbps"]
                              for r in sel if "limit" in r)
                out.append(f"* geometric mean over {len(sel)} absent needles, {op}: "
                           f"fastmmap/stdlib = {gm:.2f}x, fastmmap/limit = {gl:.2f}")
        # 5 % slack: on a shared machine smaller gaps are noise
        slow = [f"{row} ({r['fastmmap']['gbps'] / r['stdlib']['gbps']:.2f})"
                for row, r in scans.items()
                if "stdlib" in r and "fastmmap" in r
                and r["fastmmap"]["gbps"] < 0.95 * r["stdlib"]["gbps"]]
        out.append("* fastmmap >5% slower than stdlib on: " + (", ".join(slow) or "none"))
        for row, r in extras.items():
            for impl, rec in r.items():
                out.append(f"* {row} [{impl}]: {rec['gbps']:.2f} GB/s ({rec['min'] * 1e3:.1f} ms)"
                           + (f" -- {rec['note']}" if rec.get("note") else ""))
        notes = sorted({rec["note"] for r in scans.values() for rec in r.values()
                        if rec.get("note")})
        out += [f"* note: {n}" for n in notes]
    if peers:
        out += ["", "StringZilla, interleaved round by round (GB/s of the best round).", ""]
        out += _peer_lines(peers)
    if calls:
        out += [""]
        rows = []
        for row, r in calls.items():
            s, f = (r[k]["min"] * 1e9 if k in r else None for k in ("stdlib", "fastmmap"))
            rows.append((row, "-" if s is None else f"{s:.0f}", "-" if f is None else f"{f:.0f}",
                         "-" if None in (s, f) else f"{f / s:.2f}"))
        out += _rst_table(("per call (ns, best)", "stdlib", "fastmmap", "fast/stdlib"), rows)
    if clis:
        out += ["", "Whole processes, warm page cache (best round, ms); "
                "speed-up = the other tool's time / fastmmap's.", ""]
        rows = []
        for row, r in clis.items():
            f = r["fastmmap"]["min"] * 1e3 if "fastmmap" in r else None
            # one line per other tool in the row (ripgrep, GNU grep, ...)
            for other in [k for k in r if k != "fastmmap"] or [None]:
                o = r[other]["min"] * 1e3 if other else None
                rows.append((row, other or "-", "-" if o is None else f"{o:.0f}",
                             "-" if f is None else f"{f:.0f}",
                             "-" if None in (f, o) else f"{o / f:.2f}"))
        out += _rst_table(("command", "other tool", "other ms", "fastmmap ms",
                           "speed-up"), rows)
        notes = sorted({rec["note"] for r in clis.values() for rec in r.values()
                        if rec.get("note")})
        out += [f"* {n}" for n in notes]
    if gils:
        out += [""]
        rows = []
        for row, r in gils.items():
            for impl, rec in r.items():
                rows.append((f"{row} [{impl}]", f"{rec['alone_rate'] / 1e6:.2f}",
                             f"{rec['during_rate'] / 1e6:.2f}", f"{rec['ratio']:.2f}",
                             str(rec["scans"])))
        out += _rst_table(("GIL probe (Python loop, M/s)", "alone", "during scans",
                           "ratio", "scans"), rows)
        out.append("")
        out.append("ratio = other thread's loop rate while the main thread scans / alone "
                   "(~1 when the scan releases the GIL and a core is free).")
    corpora = [rec for rec in records if rec["kind"] == "corpora"]
    if corpora:
        from corpora_report import format_corpora  # test_bench_corpora.py's rows
        out += ["", *format_corpora(corpora)]
    return out


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's own tables
def pytest_terminal_summary(terminalreporter, config):
    records = config.stash.get(_RECORDS, [])
    if not records:
        return
    lines = format_summary(records)
    terminalreporter.section("fastmmap benchmark summary")
    for line in lines:
        terminalreporter.write_line(line)
    dest = os.environ.get("FASTMMAP_BENCH_SUMMARY")
    if dest:
        with open(dest, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        terminalreporter.write_line(f"(summary written to {dest})")
