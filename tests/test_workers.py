"""count() and find_all() with workers=: one map split across threads.

The parts are cut at the byte offsets size * i // parts, moved right past
any occurrence that straddles them, so every case below plants its bytes
around those offsets of a map big enough to be split (parts of 16 MiB at
least), and compares with the single-threaded answer.
"""
import contextlib
import os
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap extras")

fastmmap = None if AGAINST_STDLIB else load_fastmmap()

PART = 16 << 20              # the smallest part worth a thread
SIZE = 4 * PART + 12345      # up to 4 parts, cut off any power of two
BACKGROUND = b"z"


def cut_points(size=SIZE):
    """Every offset a split of [0, size) into 2, 3 or 4 parts starts from."""
    return sorted({size // parts * i for parts in (2, 3, 4) for i in range(1, parts)})


@pytest.fixture(scope="module")
def big():
    m = fastmmap.mmap(-1, SIZE)
    m.write(BACKGROUND * SIZE)
    yield m
    m.close()


@contextlib.contextmanager
def planted(m, snippet, at=None):
    """snippet written centred on each offset of ``at`` (default: every cut
    point) for the duration of the block, then the background put back."""
    starts = [max(0, min(SIZE - len(snippet), c - len(snippet) // 2))
              for c in (cut_points() if at is None else at)]
    for s in starts:
        m[s:s + len(snippet)] = snippet
    try:
        yield m
    finally:
        for s in starts:
            m[s:s + len(snippet)] = BACKGROUND * len(snippet)


def check(m, needle, workers):
    expected = m.count(needle)
    assert m.count(needle, workers=workers) == expected
    offsets = m.find_all(needle, workers=workers)
    assert offsets.dtype == np.int64 and offsets.flags.writeable
    assert np.array_equal(offsets, m.find_all(needle))
    assert len(offsets) == expected


@settings(max_examples=60, deadline=None)
@given(snippet=st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"aab"]),
                        min_size=1, max_size=300).map(b"".join),
       needle=st.lists(st.sampled_from([b"a", b"b", b"\n", b"z"]), min_size=1,
                       max_size=5).map(b"".join),
       workers=st.integers(2, 5))
def test_same_answers_as_one_thread(big, snippet, needle, workers):
    with planted(big, snippet):
        check(big, needle, workers)


@pytest.mark.parametrize("snippet,needle", [
    (b"a" * 10000, b"aa"),           # straddled everywhere: cuts given up
    (b"a" * 10001, b"aaa"),
    (b"ab" * 5000, b"aba"),
    (b"abc" * 4000, b"cab"),
    (b"x\n" * 7000, b"\n"),
    (b"\n" * 640, b"\n\n"),
    (b"", b"zz"),                    # the background itself, every byte
    (b"", b"z" * 1000),
])
@pytest.mark.parametrize("workers", [2, 3, 4, 8])
def test_periodic_needles(big, snippet, needle, workers):
    with planted(big, snippet):
        check(big, needle, workers)


def test_ranges_and_defaults(big):
    with planted(big, b"needle"):
        n = len(cut_points())
        assert big.count(b"needle", workers=None) == n
        assert big.count(b"needle", 0, SIZE // 2 + 3, workers=2) == big.count(
            b"needle", 0, SIZE // 2 + 3)
        assert big.count(b"needle", -PART, None, workers=4) == big.count(b"needle", -PART)
        assert big.count(b"", workers=2) == SIZE + 1
        assert len(big.find_all(b"", 0, 10, workers=2)) == 11
        assert big.count(b"needle", SIZE, workers=2) == 0


def test_small_ranges_stay_in_one_thread(big):
    # Below two parts' worth the call is the single-threaded one: same
    # answers, and no thread is started (nothing to observe but the result).
    small = fastmmap.mmap(-1, 1 << 20)
    small.write(b"x\n" * (1 << 19))
    assert small.count(b"\n", workers=8) == 1 << 19
    assert len(small.find_all(b"\n", workers=8)) == 1 << 19
    small.close()


@pytest.mark.parametrize("bad,exc", [(0, ValueError), (-1, ValueError),
                                      ("2", TypeError), (2.0, TypeError)])
def test_bad_workers(bad, exc):
    m = fastmmap.mmap(-1, 10)
    with pytest.raises(exc):
        m.count(b"x", workers=bad)
    with pytest.raises(exc):
        m.find_all(b"x", workers=bad)
    m.close()


def test_closed_map():
    m = fastmmap.mmap(-1, 10)
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.count(b"x", workers=2)


def test_truncated_file_raises_in_every_thread(tmp_path):
    # The part past the new end faults in a worker thread (part 0 runs in
    # the caller): the fault guard of that thread turns it into OSError.
    path = tmp_path / "big"
    with open(path, "wb") as f:
        f.truncate(3 * PART)
    with fastmmap.open(path, "r") as m:
        assert m.count(b"\n", workers=3) == 0
        os.truncate(path, PART // 2)
        for workers in (2, 3):
            with pytest.raises(OSError) as info:
                m.count(b"\n", workers=workers)
            assert info.value.errno == 14
            with pytest.raises(OSError):
                m.find_all(b"\n", workers=workers)
    # the scan guard was given back: close() worked above (the with block)


def test_close_from_another_thread_waits_for_the_workers():
    # close() in another thread must fail with BufferError while the
    # workers scan (never unmap under them), and succeed once they are done.
    m = fastmmap.mmap(-1, 8 * PART)
    refused = []

    def closer():
        while True:
            try:
                m.close()
                return
            except BufferError:
                refused.append(1)
            time.sleep(0)

    answers = []
    t = threading.Thread(target=closer)
    t.start()
    try:
        for _ in range(50):
            answers.append(m.count(b"\x01", workers=4))
    except ValueError as exc:       # closed between two calls
        assert "closed" in str(exc)
    t.join()
    assert m.closed
    assert set(answers) <= {0}


@pytest.mark.parametrize("snippet,needles,ignore_case", [
    (b"needle NEEDLE nEEdle", (b"needle",), True),
    (b"ab abc abcd" * 50, (b"ab", b"abcd", b"bc"), False),
    (b"a" * 5000, (b"aa", b"aaa"), False),       # straddled everywhere
    (b"XyZ xyz", (b"xyz", b"zz"), True),
])
@pytest.mark.parametrize("workers", [2, 3])
def test_sets_split_as_one_thread(big, snippet, needles, ignore_case, workers):
    with planted(big, snippet):
        expected = big.count(needles, ignore_case=ignore_case)
        assert big.count(needles, ignore_case=ignore_case, workers=workers) == expected
        offsets = big.find_all(needles, ignore_case=ignore_case, workers=workers)
        assert np.array_equal(offsets, big.find_all(needles, ignore_case=ignore_case))
        assert len(offsets) == expected
