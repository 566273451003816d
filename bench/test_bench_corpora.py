"""Searches over real-looking data: logs, JSON lines, CSV and C source
(``corpora.py``), stdlib ``mmap`` against fastmmap, StringZilla and the
memchr limit.

Every row times the four sides round by round in a rotating order
(``timing.interleaved``), so a slow spell of the shared machine falls on
all of them alike, and checks every answer.  GB/s is the bytes the search
had to read (the whole file for an absent needle; up to the end of the
first match for ``find``, from the start of the last one for ``rfind``)
over the best round; the limit is glibc's ``memchr`` over that same span,
looking for a byte the file lacks.  The session summary
(``corpora_report.py``) gives the ratios, their geometric means per
corpus, operation and needle class, and every row where fastmmap was
slower than the stdlib or StringZilla.

Run: ``python -m pytest bench/test_bench_corpora.py --benchmark-only``
(``-k logs``, ``-k "json and rfind"``, ...); ``FASTMMAP_BENCH_MB`` sets the
size of each corpus (default 256 MiB).
"""
import ctypes
import mmap
import os
import re

import corpora
import numpy as np
import pytest
from timing import interleaved

from conftest import MODULES

ROUNDS = max(int(os.environ.get("FASTMMAP_BENCH_ROUNDS", 5)), 7)

_memchr = ctypes.CDLL(None).memchr
_memchr.restype = ctypes.c_void_p
_memchr.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)


class Data:
    """One corpus, paged in, mapped by each side."""

    def __init__(self, kind):
        self.path, meta = corpora.ensure(kind)
        corpora.page_in_checked(self.path, meta)
        self.size = meta["size"]
        self.needles = {(n["op"], n["cls"], n["label"]): n
                        for n in corpora.load_needles(meta)}
        with open(self.path, "rb") as fh:
            self.maps = {impl: mod.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                         for impl, mod in MODULES.items()}
        sz = pytest.importorskip("stringzilla")
        self.sz = sz.Str(sz.File(self.path))
        self._view = np.frombuffer(self.maps["fastmmap"], dtype=np.uint8)
        self.address = self._view.ctypes.data
        # Fault every page of each map in before anything is timed.
        for impl in self.maps:
            assert self.maps[impl].find(bytes([corpora.ABSENT_BYTE])) == -1
        assert self.sz.find(bytes([corpora.ABSENT_BYTE])) == -1

    def limit(self, start, length):
        return _memchr(self.address + start, corpora.ABSENT_BYTE, length)

    def close(self):
        del self._view
        for m in self.maps.values():
            m.close()


@pytest.fixture(scope="module")
def data():
    loaded = {}

    def get(kind):
        if kind not in loaded:
            for other in list(loaded):   # one corpus mapped at a time
                loaded.pop(other).close()
            loaded[kind] = Data(kind)
        return loaded[kind]
    yield get
    for d in loaded.values():
        d.close()


def _cases():
    for kind in corpora.KINDS:
        for op in ("find", "rfind"):
            for needle in corpora.TYPICAL[kind]:
                yield kind, op, "typical", needle.decode()
            for cls, lengths in (("freq", corpora.FREQ_LENGTHS),
                                 ("edit", corpora.EDIT_LENGTHS)):
                for length in lengths:
                    yield kind, op, cls, str(length)
            yield kind, op, "present", "token"
            for length in corpora.SLICE_LENGTHS:
                yield kind, op, "slice", str(length)


CASES = list(_cases())
IDS = [f"{k}-{op}-{cls}-{re.sub(r'[^A-Za-z0-9]+', '_', label)}"
       for k, op, cls, label in CASES]


@pytest.mark.parametrize("kind,op,cls,label", CASES, ids=IDS)
def test_corpus_needle(benchmark, record_peer, data, kind, op, cls, label):
    d = data(kind)
    n = d.needles[op, cls, label]
    needle, answer = n["needle"], n["answer"]
    row = f"{kind} {op} {cls}-{label}"
    benchmark.group = "corpora " + row
    # The span a search must read, which the limit reads too.
    if answer < 0:
        start, span = 0, d.size
    elif op == "find":
        start, span = 0, answer + len(needle)
    else:
        start, span = answer, d.size - answer
    calls = {"stdlib": lambda: getattr(d.maps["stdlib"], op)(needle),
             "fastmmap": lambda: getattr(d.maps["fastmmap"], op)(needle),
             "stringzilla": lambda: getattr(d.sz, op)(needle),
             "limit": lambda: d.limit(start, span)}
    expect = {"stdlib": answer, "fastmmap": answer, "stringzilla": answer, "limit": None}
    for name, call in calls.items():
        assert call() == expect[name], (name, row)
    best = benchmark.pedantic(interleaved, args=(calls, ROUNDS, expect), rounds=1,
                              iterations=1, warmup_rounds=0)
    record_peer(row, {name: span / t / 1e9 for name, t in best.items()}, kind="corpora",
                corpus=kind, needle_op=op, needle_class=cls, needle_len=len(needle),
                bytes=span)
