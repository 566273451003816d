"""Search benchmarks: stdlib ``mmap`` vs ``fastmmap`` vs the memchr limit.

Every benchmark checks its answer.  Full-file scans use
``benchmark.pedantic`` (FASTMMAP_BENCH_ROUNDS rounds, default 5, after one
warm-up round); GB/s goes into ``extra_info`` and the session summary.
"""
import os
import shutil
import subprocess
import threading
import time

import numpy as np
import pytest
from timing import interleaved

from fastmmap._cli._demo import count_lines_iter, count_readline

from corpus import NEEDLE_CASES

ROUNDS = int(os.environ.get("FASTMMAP_BENCH_ROUNDS", 5))
SLOW_ROUNDS = min(ROUNDS, 3)  # for the Python-level loops (~1 s a round)
# Line loops (0.1-0.4 s a round): slow spells on this shared machine last
# a second or two and can cover every round of one side, so more rounds.
LINE_ROUNDS = max(ROUNDS, 9)
GIL_WINDOW = 0.5  # seconds the probe thread counts for
GIL_REPEATS = 5
GIL_NEEDLE = ("e", 16)

SCAN_IMPLS = ("stdlib", "fastmmap", "limit")
# Rounds of the interleaved fastmmap/StringZilla comparison (each round
# times both, in alternating order).
PEER_ROUNDS = max(ROUNDS, 9)


@pytest.fixture(scope="module")
def stringzilla_str(corpus):
    sz = pytest.importorskip("stringzilla")
    s = sz.Str(sz.File(corpus.path))
    s.find(b"\x00")  # fault the mapping in, as the maps fixture does
    return s


def scan(benchmark, fn, *args, rounds=ROUNDS):
    return benchmark.pedantic(fn, args=args, rounds=rounds, warmup_rounds=1, iterations=1)


# -- absent needles: 4 classes x 6 lengths x find/rfind ------------------------------

NEEDLE_IDS = [f"{c}-{k}" for c, k in NEEDLE_CASES]


@pytest.mark.parametrize("impl", SCAN_IMPLS)
@pytest.mark.parametrize("cls,length", NEEDLE_CASES, ids=NEEDLE_IDS)
@pytest.mark.parametrize("op", ("find", "rfind"))
def test_absent_needle(benchmark, record, corpus, maps, op, cls, length, impl):
    needle = corpus.needles[cls, length]
    row = f"{op}-absent-{cls}-{length}"
    benchmark.group = row
    if impl == "limit":
        assert scan(benchmark, maps.limit) is None
    else:
        m = maps[impl]
        assert m.tell() == 0  # find/rfind default to [pos, len)
        assert scan(benchmark, getattr(m, op), needle) == -1
    record(row, impl, "scan", nbytes=corpus.size, needle_op=op, needle_class=cls,
           needle_len=length, needle=needle[:16].decode("ascii"))


@pytest.mark.parametrize("cls,length", NEEDLE_CASES, ids=NEEDLE_IDS)
@pytest.mark.parametrize("op", ("find", "rfind"))
def test_peer_absent_needle(benchmark, record_peer, corpus, maps, stringzilla_str,
                            op, cls, length):
    """fastmmap against StringZilla (and the limit) on one absent needle,
    interleaved round by round; each answer is checked once up front."""
    needle = corpus.needles[cls, length]
    row = f"{op}-absent-{cls}-{length}"
    benchmark.group = "peer " + row
    fast, peer = getattr(maps["fastmmap"], op), getattr(stringzilla_str, op)
    assert fast(needle) == -1 and peer(needle) == -1 and maps.limit() is None
    calls = {"fastmmap": lambda: fast(needle), "stringzilla": lambda: peer(needle),
             "limit": maps.limit}
    best = benchmark.pedantic(interleaved, args=(calls, PEER_ROUNDS), rounds=1,
                              iterations=1, warmup_rounds=0)
    record_peer(row, {name: corpus.size / t / 1e9 for name, t in best.items()},
                needle_op=op, needle_class=cls, needle_len=length)


@pytest.mark.parametrize("impl", SCAN_IMPLS)
@pytest.mark.parametrize("op", ("find", "rfind"))
def test_absent_byte(benchmark, record, corpus, maps, op, impl):
    row = f"{op}-absent-byte"
    benchmark.group = row
    if impl == "limit":
        assert scan(benchmark, maps.limit) is None
    else:
        assert scan(benchmark, getattr(maps[impl], op), b"#") == -1
    record(row, impl, "scan", nbytes=corpus.size)


# -- counting lines ----------------------------------------------------------------

def count_lines_find_loop(m):
    """What a stdlib user writes to count newlines without copying the map."""
    find = m.find
    n = 0
    pos = find(b"\n", 0)
    while pos >= 0:
        n += 1
        pos = find(b"\n", pos + 1)
    return n


def count_lines_wc(path):
    out = subprocess.run(["wc", "-l", path], check=True, capture_output=True).stdout
    return int(out.split()[0])


@pytest.mark.parametrize("impl", ("stdlib", "fastmmap", "limit", "wc"))
def test_count_newlines(benchmark, record, corpus, maps, impl):
    row = "count-newlines"
    benchmark.group = row
    if impl == "fastmmap":
        if not hasattr(maps["fastmmap"], "count"):
            pytest.skip("this fastmmap.mmap has no count()")
        assert scan(benchmark, maps["fastmmap"].count, b"\n") == corpus.lines
        note = None
    elif impl == "stdlib":
        lines = scan(benchmark, count_lines_find_loop, maps["stdlib"], rounds=SLOW_ROUNDS)
        assert lines == corpus.lines
        note = "stdlib = ``m.find(b'\\n', pos + 1)`` loop"
    elif impl == "limit":
        assert scan(benchmark, maps.limit) is None
        note = None
    else:
        if shutil.which("wc") is None:
            pytest.skip("no wc")
        assert scan(benchmark, count_lines_wc, corpus.path, rounds=SLOW_ROUNDS) == corpus.lines
        note = "subprocess ``wc -l FILE`` incl. process start; reads via read(), not mmap"
    record(row, impl, "scan", nbytes=corpus.size, note=note)


# -- readline loop -----------------------------------------------------------------

@pytest.mark.parametrize("impl", ("stdlib", "fastmmap"))
def test_readline_loop(benchmark, record, corpus, maps, impl):
    row = "readline-loop"
    benchmark.group = row
    assert scan(benchmark, count_readline, maps[impl], rounds=LINE_ROUNDS) == corpus.lines
    record(row, impl, "scan", nbytes=corpus.size)


# -- read loop -------------------------------------------------------------------------

def read_loop(m, chunk):
    """The whole map through read(chunk), as a file-like consumer does."""
    m.seek(0)
    read = m.read
    n = 0
    while True:
        data = read(chunk)
        if not data:
            break
        n += len(data)
    m.seek(0)
    return n


@pytest.mark.parametrize("chunk", (4096, 1 << 20), ids=("4k", "1m"))
@pytest.mark.parametrize("impl", ("stdlib", "fastmmap"))
def test_read_loop(benchmark, record, corpus, maps, impl, chunk):
    row = "read-loop-%s" % ("4k" if chunk == 4096 else "1m")
    benchmark.group = row
    assert scan(benchmark, read_loop, maps[impl], chunk, rounds=LINE_ROUNDS) == corpus.size
    note = ("``m.read(n)`` until b'' (n = 4 KiB: per-call cost; 1 MiB: copies "
            "without the GIL)") if chunk == 4096 else None
    record(row, impl, "scan", nbytes=corpus.size, note=note)


# -- every newline offset (find_all) and line iteration (lines) ----------------------

def offsets_find_loop(m, needle=b"\n"):
    """What a stdlib user writes to collect every match offset."""
    find = m.find
    out = []
    pos = find(needle, 0)
    while pos >= 0:
        out.append(pos)
        pos = find(needle, pos + 1)
    return out


@pytest.mark.parametrize("impl", ("stdlib", "fastmmap", "limit", "count", "numpy"))
def test_find_all_newlines(benchmark, record, corpus, maps, impl):
    row = "find_all-newlines"
    benchmark.group = row
    note = None
    if impl == "stdlib":
        got = scan(benchmark, offsets_find_loop, maps["stdlib"], rounds=SLOW_ROUNDS)
        assert len(got) == corpus.lines
        note = "stdlib = ``m.find(b'\\n', pos + 1)`` loop appending to a list"
    elif impl == "fastmmap":
        got = scan(benchmark, maps["fastmmap"].find_all, b"\n")
        assert len(got) == corpus.lines and got[-1] == corpus.size - 1
    elif impl == "limit":
        assert scan(benchmark, maps.limit) is None
    elif impl == "count":
        assert scan(benchmark, maps["fastmmap"].count, b"\n") == corpus.lines
        note = "count = fastmmap ``m.count(b'\\n')``, the time find_all aims at"
    else:
        view = maps["fastmmap"].as_array()
        got = scan(benchmark, lambda: np.flatnonzero(view == ord("\n")))
        assert len(got) == corpus.lines
        note = "numpy = ``np.flatnonzero(m.as_array() == 10)``"
    record(row, impl, "scan", nbytes=corpus.size, note=note)


@pytest.mark.parametrize("impl", ("stdlib", "fastmmap"))
def test_iterate_lines(benchmark, record, corpus, maps, impl):
    row = "iterate-lines"
    benchmark.group = row
    fn = count_readline if impl == "stdlib" else count_lines_iter
    assert scan(benchmark, fn, maps[impl], rounds=LINE_ROUNDS) == corpus.lines
    note = ("stdlib = ``for line in iter(m.readline, b'')``; fastmmap = "
            "``for line in m.lines()``")
    record(row, impl, "scan", nbytes=corpus.size, note=note)


# -- per-call overhead ---------------------------------------------------------------

@pytest.mark.parametrize("impl", ("stdlib", "fastmmap"))
def test_find_hit_at_start(benchmark, record, corpus, maps, impl):
    row = "find-hit-at-0 (16 B needle)"
    benchmark.group = row
    m = maps[impl]
    assert m.tell() == 0
    assert benchmark(m.find, corpus.head) == 0
    record(row, impl, "call")


# -- GIL release -------------------------------------------------------------------

def _spin(seconds, started, rates):
    """Pure-Python counting for ``seconds`` of wall time; appends loops/s."""
    n = 0
    started.set()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(500):
            n += 1
        now = time.perf_counter()
        if now >= deadline:
            break
    rates.append(n / (now - t0))


def gil_probe(scan_once):
    """Median over GIL_REPEATS of (loop rate while scanning / loop rate alone)."""
    results = []
    for _ in range(GIL_REPEATS):
        rates = []
        started = threading.Event()
        t = threading.Thread(target=_spin, args=(GIL_WINDOW, started, rates))
        t.start()
        t.join()  # main thread idle: the loop runs alone
        started = threading.Event()
        t = threading.Thread(target=_spin, args=(GIL_WINDOW, started, rates))
        t.start()
        started.wait()
        scans = 0
        while t.is_alive():
            scan_once()
            scans += 1
        t.join()
        alone, during = rates
        results.append((during / alone, alone, during, scans))
    return sorted(results)[len(results) // 2]


@pytest.mark.parametrize("impl", SCAN_IMPLS)
def test_gil_release(benchmark, record, corpus, maps, impl):
    row = "gil-release"
    benchmark.group = row
    needle = corpus.needles[GIL_NEEDLE]
    if impl == "limit":
        def scan_once():
            assert maps.limit() is None
    else:
        find = maps[impl].find

        def scan_once():
            assert find(needle, 0) == -1
    ratio, alone, during, scans = benchmark.pedantic(gil_probe, args=(scan_once,), rounds=1)
    assert scans >= 1
    record(row, impl, "gil", ratio=ratio, alone_rate=alone, during_rate=during, scans=scans,
           needle=needle.decode("ascii"))
