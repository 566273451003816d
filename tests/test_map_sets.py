"""The map's searches for several needles, or ignoring ASCII case:
count(), find_all() and search() with a tuple of needles or ignore_case,
against a naive leftmost-longest oracle over bytes."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap
from support import norm_range

pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap extras")

fastmmap = None if AGAINST_STDLIB else load_fastmmap()
np = pytest.importorskip("numpy")

ALPHABET = [b"a", b"b", b"A", b"B", b"ab", b"\n", b"@", b"`", b"\xc3", b"\xe1"]


def fold(data):
    """ASCII case folding only (bytes >= 0x80 and non-letters unchanged)."""
    return bytes(c + 32 if 65 <= c <= 90 else c for c in data)


def oracle_all(data, needles, ignore_case):
    """Non-overlapping leftmost-longest occurrences: (offset, length)."""
    hay = fold(data) if ignore_case else data
    keys = [fold(n) if ignore_case else n for n in needles]
    out, pos = [], 0
    while pos <= len(hay):
        hits = [(i, len(k)) for i in range(pos, len(hay)) for k in keys
                if hay.startswith(k, i)]
        if not hits:
            break
        at = min(i for i, _ in hits)
        length = max(n for i, n in hits if i == at)
        out.append((at, length))
        pos = at + length
    return out


def oracle_last(data, needles, ignore_case):
    hay = fold(data) if ignore_case else data
    keys = [fold(n) if ignore_case else n for n in needles]
    for at in range(len(hay) - 1, -1, -1):
        lengths = [len(k) for k in keys if hay.startswith(k, at)]
        if lengths:
            return (at, at + max(lengths))
    return (-1, -1)


def mapped(data):
    m = fastmmap.mmap(-1, len(data))
    m.write(data)
    m.seek(0)
    return m


def find_range(size, pos, start, end):
    """mmap.find's [start, end) (CPython 3.15), or None when nothing can
    be found there."""
    if start is None:
        s, e = pos, size            # end is read only with a start
    else:
        s, e = start, size if end is None else end
        if s < 0:
            s = max(s + size, 0)
        elif s > size:
            return None
        if e < 0:
            e = max(e + size, 0)
        e = min(e, size)
    return (s, e) if e >= s else None


DATA = st.lists(st.sampled_from(ALPHABET), max_size=60).map(b"".join)
NEEDLES = st.lists(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=3).map(b"".join),
                   min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(data=DATA, needles=NEEDLES, ignore_case=st.booleans(),
       start=st.one_of(st.none(), st.integers(-70, 70)),
       end=st.one_of(st.none(), st.integers(-70, 70)))
def test_count_find_all_search_against_the_oracle(data, needles, ignore_case, start, end):
    m = fastmmap.mmap(-1, len(data) + 1)
    m.write(data + b"!")
    hay = data + b"!"
    try:
        s, e = norm_range(len(hay), start, end)
        window = hay[s:e] if s <= e else b""
        want = oracle_all(window, needles, ignore_case)
        several = tuple(needles)
        assert m.count(several, start, end, ignore_case=ignore_case) == len(want)
        got = m.find_all(several, start, end, ignore_case=ignore_case)
        assert got.dtype == np.int64
        assert got.tolist() == [s + at for at, _ in want]
        if len(needles) == 1:
            assert m.count(needles[0], start, end, ignore_case=ignore_case) == len(want)
        # search(): find()'s index rules.
        m.seek(0)
        first = m.search(several, start, end, ignore_case=ignore_case)
        last = m.search(list(needles), start, end, ignore_case=ignore_case, reverse=True)
        window = find_range(len(hay), 0, start, end)
        if window is None:
            assert first == last == (-1, -1)
            return
        fs, fe = window
        found = oracle_all(hay[fs:fe], needles, ignore_case)
        assert first == ((fs + found[0][0], fs + found[0][0] + found[0][1]) if found
                         else (-1, -1))
        rl = oracle_last(hay[fs:fe], needles, ignore_case)
        assert last == ((fs + rl[0], fs + rl[1]) if rl[0] >= 0 else (-1, -1))
    finally:
        m.close()


def test_single_needle_search_is_find():
    m = mapped(b"abc abc ABC")
    assert m.search(b"abc") == (0, 3)
    assert m.search(b"abc", reverse=True) == (4, 7)
    assert m.search(b"abc", 1) == (4, 7)
    assert m.search(b"ABC", ignore_case=False) == (8, 11)
    assert m.search(b"abc", ignore_case=True, reverse=True) == (8, 11)
    assert m.search(b"") == (0, 0)
    assert m.search(b"zz") == (-1, -1)
    m.seek(5)
    assert m.search(b"abc") == (-1, -1)         # from the position
    assert m.search(b"abc", ignore_case=True) == (8, 11)
    m.close()


def test_bad_needles():
    m = mapped(b"abc")
    for bad in ((), [], (b"a", b"")):
        with pytest.raises(ValueError):
            m.count(bad)
        with pytest.raises(ValueError):
            m.find_all(bad)
    with pytest.raises(TypeError):
        m.count(("a",))
    with pytest.raises(TypeError):
        m.search(["a"])
    assert m.count(b"", ignore_case=True) == 4       # bytes.count semantics
    m.close()
    with pytest.raises(ValueError):
        m.count((b"a",), ignore_case=True)


def test_many_needles():
    words = [b"w%04d" % i for i in range(300)]
    data = b" ".join(words[::7]) + b" W0003 w0003"
    m = mapped(data)
    assert m.count(tuple(words)) == len(words[::7]) + 1
    assert m.count(tuple(words), ignore_case=True) == len(words[::7]) + 2
    m.close()
