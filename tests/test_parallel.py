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

    def _submap(self, start, end):
        return None                     # no file behind it: ranges of self

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


# ----------------------------------------------------------------------------
# mmap._submap: the per-thread maps count() scans through

def file_with(tmp_path, data):
    path = tmp_path / "data"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("offset", [0, 1, 4095, 4097])
def test_submap_gives_the_same_bytes(tmp_path, offset):
    data = bytes(range(256)) * 64
    path = file_with(tmp_path, data)
    with fastmmap.open(path, offset=offset) as m:
        for lo, hi in [(0, len(m)), (3, 5000), (4096, 8193), (7, 7)]:
            sub = m._submap(lo, hi)
            with sub:
                assert sub[:] == data[offset + lo:offset + hi]
                with pytest.raises(TypeError):
                    sub[0:1] = b"x"             # read-only
        assert m[:] == data[offset:]


def test_submap_none_where_the_file_differs(tmp_path):
    path = file_with(tmp_path, b"abc\n" * 2000)
    anon = fastmmap.mmap(-1, 8000)
    assert anon._submap(0, 10) is None
    anon.close()
    with fastmmap.open(path, "c") as private:
        assert private._submap(0, 10) is None
    with open(path, "rb") as f:
        raw = fastmmap.mmap(f.fileno(), 0, flags=fastmmap.MAP_PRIVATE)
    assert raw._submap(0, 10) is None
    raw.close()
    with fastmmap.open(path) as m:
        os.truncate(path, 100)
        with m._submap(0, 100) as head:
            assert head[:] == b"abc\n" * 25
        assert m._submap(0, 101) is None        # past the new end of file


def test_submap_none_without_descriptors(tmp_path):
    resource = pytest.importorskip("resource")
    path = file_with(tmp_path, b"abc\n" * 100)
    with fastmmap.open(path) as m:
        probe = os.dup(0)
        os.close(probe)                 # the lowest free descriptor number
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (probe, hard))
        try:
            assert m._submap(0, 10) is None     # dup() fails: EMFILE
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        with m._submap(0, 10) as sub:
            assert sub[:] == b"abc\nabc\nab"


def test_submap_checks(tmp_path):
    path = file_with(tmp_path, b"x" * 100)
    m = fastmmap.open(path)
    for lo, hi in [(-1, 5), (5, 4), (0, 101)]:
        with pytest.raises(ValueError, match="out of bounds"):
            m._submap(lo, hi)
    with pytest.raises(TypeError):
        m._submap(0.5, 3)
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m._submap(0, 1)


def test_ranges_are_scanned_through_their_own_maps(tiny_splits, tmp_path):
    path = file_with(tmp_path, b"ab\n" * 5000)
    made = []
    real = fastmmap.mmap._submap
    with fastmmap.open(path) as m:
        # the type is a C type: wrap the map instead of patching the method
        class Spy:
            def __len__(self):
                return len(m)

            def find(self, *args):
                return m.find(*args)

            def count(self, *args):
                raise AssertionError("scanned the shared map")

            def _submap(self, lo, hi):
                sub = real(m, lo, hi)
                made.append((lo, hi, sub))
                return sub

        assert _parallel.count(Spy(), b"\n", 3) == 5000
    assert [r[:2] for r in sorted(made, key=lambda r: r[0])] == [
        (0, 5000), (5000, 10000), (10000, 15000)]
    assert all(sub.closed for _, _, sub in made)
