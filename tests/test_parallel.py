"""The CLI's threaded count (fastmmap._parallel) against mmap.count()."""
import os
import tempfile
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap-only helper")

fastmmap = None if AGAINST_STDLIB else load_fastmmap()
if fastmmap is not None:
    from fastmmap import _parallel


def anon(data):
    """A read-only fastmmap of a temporary file holding ``data``."""
    fd, path = tempfile.mkstemp()
    try:
        os.write(fd, data)
        return fastmmap.open(path)
    finally:
        os.close(fd)
        os.unlink(path)


@pytest.fixture
def tiny_splits(monkeypatch):
    """Split even a few bytes into as many ranges as asked."""
    monkeypatch.setattr(_parallel, "MIN_SPLIT", 1)


def check(data, needle, workers):
    m = anon(data)
    try:
        expected = data.count(needle)
        assert m.count(needle) == expected
        assert _parallel.count(m, needle, workers) == expected
        bounds = _parallel.cuts(m, needle, 0, len(data), workers)
        assert bounds[0] == 0 and bounds[-1] == len(data)
        assert all(a < b for a, b in zip(bounds[:-1], bounds[1:-1]))
        assert bounds[-2] <= bounds[-1]
        assert len(bounds) - 1 <= workers
        # each cut is clean: no occurrence starts before it and ends after it
        k = len(needle)
        for cut in bounds[1:-1]:
            for s in range(max(cut - k + 1, 0), cut):
                assert data[s:s + k] != needle, (cut, s)
    finally:
        m.close()


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"aab"]),
                     max_size=200).map(b"".join),
       needle=st.lists(st.sampled_from([b"a", b"b", b"\n"]), min_size=1,
                       max_size=5).map(b"".join),
       workers=st.integers(1, 9))
def test_count_matches_sequential(data, needle, workers):
    _parallel.MIN_SPLIT, old = 1, _parallel.MIN_SPLIT
    try:
        check(data, needle, workers)
    finally:
        _parallel.MIN_SPLIT = old


@pytest.mark.parametrize("data,needle", [
    (b"a" * 1000, b"aa"),            # every position straddled: cuts given up
    (b"a" * 1001, b"aaa"),
    (b"ab" * 500, b"aba"),
    (b"abc" * 400, b"cab"),
    (b"x\n" * 700, b"\n"),
    (b"\n" * 64, b"\n\n"),
    (b"", b"x"),
])
@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_count_periodic(tiny_splits, data, needle, workers):
    check(data, needle, workers)


def test_count_empty_needle(tiny_splits):
    m = anon(b"abc")
    assert _parallel.count(m, b"", 4) == m.count(b"") == 4
    m.close()


def spawn_counter(monkeypatch):
    """Record the threads count() starts (their argument: the range)."""
    started = []
    real = _parallel._spawn
    monkeypatch.setattr(_parallel, "_spawn",
                        lambda fn, arg: (started.append(arg), real(fn, arg))[1])
    return started


def test_small_maps_stay_in_one_thread(monkeypatch):
    started = spawn_counter(monkeypatch)
    m = anon(b"x\n" * 1000)
    assert _parallel.count(m, b"\n", 8) == 1000
    assert started == []
    m.close()


def test_big_maps_use_threads(monkeypatch):
    started = spawn_counter(monkeypatch)
    monkeypatch.setattr(_parallel, "MIN_SPLIT", 1000)
    m = anon(b"x\n" * 2000)
    assert _parallel.count(m, b"\n", 3) == 2000
    assert started == [1, 2]            # ranges 1 and 2; range 0 in the caller
    m.close()


class FailingRanges:
    """Bytes with the map interface _parallel uses; count() of a range not
    starting at 0 fails, as a truncated file's would (OSError EFAULT)."""

    def __init__(self, data):
        self.data = data
        self.starts = []
        self.threads = set()

    def __len__(self):
        return len(self.data)

    def find(self, sub, start, end):
        return self.data.find(sub, start, end)

    def count(self, sub, start=0, end=None):
        self.starts.append(start)
        self.threads.add(threading.get_ident())
        if start:
            raise OSError(14, "Bad address")
        return self.data.count(sub, start, end)


def test_errors_in_threads_are_reraised(tiny_splits):
    fake = FailingRanges(b"abc\n" * 100)
    with pytest.raises(OSError, match="Bad address"):
        _parallel.count(fake, b"\n", 4)
    assert sorted(fake.starts) == [0, 100, 200, 300]  # every range ran
    assert threading.get_ident() in fake.threads        # range 0 in the caller


def test_closed_map(tiny_splits):
    m = anon(b"abc\n" * 100)
    m.close()
    with pytest.raises(ValueError):
        _parallel.count(m, b"\n", 4)


def test_worker_count():
    n = _parallel.worker_count()
    assert 1 <= n <= 8
