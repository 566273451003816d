"""Set searches: any of several needles, and one needle ignoring ASCII case,
against the memchr limit (and Python ``re``) in the same session.

The engine's set search (``fm_set_*`` in fastmmap/csrc/search/search.h) has
no map method yet; these rows call it in the built extension through
ctypes (the product's code and configuration, ``fm_default``: the
instruction set chosen at import), on the corpus map's address.  Each row
asserts its answer against a slow oracle computed once (``bytes.lower()``,
``bytes.find``).  Rows:

* ``sets-icount-{rare,freq}``: ``count`` of one needle ignoring case
  (written in upper case; the corpus is lower case), a rare word and a
  frequent one;
* ``sets-icount-{rare,freq}-mixed``: the same on a mixed-case copy of the
  corpus's first 64 MiB (letters upper-cased at random, one in three), with
  its own limit;
* ``sets-any{2,8}-{absent,rare}-{count,find_all}``: any of 2 or 8 words,
  absent from the text or rare in it.

``re`` rows (``impl=re``, in the summary's list under the table): the same
search with ``re.finditer`` (IGNORECASE, or an alternation longest first),
one round: it runs at tens of MB/s.
"""
import collections
import ctypes
import os
import re

import numpy as np
import pytest

import fastmmap._search as _search_ext

ROUNDS = int(os.environ.get("FASTMMAP_BENCH_ROUNDS", 5))

_lib = ctypes.CDLL(_search_ext.__file__)
_ssize = ctypes.c_ssize_t
_lib.fm_set_new.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p),
                            ctypes.POINTER(_ssize), _ssize, ctypes.c_int]
_lib.fm_set_new.restype = ctypes.c_void_p
_lib.fm_set_free.argtypes = [ctypes.c_void_p]
_lib.fm_set_count.argtypes = [ctypes.c_void_p, ctypes.c_void_p, _ssize]
_lib.fm_set_count.restype = _ssize
_lib.fm_set_find_all.argtypes = [ctypes.c_void_p, ctypes.c_void_p, _ssize, ctypes.c_void_p,
                                 ctypes.c_void_p, _ssize, ctypes.POINTER(_ssize)]
_lib.fm_set_find_all.restype = _ssize
_DEFAULT = ctypes.addressof(ctypes.c_char.in_dll(_lib, "fm_default"))
_memchr = ctypes.CDLL(None).memchr   # the limit, as conftest.py measures it
_memchr.restype = ctypes.c_void_p
_memchr.argtypes = (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)

FOLD = 1
MIXED_MB = 64
IMPLS = ("fastmmap", "limit", "re")


class EngineSet:
    """An fm_set of the product's configuration, freed with the object."""

    def __init__(self, needles, fold):
        self.needles = list(needles)
        xs = (ctypes.c_char_p * len(needles))(*needles)
        ks = (_ssize * len(needles))(*map(len, needles))
        self.s = _lib.fm_set_new(_DEFAULT, xs, ks, len(needles), FOLD if fold else 0)
        assert self.s

    def __del__(self):
        _lib.fm_set_free(self.s)

    def count(self, addr, n):
        return _lib.fm_set_count(self.s, addr, n)

    def find_all(self, addr, n, out, which):
        """Every match into out/which (numpy intp arrays with room for them
        all): how many."""
        resume = _ssize()
        w = _lib.fm_set_find_all(self.s, addr, n, out.ctypes.data, which.ctypes.data,
                                 len(out), ctypes.byref(resume))
        assert w < len(out) and resume.value == n
        return w


def leftmost_longest(data, needles, fold):
    """The oracle: (offset, index) of the matches, from bytes.find per
    needle (the sets here match rarely) then the greedy choice."""
    h = data.lower() if fold else data
    starts = {}
    for i, x in enumerate(needles):
        x = x.lower() if fold else x
        p = h.find(x)
        while p >= 0:
            if p not in starts or len(x) > len(needles[starts[p]]):
                starts[p] = i
            p = h.find(x, p + 1)
    out, end = [], 0
    for p in sorted(starts):
        if p >= end:
            out.append((p, starts[p]))
            end = p + len(needles[starts[p]])
    return out


def re_count(data, needles, fold):
    alts = sorted({x.lower() if fold else x for x in needles}, key=len, reverse=True)
    pat = re.compile(b"|".join(map(re.escape, alts)), re.IGNORECASE if fold else 0)
    return sum(1 for _ in pat.finditer(data))


@pytest.fixture(scope="module")
def texts(corpus, _session_maps):
    """The corpus (as the map's address) and a mixed-case copy of its head,
    with the needles drawn from the text."""
    maps = _session_maps
    data = maps["fastmmap"][:]
    words = collections.Counter(data[:8 << 20].split())
    by_count = sorted(words.items(), key=lambda kv: (kv[1], kv[0]))
    rare = [w for w, c in by_count if c == 1 and len(w) >= 6][:8]
    freq = [w for w, c in words.most_common(40) if len(w) >= 3][0]
    absent = [b"quartz", b"jukebox", b"zephyrs", b"xylem", b"vexing", b"kiwis",
              b"fjords", b"glyph"]
    assert not any(w in data for w in absent)
    rng = np.random.default_rng(7)
    head = np.frombuffer(data[:MIXED_MB << 20], dtype=np.uint8).copy()
    letters = (head >= ord("a")) & (head <= ord("z")) & (rng.random(len(head)) < 1 / 3)
    head[letters] -= 32
    mixed = head.tobytes()
    mixed_buf = ctypes.create_string_buffer(mixed, len(mixed))
    assert _memchr(ctypes.addressof(mixed_buf), ord("#"), len(mixed)) is None
    return dict(data=data, addr=maps.address, size=maps.size, rare=rare, freq=freq,
                absent=absent, mixed=mixed, mixed_buf=mixed_buf,
                mixed_addr=ctypes.addressof(mixed_buf))


def _timed(benchmark, record, row, impl, nbytes, fn, expected, rounds=ROUNDS):
    got = benchmark.pedantic(fn, rounds=rounds, warmup_rounds=1 if rounds > 1 else 0,
                             iterations=1)
    assert got == expected
    record(row, impl, "scan", nbytes=nbytes)


ICOUNT = [("rare", False), ("freq", False), ("rare", True), ("freq", True)]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("which,mixed", ICOUNT,
                         ids=["rare", "freq", "rare-mixed", "freq-mixed"])
def test_ignore_case_count(benchmark, record, texts, impl, which, mixed):
    word = texts["rare"][0] if which == "rare" else texts["freq"]
    needle = word.upper()
    row = f"sets-icount-{which}" + ("-mixed" if mixed else "")
    benchmark.group = row
    data = texts["mixed"] if mixed else texts["data"]
    addr = texts["mixed_addr"] if mixed else texts["addr"]
    n = len(data)
    expected = data.lower().count(needle.lower())
    assert expected > 0
    if impl == "fastmmap":
        s = EngineSet([needle], True)
        _timed(benchmark, record, row, impl, n, lambda: s.count(addr, n), expected)
    elif impl == "limit":
        _timed(benchmark, record, row, impl, n,
               lambda: _memchr(addr, ord("#"), n), None)
    else:
        _timed(benchmark, record, row, impl, n, lambda: re_count(data, [needle], True),
               expected, rounds=1)


ANY = [(2, "absent"), (8, "absent"), (2, "rare"), (8, "rare")]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("op", ("count", "find_all"))
@pytest.mark.parametrize("count,kind", ANY, ids=[f"any{c}-{k}" for c, k in ANY])
def test_any_of(benchmark, record, texts, impl, op, count, kind):
    needles = texts[kind][:count]
    row = f"sets-any{count}-{kind}-{op}"
    benchmark.group = row
    data, addr, n = texts["data"], texts["addr"], texts["size"]
    expected = leftmost_longest(data, needles, False)
    assert (len(expected) > 0) == (kind == "rare")
    if impl == "fastmmap":
        s = EngineSet(needles, False)
        if op == "count":
            _timed(benchmark, record, row, impl, n, lambda: s.count(addr, n), len(expected))
        else:
            out = np.zeros(len(expected) + 1, dtype=np.intp)
            which = np.zeros(len(expected) + 1, dtype=np.intp)
            _timed(benchmark, record, row, impl, n,
                   lambda: s.find_all(addr, n, out, which), len(expected))
            got = list(zip(out[:len(expected)].tolist(), which[:len(expected)].tolist()))
            assert got == expected
    elif impl == "limit":
        _timed(benchmark, record, row, impl, n, lambda: _memchr(addr, ord("#"), n), None)
    else:
        if op == "find_all":
            pytest.skip("re: the count row stands for both")
        _timed(benchmark, record, row, impl, n, lambda: re_count(data, needles, False),
               len(expected), rounds=1)
