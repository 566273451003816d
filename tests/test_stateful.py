"""Hypothesis stateful differential test: stdlib ``mmap`` vs fastmmap.

Two temporary files start with identical bytes; one is mapped with the
stdlib module, the other with fastmmap, with the same constructor arguments.
Every rule applies the same operation to both maps and compares the results
(or exception type and message); the invariant compares ``m[:]``, ``tell()``,
``len()``, ``closed`` and the bytes of both files.

Bounded for CI (derandomized, FASTMMAP_FUZZ_EXAMPLES examples, default 150,
of up to 30 steps).  For a longer, randomized hunt::

    FASTMMAP_FUZZ_EXAMPLES=5000 python -m pytest tests/test_stateful.py

fastmmap follows CPython 3.15.  Random operations cannot be recorded ahead
like test_differential.py's bodies, so on older interpreters the stdlib's
outcome is turned into 3.15's by the small models in ``BEFORE_315`` (one per
operation whose 3.15 behaviour differs: flush's size=-1, find's start past
the end, seek's return value, arguments converted before the validity
check, item assignment's order).  Each model is written against CPython
3.15's observed behaviour; on 3.15 none is used.
"""
import mmap as stdlib_mmap
import os
import shutil
import sys
import tempfile
import weakref

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conftest import load_fastmmap
from cpython315 import IS_315, norm_text, type_name

fastmmap = load_fastmmap()

PAGE = stdlib_mmap.PAGESIZE
MAXSIZE = sys.maxsize
SSIZE = range(-MAXSIZE - 1, MAXSIZE + 1)

_ENV_EXAMPLES = os.environ.get("FASTMMAP_FUZZ_EXAMPLES")
MAX_EXAMPLES = int(_ENV_EXAMPLES or 150)

EXTREMES = [MAXSIZE, -MAXSIZE - 1, MAXSIZE - 1, 1 - MAXSIZE, 2 ** 63, 2 ** 64,
            -2 ** 64, 2 ** 31, -2 ** 31]


def around(lo, hi):
    """Integers in [lo, hi] (biased to the edges) or one of EXTREMES."""
    return st.one_of(st.integers(lo, hi), st.sampled_from([lo, hi, 0, -1]),
                     st.sampled_from(EXTREMES))


def small_ints():
    return around(-3 * PAGE - 3, 3 * PAGE + 3)


def small_alphabet(b):
    """Map bytes onto b'abc\\n\\0' so that searches actually hit."""
    return bytes(b"abc\n\0"[c % 5] for c in b)


needles = st.one_of(st.binary(max_size=4).map(small_alphabet),
                    st.sampled_from([b"", b"a", b"ab", b"\n", b"\x00"]))
data_bytes = st.binary(max_size=24).map(small_alphabet)
contents = st.one_of(
    st.binary(min_size=1, max_size=64).map(small_alphabet),
    st.builds(lambda b, n: (b * (n // max(1, len(b)) + 1))[:n],
              st.binary(min_size=1, max_size=8),
              st.integers(1, 3 * PAGE + 7)),
)


def outcome(fn, *args):
    try:
        value = fn(*args)
    except Exception as exc:
        text = norm_text(str(exc))
        out = ("raise", type_name(type(exc)), text)
        if isinstance(exc, OSError):
            out += (exc.errno,)
        return out
    if isinstance(value, (stdlib_mmap.mmap, fastmmap.mmap)):
        return ("ok", "<mmap>")
    return ("ok", value)


# -- CPython 3.15 from an older stdlib ------------------------------------------

CLOSED = ("raise", "ValueError", "mmap closed or invalid")
SSIZE_OVERFLOW = ("raise", "OverflowError",
                  "Python int too large to convert to C ssize_t")


def first_overflow(values, error=SSIZE_OVERFLOW):
    """3.15 converts every argument before it checks the map: the error of
    the first argument outside Py_ssize_t, else None."""
    return error if any(v not in SSIZE for v in values) else None


def closed_after_conversion(m, run, *values):
    if m.closed:
        return first_overflow(values) or CLOSED
    return run()


def model_seek(m, run, pos, whence=0):
    result = closed_after_conversion(m, run, pos)
    if result == ("ok", None):          # seek() returns the position (3.13)
        return ("ok", m.tell())
    return result


def model_read(m, run, n=None):
    if m.closed:
        if n is not None and n not in SSIZE:
            return ("raise", "OverflowError",
                    "cannot fit 'int' into an index-sized integer")
        return CLOSED
    return run()


def model_write_byte(m, run, value):
    if not m.closed:
        return run()
    if not -2 ** 63 <= value < 2 ** 63:
        return ("raise", "OverflowError", "Python int too large to convert to C long")
    if value < 0:
        return ("raise", "OverflowError", "unsigned byte integer is less than minimum")
    if value > 255:
        return ("raise", "OverflowError", "unsigned byte integer is greater than maximum")
    return CLOSED


def model_flush(m, run, offset=0, size=-1):
    """size -1 (the default) flushes to the end of the map (3.15)."""
    if m.closed or first_overflow((offset, size)):
        return first_overflow((offset, size)) or CLOSED
    if size == -1:
        size = len(m) - offset
    if size < 0 or offset < 0 or len(m) - offset < size:
        return ("raise", "ValueError", "flush values out of range")
    return outcome(lambda: m.flush(offset, size))


def model_find(m, run, needle, start=None, end=None):
    """A start past the end finds nothing, not even b"" (3.15); the default
    start, the position, can be past the end after a resize."""
    if not m.closed:
        start = m.tell() if start is None else start
        if start in SSIZE and (end is None or end in SSIZE) and start > len(m):
            return ("ok", -1)
    return run()


def model_setitem(m, run, index, value):
    """Writability, the index, the value, then validity and bounds (the
    value used to be checked last)."""
    if ACCESS_OF.get(m) == "ACCESS_READ":
        return ("raise", "TypeError", "mmap can't modify a readonly memory map.")
    if index not in SSIZE:
        return ("raise", "IndexError", "cannot fit 'int' into an index-sized integer")
    if value not in SSIZE:
        return ("raise", "TypeError", "cannot fit 'int' into an index-sized integer")
    if not 0 <= value <= 255:
        return ("raise", "ValueError", "mmap item value must be in range(0, 256)")
    if m.closed:
        return CLOSED
    if not -len(m) <= index < len(m):
        return ("raise", "IndexError", "mmap index out of range")
    return run()


def model_setslice(m, run, key, value):
    """Writability and the slice itself before validity."""
    if ACCESS_OF.get(m) == "ACCESS_READ":
        return ("raise", "TypeError", "mmap can't modify a readonly memory map.")
    if key.step == 0:
        return ("raise", "ValueError", "slice step cannot be zero")
    return run()


#: The access mode each stdlib map was made with (model_setitem needs it
#: once the map is closed).
ACCESS_OF = weakref.WeakKeyDictionary()


BEFORE_315 = {
    "seek": model_seek,
    "read": model_read,
    "write_byte": model_write_byte,
    "move": closed_after_conversion,
    "flush": model_flush,
    "find": model_find,
    "rfind": model_find,
    "setitem": model_setitem,
    "setslice": model_setslice,
}


def expected_outcome(label, std_map, op, args):
    """CPython 3.15's outcome of op(std_map, *args)."""
    run = lambda: outcome(op, std_map, *args)
    model = None if IS_315 else BEFORE_315.get(label)
    return model(std_map, run, *args) if model else run()


class MmapParity(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="fastmmap-stateful-")
        self.files = []
        self.maps = None
        self.exports = []
        self.log = []

    def teardown(self):
        for mv in self.exports:
            for v in mv:
                v.release()
        if self.maps:
            for m in self.maps:
                try:
                    m.close()
                except Exception:
                    pass
        for f in self.files:
            f.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(data=contents,
                access=st.sampled_from(["ACCESS_DEFAULT", "ACCESS_WRITE",
                                        "ACCESS_COPY", "ACCESS_READ"]),
                whole=st.booleans(), use_offset=st.booleans(),
                length_frac=st.floats(0.05, 1.0))
    def open_maps(self, data, access, whole, use_offset, length_frac):
        offset = PAGE if use_offset and len(data) > PAGE else 0
        avail = len(data) - offset
        length = 0 if whole else max(1, int(avail * length_frac))
        self.log.append("content=%d bytes, access=%s, length=%d, offset=%d"
                        % (len(data), access, length, offset))
        maps = []
        for i, mod in enumerate((stdlib_mmap, fastmmap)):
            path = os.path.join(self.dir, "f%d" % i)
            with open(path, "wb") as f:
                f.write(data)
            f = open(path, "r+b")
            self.files.append(f)
            maps.append(mod.mmap(f.fileno(), length,
                                 access=getattr(mod, access), offset=offset))
        self.maps = maps
        ACCESS_OF[maps[0]] = access
        self.exports = []

    # -- comparison helpers --------------------------------------------------
    def both(self, label, op, *args):
        std_map, fast_map = self.maps
        expected = expected_outcome(label, std_map, op, args)
        actual = outcome(op, fast_map, *args)
        self.log.append("%s%r -> %r" % (label, args, expected))
        assert actual == expected, (
            "%s%r: stdlib %r, fastmmap %r\nhistory:\n  %s"
            % (label, args, expected, actual, "\n  ".join(self.log)))
        return expected

    @property
    def size_hint(self):
        try:
            return len(self.maps[0])
        except ValueError:
            return 16

    # -- rules -----------------------------------------------------------------
    @rule(n=st.one_of(st.none(), small_ints()))
    def read(self, n):
        self.both("read", lambda m, n: m.read(n), n)

    @rule()
    def read_no_arg(self):
        self.both("read", lambda m: m.read())

    @rule()
    def read_byte(self):
        self.both("read_byte", lambda m: m.read_byte())

    @rule()
    def readline(self):
        self.both("readline", lambda m: m.readline())

    @rule(data=st.one_of(data_bytes, st.binary(min_size=PAGE - 2,
                                               max_size=PAGE + 2)),
          kind=st.sampled_from([bytes, bytearray, memoryview]))
    def write(self, data, kind):
        self.both("write", lambda m, d: m.write(kind(d)), data)

    @rule(value=st.one_of(st.integers(-2, 257), st.sampled_from(EXTREMES)))
    def write_byte(self, value):
        self.both("write_byte", lambda m, v: m.write_byte(v), value)

    @rule(pos=small_ints(), whence=st.sampled_from([0, 1, 2, 3, -1, None]))
    def seek(self, pos, whence):
        if whence is None:
            self.both("seek", lambda m, p: m.seek(p), pos)
        else:
            self.both("seek", lambda m, p, w: m.seek(p, w), pos, whence)

    @rule()
    def tell(self):
        self.both("tell", lambda m: m.tell())

    @rule()
    def size(self):
        self.both("size", lambda m: m.size())

    @rule()
    def length(self):
        self.both("len", len)

    @rule(needle=needles, start=st.one_of(st.none(), small_ints()),
          end=st.one_of(st.none(), small_ints()),
          reverse=st.booleans())
    def find(self, needle, start, end, reverse):
        name = "rfind" if reverse else "find"
        if start is None:
            self.both(name, lambda m, s: getattr(m, name)(s), needle)
        elif end is None:
            self.both(name, lambda m, s, a: getattr(m, name)(s, a),
                      needle, start)
        else:
            self.both(name, lambda m, s, a, b: getattr(m, name)(s, a, b),
                      needle, start, end)

    @rule(dest=small_ints(), src=small_ints(), count=small_ints())
    def move(self, dest, src, count):
        self.both("move", lambda m, d, s, c: m.move(d, s, c), dest, src, count)

    @rule(offset=st.one_of(st.none(), st.sampled_from([0, PAGE, 2 * PAGE, 1]),
                           small_ints()),
          size=st.one_of(st.none(), small_ints()))
    def flush(self, offset, size):
        if offset is None:
            self.both("flush", lambda m: m.flush())
        elif size is None:
            self.both("flush", lambda m, o: m.flush(o), offset)
        else:
            self.both("flush", lambda m, o, s: m.flush(o, s), offset, size)

    @rule(index=small_ints())
    def getitem(self, index):
        self.both("getitem", lambda m, i: m[i], index)

    @rule(start=st.one_of(st.none(), small_ints()),
          stop=st.one_of(st.none(), small_ints()),
          step=st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(
              [MAXSIZE, -MAXSIZE - 1, PAGE, -PAGE])))
    def getslice(self, start, stop, step):
        self.both("getslice", lambda m, k: m[k], slice(start, stop, step))

    @rule(index=small_ints(), value=st.one_of(st.integers(-2, 257),
                                               st.sampled_from(EXTREMES)))
    def setitem(self, index, value):
        self.both("setitem", lambda m, i, v: m.__setitem__(i, v), index, value)

    @rule(start=st.one_of(st.none(), small_ints()),
          stop=st.one_of(st.none(), small_ints()),
          step=st.one_of(st.none(), st.integers(-5, 5)),
          fill=st.integers(0, 255), delta=st.sampled_from([0, 0, 0, 1, -1]))
    def setslice(self, start, stop, step, fill, delta):
        key = slice(start, stop, step)
        try:
            n = len(range(*key.indices(self.size_hint)))
        except ValueError:
            n = 0
        value = bytes([fill]) * max(0, n + delta)
        self.both("setslice", lambda m, k, v: m.__setitem__(k, v), key, value)

    # 0 is left out: CPython truncates the file, mremap() fails and the map
    # stays over an empty file (SIGBUS on the next access).  Sizes are kept
    # small so that m[:] stays cheap; MAXSIZE fails in ftruncate (EFBIG).
    @rule(new_size=st.one_of(st.integers(1, 3 * PAGE + 5),
                             st.sampled_from([-1, -MAXSIZE - 1, MAXSIZE])))
    def resize(self, new_size):
        self.both("resize", lambda m, n: m.resize(n), new_size)

    @rule()
    def export(self):
        res = self.both("memoryview", lambda m: memoryview(m).readonly)
        if res[0] == "ok":
            self.exports.append([memoryview(m) for m in self.maps])

    @precondition(lambda self: self.exports)
    @rule()
    def release(self):
        for mv in self.exports.pop():
            mv.release()

    @rule()
    def iterate(self):
        self.both("list", lambda m: list(m)[:50])

    @rule(needle=st.one_of(needles, st.integers(0, 255)))
    def contains(self, needle):
        self.both("in", lambda m, n: n in m, needle)

    @rule()
    def close(self):
        self.both("close", lambda m: m.close())

    # -- invariant ---------------------------------------------------------
    @invariant()
    def same_state(self):
        if self.maps is None:
            return
        self.both("closed", lambda m: m.closed)
        self.both("m[:]", lambda m: m[:])
        self.both("tell", lambda m: m.tell())
        self.both("len", len)
        std_file, fast_file = (f.name for f in self.files)
        with open(std_file, "rb") as f:
            expected = f.read()
        with open(fast_file, "rb") as f:
            actual = f.read()
        assert actual == expected, (
            "file contents differ (stdlib %d bytes, fastmmap %d bytes)\n"
            "history:\n  %s" % (len(expected), len(actual),
                                "\n  ".join(self.log)))


MmapParity.TestCase.settings = settings(
    max_examples=MAX_EXAMPLES,
    stateful_step_count=30,
    deadline=None,
    derandomize=_ENV_EXAMPLES is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)
TestMmapParity = MmapParity.TestCase
