"""find_all(), lines() and readinto() against naive pure-Python oracles."""
import array
import copy
import os
import pickle
import random
import sys
import sysconfig
import threading

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap
from support import norm_range

pytestmark = pytest.mark.skipif(
    AGAINST_STDLIB, reason="these extras have no stdlib counterpart")

try:
    import numpy as np
except ImportError:   # lines() and readinto() need no NumPy
    np = None
fastmmap = None if AGAINST_STDLIB else load_fastmmap()
needs_numpy = pytest.mark.skipif(np is None, reason="needs NumPy")

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- oracles ----------------------------------------------------------------------

def oracle_find_all(data, sub, start=None, end=None):
    s, e = norm_range(len(data), start, end)
    if not sub:
        return list(range(s, e + 1)) if s <= e else []
    out = []
    pos = s
    while True:
        i = data.find(sub, pos, e)
        if i < 0:
            return out
        out.append(i)
        pos = i + len(sub)


def oracle_lines(data, start=None, end=None, keepends=True):
    s, e = norm_range(len(data), start, end)
    region = data[s:e] if s < e else b""
    out = []
    i = 0
    while i < len(region):
        j = region.find(b"\n", i)
        if j < 0:
            out.append(region[i:])
            break
        out.append(region[i:j + 1])
        i = j + 1
    if not keepends:
        out = [line[:-1] if line.endswith(b"\n") else line for line in out]
    return out


def readline_lines(m, start=0):
    """The lines readline() gives from ``start`` (the spec lines() follows)."""
    m.seek(start)
    return list(iter(m.readline, b""))


@pytest.fixture
def mapped(make_file):
    """mapped(data, mode="r") -> an open fastmmap.mmap of a file holding data."""
    maps = []

    def make(data, mode="r"):
        m = fastmmap.open(make_file(data), mode)
        maps.append(m)
        return m

    yield make
    for m in maps:
        m.close()


# -- find_all ------------------------------------------------------------------------

INDICES = st.one_of(st.none(), st.integers(-40, 40))
ALPHABET = st.sampled_from([b"a", b"b", b"\n", b"\r", b"ab", b"\x00"])
DATA = st.lists(ALPHABET, max_size=60).map(b"".join)
NEEDLES = st.lists(st.sampled_from([b"a", b"b", b"\n", b"\r"]), max_size=4).map(b"".join)


def check_find_all(m, data, sub, start=None, end=None):
    got = m.find_all(sub, start, end)
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.int64 and got.ndim == 1
    expected = oracle_find_all(data, sub, start, end)
    assert got.tolist() == expected
    # exactly what count() counts (with bytes' own count as a second oracle)
    args = ()
    if start is not None or end is not None:
        args = (0 if start is None else start,)
    if end is not None:
        args += (end,)
    assert m.count(sub, *args) == len(expected) == data.count(sub, *args)


@needs_numpy
@SETTINGS
@given(data=DATA, sub=NEEDLES, start=INDICES, end=INDICES)
@example(data=b"aaaa", sub=b"aa", start=None, end=None)
@example(data=b"aaa", sub=b"aa", start=1, end=None)
@example(data=b"ab", sub=b"", start=5, end=None)
@example(data=b"ab", sub=b"", start=None, end=-5)
def test_find_all_random(mapped, data, sub, start, end):
    assume(data)
    m = mapped(data)
    check_find_all(m, data, sub, start, end)


@pytest.mark.parametrize("data,sub,expected", [
    (b"aaaaa", b"aa", [0, 2]),          # non-overlapping, left to right
    (b"abababa", b"aba", [0, 4]),
    (b"a\r\nb\r\n", b"\r\n", [1, 4]),
    (b"\n\n\n", b"\n", [0, 1, 2]),
    (b"xyz", b"xyzw", []),
    (b"xyz", b"q", []),
    (b"xyz", b"", [0, 1, 2, 3]),
    (b"\x00\x00\x00", b"\x00\x00", [0]),
])
@needs_numpy
def test_find_all_cases(mapped, data, sub, expected):
    m = mapped(data)
    assert m.find_all(sub).tolist() == expected


@needs_numpy
@pytest.mark.parametrize("start,end", [
    (None, None), (0, None), (3, None), (-4, None), (None, -2), (2, -2),
    (-100, 100), (100, None), (5, 3), (None, 0), (0, 0), (10, 10)])
def test_find_all_ranges(mapped, start, end):
    data = b"ab\nab\nab\nab"
    m = mapped(data)
    for sub in (b"ab", b"\n", b"b\na", b""):
        check_find_all(m, data, sub, start, end)


@needs_numpy
def test_find_all_keywords_and_buffers(mapped):
    data = b"one two one three one"
    m = mapped(data)
    assert m.find_all(b"one", start=1).tolist() == [8, 18]
    assert m.find_all(b"one", end=-1).tolist() == [0, 8]
    assert m.find_all(b"one", None, None).tolist() == [0, 8, 18]
    for sub in (bytearray(b"one"), memoryview(b"xoney")[1:4], array.array("b", b"one"),
                np.frombuffer(b"one", dtype=np.uint8)):
        assert m.find_all(sub).tolist() == [0, 8, 18]
    with pytest.raises(TypeError):
        m.find_all("one")
    with pytest.raises(TypeError):
        m.find_all(b"one", 1.5)


@needs_numpy
def test_find_all_empty_map(mapped):
    m = mapped(b"")
    assert m.find_all(b"x").tolist() == []
    assert m.find_all(b"").tolist() == [0]


@needs_numpy
def test_find_all_large_result(mapped):
    # a result larger than the small-buffer threshold: an anonymous mapping,
    # trimmed to the offsets found
    data = (b"x\n" * 200000) + b"tail"
    m = mapped(data)
    got = m.find_all(b"\n")
    assert len(got) == 200000 == m.count(b"\n")
    assert np.array_equal(got, np.arange(1, 400000, 2))
    assert m.find_all(b"x\nx").tolist() == list(range(0, 400000 - 2, 4))
    assert m.find_all(b"\n", 1000, 2001).tolist() == list(range(1001, 2001, 2))


@needs_numpy
def test_find_all_result_owns_its_memory(mapped):
    m = mapped(b"ab\n" * 1000)
    got = m.find_all(b"\n")
    m.close()                       # the array is not a view of the map
    assert got.flags.writeable and got.flags.c_contiguous
    assert got[0] == 2 and got[-1] == 2999
    got += 1                        # writable, like any fresh NumPy array
    assert got[0] == 3
    assert not hasattr(got.base, "release")


# A child whose address space cannot hold find_all's one big reservation
# (one slot per possible match): find_all must start small and grow,
# resuming the scan where each full buffer stopped it.
_GROWING_CHILD = r"""
import resource, sys
import numpy as np
import fastmmap

size = 64 << 20
rng = np.random.default_rng(5)
data = rng.choice(np.frombuffer(b"ab\n", np.uint8), size, p=[0.49, 0.49, 0.02])
m = fastmmap.mmap(-1, size)
m.write(data.tobytes())
cases = []
for sub, start, end in ((b"\n", None, None), (b"\n", 7, -9), (b"a\nb", 3, None)):
    hay = data.tobytes()[slice(start, end)]
    want = []
    at = hay.find(sub)
    while at >= 0:
        want.append(at + (0 if start is None else start))
        at = hay.find(sub, at + len(sub))
    cases.append((sub, start, end, want))
del hay
with open("/proc/self/status") as status:
    vm = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
# 96 MiB to spare: less than the 512 MiB that one slot per byte would take.
resource.setrlimit(resource.RLIMIT_AS, (vm + (96 << 20), resource.RLIM_INFINITY))
for sub, start, end, want in cases:
    got = m.find_all(sub, start, end)
    assert got.tolist() == want, (sub, start, end, len(got), len(want))
    assert len(want) > 4 * 65536, len(want)   # the buffer grew several times
print("ok", [len(want) for _, _, _, want in cases])
"""


@needs_numpy
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_find_all_grows_when_the_big_reservation_fails(tmp_path):
    from support import child_env, run_or_fail_if_hung

    result = run_or_fail_if_hung([sys.executable, "-c", _GROWING_CHILD], tmp_path,
                                 child_env(tmp_path), 120, "find_all growing")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok"), result.stdout


# A child without NumPy: find_all() and as_array() raise ImportError each
# time, and repeating the call must not leak (each failed import of
# fastmmap._array used to leave its module set-up behind, ~4.7 KB a call).
_NO_NUMPY_CHILD = r"""
import sys


class NoNumPy:
    # `import numpy` fails as it does where NumPy is not installed.
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError("No module named %r" % name, name=name)


sys.meta_path.insert(0, NoNumPy())
import fastmmap

m = fastmmap.mmap(-1, 64)

def attempts(n):
    for _ in range(n):
        for call in (lambda: m.find_all(b"x"), lambda: m.as_array()):
            try:
                call()
            except ImportError as exc:
                assert "need NumPy" in str(exc), exc
            else:
                raise AssertionError("no ImportError")

attempts(50)
before = sys.getallocatedblocks()
attempts(500)
print("blocks", sys.getallocatedblocks() - before)
"""


def test_find_all_without_numpy_does_not_leak(tmp_path):
    from support import child_env, run_or_fail_if_hung

    result = run_or_fail_if_hung([sys.executable, "-c", _NO_NUMPY_CHILD], tmp_path,
                                 child_env(tmp_path), 60, "find_all without NumPy")
    assert result.returncode == 0, result.stdout + result.stderr
    grown = int(result.stdout.split()[-1])
    assert grown < 100, "%d blocks more after 1000 failed calls" % grown


@needs_numpy
def test_find_all_unaligned_open(make_file):
    data = os.urandom(3000) + b"needle" + os.urandom(5000) + b"needle"
    path = make_file(data)
    with fastmmap.open(path, offset=1001) as m:
        assert m.find_all(b"needle").tolist() == oracle_find_all(data[1001:], b"needle")


@needs_numpy
def test_find_all_closed(mapped):
    m = mapped(b"abc")
    m.close()
    with pytest.raises(ValueError):
        m.find_all(b"a")


@needs_numpy
def test_find_all_does_not_move_position(mapped):
    m = mapped(b"abcabc")
    m.seek(2)
    m.find_all(b"a")
    assert m.tell() == 2


# -- lines ---------------------------------------------------------------------------

LINE_DATA = st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r\n", b"\r", b"\n\n"]),
                     max_size=40).map(b"".join)


@SETTINGS
@given(data=LINE_DATA, start=INDICES, end=INDICES, keepends=st.booleans())
@example(data=b"a\nb", start=None, end=None, keepends=True)
@example(data=b"a\nbc\n", start=1, end=4, keepends=False)
def test_lines_random(mapped, data, start, end, keepends):
    assume(data)
    m = mapped(data)
    m.seek(len(data) // 2)
    got = list(m.lines(start, end, keepends=keepends))
    assert got == oracle_lines(data, start, end, keepends)
    assert m.tell() == len(data) // 2
    if end is None and keepends:
        s, _ = norm_range(len(data), start, None)
        if s <= len(data):
            assert got == readline_lines(m, s)


@pytest.mark.parametrize("data,expected", [
    (b"\n", [b"\n"]),
    (b"no newline", [b"no newline"]),
    (b"a\nb", [b"a\n", b"b"]),
    (b"a\nb\n", [b"a\n", b"b\n"]),
    (b"\n\n\n", [b"\n", b"\n", b"\n"]),
    (b"a\r\nb\r\n", [b"a\r\n", b"b\r\n"]),
    (b"a\rb\rc", [b"a\rb\rc"]),             # only b"\n" ends a line
    (b"x\x00y\n\x00", [b"x\x00y\n", b"\x00"]),
])
def test_lines_cases(mapped, data, expected):
    m = mapped(data)
    assert list(m.lines()) == expected
    assert list(m.lines(keepends=False)) == [e[:-1] if e.endswith(b"\n") else e
                                             for e in expected]


def test_lines_every_length(mapped):
    # Lines of 0 to 300 bytes, with and without their newline: no length
    # is cut, padded or merged with the next line.
    rng = random.Random(5)
    data = b"".join(bytes(rng.choice(b"abc\r\x00\xff") for _ in range(k)) + b"\n"
                    for k in list(range(300)) + list(range(300, 0, -7)))
    bare = data.split(b"\n")[:-1]           # only b"\n" ends a line
    m = mapped(data)
    assert list(m.lines()) == [line + b"\n" for line in bare]
    assert list(m.lines(keepends=False)) == bare


def test_lines_keepends_false_drops_only_newline(mapped):
    m = mapped(b"a\r\n\r\nb\n\nc\r")
    assert list(m.lines(keepends=False)) == [b"a\r", b"\r", b"b", b"", b"c\r"]


def test_lines_ranges_cutting_lines(mapped):
    data = b"first\nsecond\nthird\n"
    m = mapped(data)
    assert list(m.lines(2)) == [b"rst\n", b"second\n", b"third\n"]
    assert list(m.lines(2, 9)) == [b"rst\n", b"sec"]
    assert list(m.lines(None, -3)) == [b"first\n", b"second\n", b"thi"]
    assert list(m.lines(-6)) == [b"third\n"]
    assert list(m.lines(-7, -1, keepends=False)) == [b"", b"third"]
    assert list(m.lines(6, 6)) == []
    assert list(m.lines(10, 3)) == []
    assert list(m.lines(100)) == []
    assert list(m.lines(-100, 100)) == data.splitlines(keepends=True)
    assert list(m.lines(start=6, end=13)) == [b"second\n"]


def test_lines_empty_map(mapped):
    m = mapped(b"")
    assert list(m.lines()) == []
    assert list(m.lines(keepends=False)) == []


def test_lines_is_lazy_iterator(mapped):
    m = mapped(b"a\nb\nc\n")
    it = m.lines()
    assert iter(it) is it
    assert next(it) == b"a\n"
    assert m.tell() == 0
    assert list(it) == [b"b\n", b"c\n"]
    assert list(it) == []
    with pytest.raises(StopIteration):
        next(it)


def test_lines_results_are_bytes_copies(mapped):
    m = mapped(b"abc\ndef\n", "r+")
    first = next(m.lines())
    m[0:3] = b"XYZ"
    assert type(first) is bytes and first == b"abc\n"


def test_lines_after_close(mapped):
    m = mapped(b"a\nb\n")
    it = m.lines()
    assert next(it) == b"a\n"
    m.close()
    with pytest.raises(ValueError):
        next(it)
    with pytest.raises(ValueError):
        m.lines()


def test_lines_sees_writes_and_resize(mapped):
    m = mapped(b"aa\nbb\ncc\n", "r+")
    it = m.lines()
    assert next(it) == b"aa\n"
    m[3:6] = b"BB\n"
    assert next(it) == b"BB\n"
    del it
    it = m.lines()
    next(it)
    m.resize(4)   # shrinking ends the lines early
    assert list(it) == [b"B"]


def test_lines_bad_arguments(mapped):
    m = mapped(b"a\n")
    with pytest.raises(TypeError):
        m.lines(1.0)
    with pytest.raises(TypeError):
        m.lines(0, 1, True)     # keepends is keyword-only


def test_lines_long_line(mapped):
    data = b"x" * 300000 + b"\n" + b"y" * 200000
    m = mapped(data)
    assert [len(line) for line in m.lines()] == [300001, 200000]


def test_lines_iterator_shared_by_threads(mapped):
    # One lines() iterator pulled from by several threads: every item is a
    # whole line of the file (a line may come twice or be skipped where a
    # long line's search released the GIL, as with readline() in threads,
    # but nothing is torn or read out of bounds), and the threads finish.
    rng = random.Random(11)
    lines = [b"%d:" % i + b"z" * rng.choice([0, 5, 80, 200, 70000]) + b"\n"
             for i in range(3000)]
    m = mapped(b"".join(lines))
    valid = set(lines)
    it = m.lines()
    got = []

    def pull():
        for line in it:
            got.append(line)

    threads = [threading.Thread(target=pull) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got and all(line in valid for line in got)
    assert len(set(got)) >= len(lines) - 100


# lines() and readline() write a line into a bytes object they handed out
# earlier once the caller has let go of it (see _recycle.h).  These check
# that nothing the caller still holds changes, that reused objects behave as
# new ones, and that the reuse does happen where it is meant to (for
# readline(), README difference 7).

CPYTHON_REUSES_LINES = (sys.implementation.name == "cpython"
                        and sys.version_info < (3, 14)
                        and not sysconfig.get_config_var("Py_GIL_DISABLED"))
needs_reuse = pytest.mark.skipif(not CPYTHON_REUSES_LINES, reason="reuse is off on this build")
LINE_SOURCES = pytest.mark.parametrize("source", ["lines", "readline"])


def each_line(m, source, keepends=True):
    """The lines of m, through lines() or a readline() loop."""
    if source == "lines":
        return m.lines(keepends=keepends)
    m.seek(0)
    assert keepends
    return iter(m.readline, b"")


def varied_lines(seed, count, longest=700):
    """Lines of every pymalloc size class and beyond, in random order."""
    rng = random.Random(seed)
    return [bytes(rng.choice(b"abc\r\x00\xff") for _ in range(rng.randrange(longest)))
            + b"\n" for _ in range(count)]


@LINE_SOURCES
def test_line_objects_kept_never_change(mapped, source):
    lines = varied_lines(21, 3000)
    m = mapped(b"".join(lines))
    kept, views = {}, {}
    for i, line in enumerate(each_line(m, source)):
        if i % 3 == 0:
            kept[i] = line
        elif i % 7 == 0:
            views[i] = memoryview(line)     # a buffer export holds it too
        # the rest are dropped, free for reuse
    assert all(line == lines[i] for i, line in kept.items())
    assert all(view.tobytes() == lines[i] for i, view in views.items())


@LINE_SOURCES
def test_line_objects_reused_are_whole_new_lines(mapped, source):
    # Each line is hashed, measured and dropped: a reused object must not
    # keep the previous line's cached hash, length or terminator.
    lines = varied_lines(22, 3000)
    known = set(lines)
    m = mapped(b"".join(lines))
    for i, line in enumerate(each_line(m, source)):
        fresh = bytes(bytearray(line))
        assert line == lines[i] and len(line) == len(lines[i])
        assert hash(line) == hash(fresh) and line in known
        assert sys.getsizeof(line) == sys.getsizeof(fresh)
        assert line.decode("latin-1").encode("latin-1") == lines[i]
    # int() and float() read bytes as C strings: the terminator must move
    # with the length (a longer line's digits stay behind in the buffer).
    numbers = [random.Random(23).randrange(10 ** k) for k in range(1, 60)] * 30
    m = mapped(b"".join(b"%d\n" % x for x in numbers))
    assert [int(line) for line in each_line(m, source)] == numbers
    assert [float(line) for line in each_line(m, source)] == [float(x) for x in numbers]


def test_line_objects_keepends_false(mapped):
    lines = varied_lines(24, 2000)
    m = mapped(b"".join(lines))
    for i, line in enumerate(m.lines(keepends=False)):
        assert line == lines[i][:-1] and hash(line) == hash(bytes(bytearray(line)))


@needs_reuse
@LINE_SOURCES
def test_line_objects_reuse_dropped_only(mapped, source):
    data = b"".join(b"%05d" % i + b"x" * 20 + b"\n" for i in range(1000))
    m = mapped(data)
    # Dropped one by one: two objects serve every line (the loop variable
    # holds one while the other is refilled).  The kept allocations of the
    # same size take every block a dropped line frees, so without the
    # reuse each line would be a new object at a new address.
    ids, same_size = set(), []
    for line in each_line(m, source):
        ids.add(id(line))
        same_size.append(bytes(len(line)))
    assert len(ids) <= 2
    # Kept: each line its own object.
    kept = list(each_line(m, source))
    assert len({id(line) for line in kept}) == len(kept) == 1000


@needs_reuse
def test_lines_iterator_lets_go_of_its_lines(mapped):
    m = mapped(b"first line\nsecond line\n")
    it = m.lines()
    first = next(it)
    held = sys.getrefcount(first)       # ours, the iterator's, the call's
    assert list(it) == [b"second line\n"]
    assert sys.getrefcount(first) == held - 1
    it = m.lines()
    first = next(it)
    held = sys.getrefcount(first)
    del it
    assert sys.getrefcount(first) == held - 1


@needs_reuse
def test_map_lets_go_of_its_readline_objects():
    m = fastmmap.mmap(-1, 100)
    m.write(b"first line\nsecond line\n")
    m.seek(0)
    first = m.readline()
    held = sys.getrefcount(first)       # ours, the map's, the call's
    m.close()                           # the map object still holds it...
    assert sys.getrefcount(first) == held
    del m                               # ...until it is freed
    assert sys.getrefcount(first) == held - 1


def test_lines_iterator_cannot_be_pickled_or_copied(mapped):
    # Like the stdlib's own iterators over unpicklable state: a plain
    # TypeError naming the type, never a half-made copy of its buffers.
    it = mapped(b"a\nb\n").lines()
    for action in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot pickle '.*_LineIterator' object"):
            action(it)
    assert list(it) == [b"a\n", b"b\n"]

# -- readinto -------------------------------------------------------------------------

@SETTINGS
@given(data=st.binary(max_size=200), pos=st.integers(0, 220),
       bufsize=st.integers(0, 250))
def test_readinto_random(mapped, data, pos, bufsize):
    assume(data)
    m = mapped(data)
    m.seek(min(pos, len(data)))
    start = m.tell()
    buf = bytearray(b"\xee" * bufsize)
    n = m.readinto(buf)
    expected = data[start:start + bufsize]
    assert n == len(expected)
    assert bytes(buf[:n]) == expected
    assert bytes(buf[n:]) == b"\xee" * (bufsize - n)   # untouched
    assert m.tell() == start + n


def test_readinto_sequence(mapped):
    data = bytes(range(100))
    m = mapped(data)
    buf = bytearray(30)
    chunks = []
    while True:
        n = m.readinto(buf)
        if not n:
            break
        chunks.append(bytes(buf[:n]))
    assert b"".join(chunks) == data
    assert [len(c) for c in chunks] == [30, 30, 30, 10]
    assert m.tell() == 100
    assert m.readinto(buf) == 0


def test_readinto_memoryview_slices(mapped):
    m = mapped(b"0123456789")
    buf = bytearray(b"." * 10)
    view = memoryview(buf)
    assert m.readinto(view[2:5]) == 3
    assert buf == b"..012....."
    assert m.readinto(view[7:]) == 3
    assert buf == b"..012..345"
    assert m.tell() == 6


@needs_numpy
def test_readinto_numpy(mapped):
    data = bytes(range(64))
    m = mapped(data)
    arr = np.zeros(8, dtype=np.uint32)
    assert m.readinto(arr) == 32
    assert arr.tobytes() == data[:32]
    arr2 = np.zeros(100, dtype=np.uint8)
    assert m.readinto(arr2[10:]) == 32
    assert arr2[10:42].tobytes() == data[32:]
    assert not arr2[:10].any() and not arr2[42:].any()


@needs_numpy
def test_readinto_numpy_non_contiguous_refused(mapped):
    m = mapped(b"abcdef")
    arr = np.zeros(10, dtype=np.uint8)
    with pytest.raises((TypeError, BufferError, ValueError)):
        m.readinto(arr[::2])
    assert m.tell() == 0


def test_readinto_array_module(mapped):
    m = mapped(b"abcdefgh")
    arr = array.array("H", [0, 0])
    assert m.readinto(arr) == 4
    assert arr.tobytes() == b"abcd"


def _read_only_array():
    if np is None:
        pytest.skip("needs NumPy")
    arr = np.zeros(4, dtype=np.uint8)
    arr.flags.writeable = False
    return arr


@pytest.mark.parametrize("make_target", [
    lambda: b"immutable", lambda: memoryview(b"read only"),
    lambda: memoryview(bytearray(4)).toreadonly(), _read_only_array,
    lambda: "text", lambda: 12, lambda: None],
    ids=["bytes", "memoryview-bytes", "readonly-view", "readonly-numpy",
         "str", "int", "None"])
def test_readinto_read_only_or_non_buffer(mapped, make_target):
    m = mapped(b"abcdef")
    target = make_target()
    with pytest.raises(TypeError):
        m.readinto(target)
    assert m.tell() == 0


def test_readinto_empty_buffer_and_at_end(mapped):
    m = mapped(b"abc")
    assert m.readinto(bytearray()) == 0
    assert m.tell() == 0
    m.seek(3)
    assert m.readinto(bytearray(5)) == 0
    assert m.tell() == 3


def test_readinto_empty_map(mapped):
    m = mapped(b"")
    buf = bytearray(b"zz")
    assert m.readinto(buf) == 0 and buf == b"zz"


def test_readinto_closed(mapped):
    m = mapped(b"abc")
    m.close()
    with pytest.raises(ValueError):
        m.readinto(bytearray(2))


def test_readinto_from_own_map(mapped):
    # the target may be a view of the very map (overlapping copy)
    m = mapped(b"0123456789", "r+")
    m.seek(2)
    with memoryview(m) as view:
        assert m.readinto(view[4:9]) == 5
    assert m[:] == b"0123234569"
    assert m.tell() == 7


def test_readinto_large(make_file):
    data = os.urandom(1 << 20) + b"end"   # past the GIL-release threshold
    with fastmmap.open(make_file(data)) as m:
        m.seek(5)
        buf = bytearray(len(data))
        assert m.readinto(buf) == len(data) - 5
        assert bytes(buf[:len(data) - 5]) == data[5:]
        assert m.tell() == len(data)


def test_readinto_matches_read(mapped):
    data = os.urandom(1000)
    a = mapped(data)
    b = mapped(data)
    a.seek(123)
    b.seek(123)
    buf = bytearray(400)
    assert a.readinto(buf) == 400
    assert bytes(buf) == b.read(400)
    assert a.tell() == b.tell()
