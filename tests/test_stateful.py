"""Hypothesis stateful differential test: stdlib ``mmap`` vs fastmmap.

Two temporary files start with identical bytes; one is mapped with the
stdlib module, the other with fastmmap, with the same constructor arguments.
Every rule applies the same operation to both maps and compares the results
(or exception type and message); the invariant compares ``m[:]``, ``tell()``,
``len()``, ``closed`` and the bytes of both files.

Bounded for CI (derandomized, FASTMMAP_FUZZ_EXAMPLES examples, default 150,
of up to 30 steps).  For a longer, randomized hunt::

    FASTMMAP_FUZZ_EXAMPLES=5000 python -m pytest tests/test_stateful.py

Version differences are handled as in test_differential.py: where the
running stdlib predates 3.13 behaviour (seek() returning the position, error
message wording), the stdlib outcome is replaced by the 3.13 one.
"""
import mmap as stdlib_mmap
import os
import re
import shutil
import sys
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from conftest import load_fastmmap
from test_differential import FEATURES, MESSAGE_CHANGES, PY, norm_text, type_name

fastmmap = load_fastmmap()

PAGE = stdlib_mmap.PAGESIZE
MAXSIZE = sys.maxsize
SEEK_RETURNS_POSITION = PY >= FEATURES["seek_returns_position"].since

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


def outcome(fn, *args, std=False):
    try:
        value = fn(*args)
    except Exception as exc:
        text = norm_text(str(exc))
        if std:
            for since, old, new in MESSAGE_CHANGES:
                if PY < since:
                    text = re.sub("^%s$" % old, new, text)
        out = ("raise", type_name(type(exc)), text)
        if isinstance(exc, OSError):
            out += (exc.errno,)
        return out
    if isinstance(value, (stdlib_mmap.mmap, fastmmap.mmap)):
        return ("ok", "<mmap>")
    return ("ok", value)


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
        self.exports = []

    # -- comparison helpers --------------------------------------------------
    def both(self, label, op, *args):
        std_map, fast_map = self.maps
        expected = outcome(op, std_map, *args, std=True)
        if (label == "seek" and not SEEK_RETURNS_POSITION
                and expected == ("ok", None)):
            expected = ("ok", std_map.tell())   # 3.13: the new position
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
