"""Differential tests: fastmmap against the stdlib ``mmap`` module.

Every scenario below is a *body*: a function ``body(t)`` written once, that
drives ``t.mod`` (either module) through a :class:`Recorder`.  The recorder
turns every call into a trace event -- the result or the exception as
(type, message), followed by ``tell()``/``len()`` of every watched map -- and
at the end appends the final contents of every watched map and of every file
the body created.  ``test_differential[<body>]`` runs the body on the stdlib
module and on fastmmap (each in its own temp directory) and asserts that the
two traces are identical.

fastmmap implements CPython **3.15** semantics on every Python.  On 3.15
the stdlib is run as it is; on older interpreters, whose stdlib differs in
places, the bodies are compared with the traces the real 3.15 stdlib gave,
recorded in cpython315_oracle.json (see cpython315.py, and
record_cpython315.py to record again after changing a body).
``test_record_matches_stdlib`` checks on 3.15 that the record is current.
Bodies must therefore not branch on the interpreter version.

Messages from the interpreter's argument parser (wrong argument counts,
unknown keywords) are tagged ``_argparse=True``; they are compared only while
``STRICT_ARGPARSE_MESSAGES`` is true (their type is always compared).

fastmmap names its type ``fastmmap.mmap`` where the stdlib says ``mmap.mmap``:
all text (reprs, messages) is normalised by replacing that prefix.

Every trace also ends with whether file descriptors 0-2 survived the body (a map
must never close a descriptor it does not own).

Deliberately not exercised, because CPython itself crashes or corrupts
state there: touching a file map after a failed resize(0) (the file is
already truncated: SIGBUS), and seek()/flush()/resize() with an argument
whose __index__ closes the map (not covered by gh-103987).
"""
import array
import copy
import difflib
import gc
import inspect
import mmap as stdlib_mmap
import os
import pickle
import sys
import traceback
import weakref

import pytest

from conftest import load_fastmmap
from cpython315 import IS_315, ORACLE, norm_text, type_name
from support import Idx

PAGE = stdlib_mmap.PAGESIZE
GRAN = stdlib_mmap.ALLOCATIONGRANULARITY
MAXSIZE = sys.maxsize
PY = sys.version_info

#: Compare the exact wording of argument-parser errors (``read() takes at
#: most 1 argument (2 given)``, unknown keyword, ...).  The exception type is
#: compared regardless.  Off by default: fastmmap deliberately keeps Cython's
#: wording for these (README, "Deliberate differences"); FASTMMAP_STRICT_ARGPARSE=1
#: turns the comparison on.
STRICT_ARGPARSE_MESSAGES = os.environ.get("FASTMMAP_STRICT_ARGPARSE", "0") != "0"


# --------------------------------------------------------------------------
# Recorder
# --------------------------------------------------------------------------



class Recorder:
    def __init__(self, mod, workdir):
        self.mod = mod
        self.workdir = workdir
        self.events = []
        self._files = []
        self._open = []
        self._watched = []
        self._last_state = {}
        self._fds = {}
        self._std_fds = std_fds_open()
        os.makedirs(workdir, exist_ok=True)

    # -- environment -------------------------------------------------------
    def file(self, data=b""):
        path = os.path.join(self.workdir, "f%d" % len(self._files))
        with open(path, "wb") as f:
            f.write(bytes(data))
        self._files.append(path)
        return path

    def open(self, data=b"", mode="r+b"):
        f = open(self.file(data), mode)
        self._open.append(f)
        self._fds[f.fileno()] = "fd%d" % len(self._open)
        return f

    def watch(self, m):
        if m is not None:
            self._watched.append(m)
        return m

    # -- normalisation -----------------------------------------------------
    def norm(self, value):
        if isinstance(value, self.mod.mmap):
            if type(value) is self.mod.mmap:
                return "<mmap instance>"
            return "<%s instance>" % type(value).__name__
        if isinstance(value, memoryview):
            return "<memoryview readonly=%r nbytes=%d format=%r>" % (
                value.readonly, value.nbytes, value.format)
        if isinstance(value, (list, tuple)):
            return "%s[%s]" % (type(value).__name__,
                               ", ".join(self.norm(v) for v in value))
        if isinstance(value, str):
            return repr(norm_text(value))
        if value is None or isinstance(value, (bytes, bytearray, int, float)):
            return repr(value)
        return "<%s>" % type_name(type(value))

    def exc_outcome(self, exc, msg=True):
        text = norm_text(str(exc))
        if not msg:
            text = "<message not compared>"
        out = ("raise", type_name(type(exc)), text)
        if isinstance(exc, OSError) and not isinstance(exc, ValueError):
            out += ("errno=%s" % (exc.errno,),)
        return out

    def _label(self, fn, args, kwargs):
        def short(a):
            if isinstance(a, self.mod.mmap):
                return "m"
            if isinstance(a, (bytes, bytearray)) and len(a) > 24:
                return repr(a[:24]) + "..."
            if a is None or isinstance(a, (bytes, bytearray, int, float, str,
                                           Idx, slice)):
                return repr(a)
            return type(a).__name__
        name = getattr(fn, "__name__", "call")
        parts = [short(a) for a in args]
        parts += ["%s=%s" % (k, short(v)) for k, v in kwargs.items()]
        # descriptor numbers may legitimately differ between the two runs
        if isinstance(fn, type) and issubclass(fn, self.mod.mmap):
            if args and args[0] in self._fds:
                parts[0] = self._fds[args[0]]
            if kwargs.get("fileno") in self._fds:
                parts[len(args)] = "fileno=" + self._fds[kwargs["fileno"]]
        return "%s(%s)" % (name, ", ".join(parts))

    def _run(self, fn, args, kwargs, msg):
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            return self.exc_outcome(exc, msg), None
        return ("ok", self.norm(value)), value

    def _snapshot(self):
        """tell()/len() of the watched maps whose state changed since the
        previous event (so the trace stays readable)."""
        changes = []
        for i, m in enumerate(self._watched):
            try:
                if m.closed:
                    state = "closed"
                else:
                    state = "pos=%d len=%d" % (m.tell(), len(m))
            except Exception as exc:
                state = repr(self.exc_outcome(exc))
            if self._last_state.get(i) != state:
                self._last_state[i] = state
                changes.append("m%d: %s" % (i, state))
        return "; ".join(changes)

    # -- recording ---------------------------------------------------------
    def __call__(self, *args, _msg=True, _argparse=False, **kwargs):
        """t([label,] fn, *args, **kwargs): call and record; return the
        result (None if it raised)."""
        if isinstance(args[0], str):
            label, fn, args = args[0], args[1], args[2:]
        else:
            fn, args = args[0], args[1:]
            label = self._label(fn, args, kwargs)
        if _argparse and not STRICT_ARGPARSE_MESSAGES:
            _msg = False
        outcome, value = self._run(fn, args, kwargs, _msg)
        self.events.append((label,) + tuple(outcome) + (self._snapshot(),))
        return value

    def note(self, label, value):
        self.events.append((label, "note", self.norm(value), ""))

    def finish(self):
        for i, m in enumerate(self._watched):
            try:
                state = "closed" if m.closed else short_bytes(m[:])
            except Exception as exc:
                state = repr(self.exc_outcome(exc))
            self.events.append(("final map %d" % i, "state", state, ""))
            try:
                m.close()
            except Exception:
                pass
        self._watched = []
        for i, f in enumerate(self._open):
            # the map must not have closed (or otherwise used up) our fd
            try:
                f.close()
                state = "ok"
            except Exception as exc:
                state = repr(self.exc_outcome(exc))
            self.events.append(("close file %d" % i, "state", state, ""))
        for i, path in enumerate(self._files):
            with open(path, "rb") as f:
                data = f.read()
            self.events.append(("final file %d" % i, "bytes",
                                short_bytes(data), ""))
        # The map must never close a descriptor it does not own (e.g. fd 0
        # from a zero-initialised field when the constructor fails early).
        after = std_fds_open()
        self.events.append(("std fds 0-2 untouched", "state",
                            repr(after == self._std_fds), ""))
        for fd, (was, now) in enumerate(zip(self._std_fds, after)):
            if was and not now:   # repair, so that later tests don't cascade
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)


def short_bytes(data):
    if len(data) <= 128:
        return "%d bytes %r" % (len(data), data)
    return "%d bytes %r...%r" % (len(data), data[:64], data[-64:])


def std_fds_open():
    result = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            result.append(True)
        except OSError:
            result.append(False)
    return result


def run_body(body, mod, workdir):
    """Run one body; return its events."""
    t = Recorder(mod, workdir)
    try:
        body(t)
    except Exception as exc:
        t.events.append(("BODY ABORTED", type_name(type(exc)), str(exc),
                         traceback.format_exc()))
    t.finish()
    gc.collect()
    # As JSON would give them back (the record of CPython 3.15 is JSON):
    # events are tuples of strings.
    return [tuple(e) for e in t.events]


def format_events(events):
    return ["%-45s %s" % (e[0], " | ".join(str(x) for x in e[1:] if x != ""))
            for e in events]


def assert_same_trace(expected, actual, expected_name, actual_name):
    if expected == actual:
        return
    diff = difflib.unified_diff(format_events(expected), format_events(actual),
                                expected_name, actual_name, lineterm="", n=4)
    pytest.fail("traces differ:\n" + "\n".join(diff), pytrace=False)


# --------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------

BODIES = {}


def body():
    def register(fn):
        name = fn.__name__
        assert name.startswith("body_") and name[5:] not in BODIES
        BODIES[name[5:]] = fn
        return fn
    return register


ACCESS_NAMES = ("ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY")


def anon(t, size=16, data=None, **kw):
    m = t.watch(t(t.mod.mmap, -1, size, **kw))
    if m is not None and data is not None:
        m[:len(data)] = data
    return m


@body()
def body_module_attributes(t):
    mod = t.mod
    t("error is OSError", lambda: mod.error is OSError)
    t("mmap is a type", lambda: isinstance(mod.mmap, type))
    t("mmap.__name__", lambda: mod.mmap.__name__)
    for name in ("ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY",
                 "PAGESIZE", "ALLOCATIONGRANULARITY", "MAP_SHARED",
                 "MAP_PRIVATE", "MAP_ANON", "MAP_ANONYMOUS", "PROT_READ",
                 "PROT_WRITE", "PROT_EXEC", "MADV_NORMAL", "MADV_DONTNEED"):
        t(name, getattr, mod, name)
    for meth in ("close", "find", "flush", "madvise", "move", "read",
                 "read_byte", "readline", "resize", "rfind", "seek", "size",
                 "tell", "write", "write_byte", "__enter__", "__exit__"):
        t("has " + meth, hasattr, mod.mmap, meth)


@body()
def body_ctor_anonymous(t):
    mod = t.mod
    for size in (1, 10, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE):
        m = anon(t, size)
        t(m.read, None)
        t(len, m)
    t(mod.mmap, -1, 0)
    t(mod.mmap, -1, -1)
    t(mod.mmap, -1, 10, offset=-1)
    t(mod.mmap, -1, 10, offset=PAGE)
    t(mod.mmap, -1, 10, offset=1)
    anon(t, 10, flags=mod.MAP_PRIVATE)
    anon(t, 10, flags=mod.MAP_SHARED)
    anon(t, 10, flags=mod.MAP_PRIVATE | mod.MAP_ANONYMOUS)
    m = anon(t, 10, prot=mod.PROT_READ)
    t(m.write, b"x")
    t(m.write_byte, 1)
    t(m.__setitem__, 0, 1)
    t(m.__setitem__, slice(0, 1), b"x")
    t(m.move, 0, 1, 1)
    t(m.resize, 5)
    t("mv.readonly", lambda: memoryview(m).readonly)
    m = anon(t, 10, prot=mod.PROT_READ | mod.PROT_WRITE)
    t(m.write, b"abc")
    for access in ACCESS_NAMES:
        m = anon(t, 10, access=getattr(mod, access))
        if m is not None:
            t(m.write, b"ab")
            t(m.__setitem__, 5, 65)
            t(m.__getitem__, slice(None))
            t(m.resize, 5)
            t("mv.readonly", lambda: memoryview(m).readonly)
    t(mod.mmap, -1, 10, access=4)
    t(mod.mmap, -1, 10, access=-1)


@body()
def body_ctor_file_access(t):
    mod = t.mod
    data = bytes(range(256)) * (3 * PAGE // 256)
    for access in ACCESS_NAMES:
        for length in (0, 10, len(data), len(data) + 1):
            f = t.open(data)
            m = t.watch(t(mod.mmap, f.fileno(), length,
                          access=getattr(mod, access)))
            if m is None:
                continue
            t(len, m)
            t(m.size)
            t(m.write, b"WRITE")
            t(m.__setitem__, -1, 0x21)
            t(m.__setitem__, slice(10, 12), b"SL")
            t(m.write_byte, 0x42)
            t(m.flush)
            t(m.__getitem__, slice(0, 16))
            t(m.__getitem__, -1)
            t("mv.readonly", lambda: memoryview(m).readonly)
    # file opened read-only
    for access in ACCESS_NAMES:
        f = t.open(data, "rb")
        m = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        if m is not None:
            t(m.write, b"ro-file")
            t(m.__getitem__, slice(0, 10))
    # the mapping keeps its own descriptor: closing the file is harmless
    f = t.open(data)
    m = t.watch(t(mod.mmap, f.fileno(), 0))
    f.close()
    t(m.size)
    t(m.write, b"after close")
    t(m.flush)


@body()
def body_ctor_file_flags_prot(t):
    mod = t.mod
    data = b"0123456789" * 10
    combos = [
        dict(flags=mod.MAP_SHARED),
        dict(flags=mod.MAP_PRIVATE),
        dict(prot=mod.PROT_READ),
        dict(prot=mod.PROT_READ | mod.PROT_WRITE),
        dict(flags=mod.MAP_PRIVATE, prot=mod.PROT_READ),
        dict(flags=mod.MAP_PRIVATE, prot=mod.PROT_READ | mod.PROT_WRITE),
        dict(flags=mod.MAP_SHARED, prot=mod.PROT_READ),
        dict(flags=mod.MAP_SHARED | mod.MAP_POPULATE) if hasattr(
            stdlib_mmap, "MAP_POPULATE") else dict(flags=mod.MAP_SHARED),
        dict(flags=mod.MAP_SHARED, access=mod.ACCESS_DEFAULT),
        dict(prot=mod.PROT_READ, access=mod.ACCESS_DEFAULT),
    ]
    for mode in ("r+b", "rb"):
        for kw in combos:
            f = t.open(data, mode)
            m = t.watch(t(mod.mmap, f.fileno(), 0, **kw))
            if m is None:
                continue
            t(m.write, b"abc")
            t(m.__setitem__, 5, 0x5A)
            t(m.move, 20, 0, 5)
            t(m.flush)
            t(m.resize, 200)
            t(m.__getitem__, slice(None, 30))
            t("mv.readonly", lambda: memoryview(m).readonly)


@body()
def body_ctor_offsets(t):
    mod = t.mod
    data = bytes(i % 251 for i in range(4 * GRAN))
    for offset, length in [(GRAN, 0), (GRAN, 10), (GRAN, 3 * GRAN),
                           (GRAN, 3 * GRAN + 1), (2 * GRAN, 0), (3 * GRAN, 0),
                           (4 * GRAN, 0), (4 * GRAN, 1), (5 * GRAN, 0),
                           (5 * GRAN, 10), (1, 0), (1, 10), (GRAN - 1, 10),
                           (GRAN + 1, 0), (0, 0), (MAXSIZE, 10),
                           (MAXSIZE - GRAN + 1, 0), (2 ** 63, 10),
                           (2 ** 64, 0), (-GRAN, 0), (-1, 10)]:
        f = t.open(data)
        m = t.watch(t(mod.mmap, f.fileno(), length, offset=offset))
        if m is not None:
            t(len, m)
            t(m.size)
            t(m.__getitem__, slice(0, 4))
            t(m.write, b"OFF")
            t(m.find, bytes([data[offset + 100]]))
    for access in ACCESS_NAMES:
        f = t.open(data)
        m = t.watch(t(mod.mmap, f.fileno(), GRAN, offset=2 * GRAN,
                      access=getattr(mod, access)))
        t(m.__setitem__, slice(0, 3), b"xyz")
        t(m.__getitem__, slice(0, 8))
        t(m.size)


@body()
def body_ctor_argument_errors(t):
    mod = t.mod
    f = t.open(b"x" * 100)
    fd = f.fileno()
    empty = t.open(b"")
    t(mod.mmap, fd, -1)
    t(mod.mmap, fd, 10, offset=-1)
    t(mod.mmap, fd, -MAXSIZE - 1)
    t(mod.mmap, fd, 10, flags=mod.MAP_SHARED, access=mod.ACCESS_READ)
    t(mod.mmap, fd, 10, prot=mod.PROT_READ, access=mod.ACCESS_WRITE)
    t(mod.mmap, fd, 10, flags=mod.MAP_SHARED, prot=mod.PROT_READ,
      access=mod.ACCESS_COPY)
    for access in (4, 5, -1, 100, 2 ** 31, -2 ** 31 - 1):
        t(mod.mmap, fd, 10, access=access)
    t(mod.mmap, empty.fileno(), 0)
    t(mod.mmap, empty.fileno(), 1)
    t(mod.mmap, empty.fileno(), 0, access=mod.ACCESS_READ)
    t(mod.mmap, fd, 101)
    t(mod.mmap, fd, 100)
    t(mod.mmap, fd, 1 << 40)
    t(mod.mmap, -2, 10)
    t(mod.mmap, 2 ** 20, 10)
    t(mod.mmap, 2 ** 31, 10)
    t(mod.mmap, 2 ** 64, 10)
    t(mod.mmap, -1, MAXSIZE)
    t(mod.mmap, -1, 2 ** 63)
    t(mod.mmap, -1, 2 ** 64)
    t(mod.mmap, -1, 10.0)
    t(mod.mmap, -1.0, 10)
    t(mod.mmap, "0", 10)
    t(mod.mmap, -1, "10")
    t(mod.mmap, -1, None)
    t(mod.mmap, -1, 10, offset=0.0)
    t(mod.mmap, -1, 10, flags=1.0)
    t(mod.mmap, -1, 10, prot=1.0)
    t(mod.mmap, -1, 10, access=1.0)
    t(mod.mmap, -1, 10, flags=2 ** 40)
    t(mod.mmap, -1, 10, prot=2 ** 40)
    t(mod.mmap, -1, 10, access=2 ** 40)
    t(mod.mmap, -1, 10, flags=None)
    t(mod.mmap, -1, 10, access=None)
    t.watch(t(mod.mmap, Idx(-1), Idx(10), flags=Idx(mod.MAP_PRIVATE),
              prot=Idx(mod.PROT_READ), offset=Idx(0)))
    t.watch(t("mmap(Idx(fd), Idx(10), access=Idx(ACCESS_READ), offset=Idx(0))",
              mod.mmap, Idx(fd), Idx(10), access=Idx(mod.ACCESS_READ),
              offset=Idx(0)))
    t.watch(t(mod.mmap, -1, True))
    t(mod.mmap, _argparse=True)
    t(mod.mmap, -1, _argparse=True)
    t(mod.mmap, -1, 10, mod.MAP_PRIVATE, mod.PROT_READ, mod.ACCESS_DEFAULT, 0,
      True, _argparse=True)
    t(mod.mmap, -1, 10, foo=1, _argparse=True)
    t(mod.mmap, -1, 10, tagname="x", _argparse=True)
    t(mod.mmap, -1, length=10, fileno=-1, _argparse=True)
    t(mod.mmap, -1, 10, 0, 0, 0, 0, 0, _argparse=True)


@body()
def body_ctor_keywords(t):
    mod = t.mod
    f = t.open(b"k" * (2 * GRAN))
    t.watch(t(mod.mmap, fileno=-1, length=10))
    t.watch(t(mod.mmap, fileno=-1, length=10, flags=mod.MAP_PRIVATE,
              prot=mod.PROT_READ | mod.PROT_WRITE))
    t.watch(t(mod.mmap, fileno=f.fileno(), length=0, access=mod.ACCESS_READ,
              offset=GRAN))
    t.watch(t(mod.mmap, f.fileno(), 10, mod.MAP_SHARED,
              mod.PROT_READ | mod.PROT_WRITE, mod.ACCESS_DEFAULT, 0))
    t.watch(t(mod.mmap, f.fileno(), 10, mod.MAP_SHARED, mod.PROT_READ))
    t.watch(t(mod.mmap, f.fileno(), 10, access=mod.ACCESS_COPY, offset=0))
    t.watch(t(mod.mmap, f.fileno(), length=10, offset=GRAN))
    t(mod.mmap, f.fileno(), 10, mod.MAP_SHARED, mod.PROT_READ, mod.ACCESS_READ)
    t(mod.mmap, f.fileno(), 10, access=mod.ACCESS_READ, flags=mod.MAP_SHARED)
    t(mod.mmap, f.fileno(), 10, fileno=f.fileno(), _argparse=True)
    # 3.13 adds "Did you mean 'fileno'?": the wording is not compared
    t(mod.mmap, f.fileno(), 10, Fileno=3, _msg=False)


@body()
def body_trackfd(t):
    mod = t.mod
    size = 64
    for close_original in (True, False):
        f = t.open(b"a" * size)
        m = t.watch(t(mod.mmap, f.fileno(), size, trackfd=False))
        if close_original:
            f.close()
        t(len, m)
        t(m.size)
        t(m.resize, size * 2)
        t(m.resize, size // 2)
        t(m.resize, size)
        t(getattr, m, "closed")
        t(m.write_byte, ord("X"))
        t(m.__setitem__, 2, ord("Y"))
        t(m.flush)
        t(m.tell)
        t(repr, m)
        t(m.close)
        t(m.size)
    m = t.watch(t(mod.mmap, -1, size, trackfd=False))
    t(m.size)
    t(m.resize, size // 2)
    t(m.__setitem__, 0, ord("a"))
    t(m.__getitem__, 0)
    f = t.open(b"b" * size)
    for value in (True, 1, 2, 0.5, "x", None, 0, ""):
        m = t.watch(t(mod.mmap, f.fileno(), size, trackfd=value))
        t(m.size)
        t(m.resize, size + 1)
    m = t.watch(t(mod.mmap, f.fileno(), size, access=mod.ACCESS_READ,
                  trackfd=False))
    t(m.resize, 10)  # trackfd is checked first
    t(m.size)
    t(mod.mmap, f.fileno(), size, mod.MAP_SHARED, mod.PROT_READ, 0, 0, False,
      _argparse=True)


@body()
def body_close_and_closed(t):
    mod = t.mod
    m = anon(t, 16, b"abc\ndef")
    t(getattr, m, "closed")
    t(m.close)
    t(getattr, m, "closed")
    t(m.close)
    t(m.close)
    t(setattr, m, "closed", False)
    for name, args in [("read", ()), ("read", (1,)), ("read_byte", ()),
                       ("readline", ()), ("write", (b"x",)),
                       ("write_byte", (1,)), ("seek", (0,)), ("tell", ()),
                       ("size", ()), ("find", (b"a",)), ("rfind", (b"a",)),
                       ("flush", ()), ("move", (0, 1, 1)), ("resize", (5,)),
                       ("madvise", (mod.MADV_NORMAL,)), ("__enter__", ()),
                       ("__len__", ()), ("__getitem__", (0,)),
                       ("__getitem__", (slice(0, 2),)),
                       ("__setitem__", (0, 1)),
                       ("__setitem__", (slice(0, 1), b"x")),
                       ("__contains__", (b"a",))]:
        t(name, lambda n=name, a=args: getattr(m, n)(*a))
    t("read(None)", lambda: m.read(None))
    t("list(m)", lambda: list(m))
    t("reversed", lambda: reversed(m))
    t("memoryview", lambda: memoryview(m))
    t("bytes(m)", lambda: bytes(m))
    t("__exit__", lambda: m.__exit__(None, None, None))
    t(repr, m)
    f = t.open(b"file data")
    m = t.watch(t(mod.mmap, f.fileno(), 0))
    t(m.close)
    t(m.size)
    t(m.flush)
    t(repr, m)
    m = t.watch(t(mod.mmap, f.fileno(), 0, access=mod.ACCESS_READ))
    m = None  # drops the map (not `del`: the lambdas above close over m)
    gc.collect()
    t("file still open", f.read)


@body()
def body_context_manager(t):
    mod = t.mod
    m = anon(t, 10)
    t("enter returns self", lambda: m.__enter__() is m)
    t("with", lambda: [x for x in [m] if x.__enter__() is x])
    t(m.__exit__, None, None, None)
    t(getattr, m, "closed")
    t(m.__enter__)
    t(m.__exit__, None, None, None)
    t(m.__exit__, _argparse=True)
    m = anon(t, 10)
    t(m.__exit__, ValueError, ValueError("x"), None)
    t(getattr, m, "closed")
    m = anon(t, 10)
    t(m.__exit__, 1, 2, 3)
    m = anon(t, 10)
    t(m.__exit__, _argparse=True)
    t(m.__exit__, 1, _argparse=True)
    t(m.__exit__, 1, 2, 3, 4, _argparse=True)
    t(getattr, m, "closed")
    m = anon(t, 10)
    t(m.__enter__, 1, _argparse=True)

    def with_block(mm):
        with mm as inner:
            inner.write(b"in")
            raise KeyError("boom")

    m = anon(t, 10)
    t(with_block, m)
    t(getattr, m, "closed")

    def with_closed():
        mm = t.watch(mod.mmap(-1, 10))
        mm.close()
        with mm:
            return "entered"

    t(with_closed)

    def with_ok():
        with mod.mmap(-1, 10) as mm:
            mm.write(b"ok")
            return mm[:2], mm.closed

    t(with_ok)


@body()
def body_find_rfind(t):
    data = b"one two ones"
    n = len(data)
    m = anon(t, n, data)
    for needle in (b"o", b"on", b"two", b"ones", b"s", b"", b"one two ones",
                   b"one two ones!", b"x"):
        t(m.find, needle)
        t(m.rfind, needle)
        for i in range(-n - 2, n + 3):
            t(m.find, needle, i)
            t(m.rfind, needle, i)
            for j in range(-n - 2, n + 3, 2 if needle else 1):
                t(m.find, needle, i, j)
                t(m.rfind, needle, i, j)
    for pos in (0, 1, 4, n - 1, n):
        t(m.seek, pos)
        t(m.find, b"o")
        t(m.rfind, b"o")
        t(m.find, b"")
        t(m.rfind, b"")
    t(m.seek, 0)
    for big in (MAXSIZE, -MAXSIZE - 1, MAXSIZE - 1, -MAXSIZE, 2 ** 32):
        t(m.find, b"o", big)
        t(m.rfind, b"o", big)
        t(m.find, b"o", 0, big)
        t(m.rfind, b"o", 0, big)
        t(m.find, b"o", big, big)
    t(m.find, b"o", 2 ** 63)
    t(m.find, b"o", 0, -2 ** 63 - 1)
    t(m.find, b"o", Idx(4))
    t(m.rfind, b"o", 0, Idx(-1))
    t(m.find, bytearray(b"two"))
    t(m.find, memoryview(b"xtwox")[1:4])
    t(m.rfind, array.array("b", b"on"))
    t(m.find, memoryview(b"t\0w\0o\0")[::2])
    t(m.find, None)
    t(m.rfind, None)
    t(m.find, "one")
    t(m.find, 111)
    t(m.find, b"o", None)
    t(m.find, b"o", 0, None)
    t(m.rfind, b"o", None, None)
    t(m.find, b"o", 1.0)
    t(m.find, b"o", "1")
    t(m.find, _argparse=True)
    t(m.rfind, _argparse=True)
    t(m.find, b"o", 0, 1, 2, _argparse=True)
    t(m.rfind, b"o", 0, 1, 2, _argparse=True)
    t(m.find, sub=b"o", _argparse=True)
    t(m.find, b"o", start=1, _argparse=True)
    # a needle of the map itself
    t(m.find, m)
    m2 = anon(t, 4, b"two ")
    t(m.find, m2)
    # big map, needle at the very end, page boundaries
    big = anon(t, 3 * PAGE)
    big[PAGE - 2:PAGE + 2] = b"EDGE"
    big[-3:] = b"END"
    for needle in (b"EDGE", b"END", b"DG", b"E", b"\0E", b"ENDX"):
        t(big.find, needle)
        t(big.rfind, needle)
        t(big.find, needle, PAGE)
        t(big.rfind, needle, 0, PAGE)
        t(big.find, needle, -4)
        t(big.rfind, needle, -3)


@body()
def body_flush(t):
    mod = t.mod
    m = anon(t, 2 * PAGE)
    t(m.flush)
    t(m.flush, 0)
    t(m.flush, 0, 10)
    t(m.flush, 0, 2 * PAGE)
    t(m.flush, PAGE)
    t(m.flush, PAGE, PAGE)
    t(m.flush, PAGE, 0)
    t(m.flush, 2 * PAGE, 0)
    t(m.flush, 1, 1)
    t(m.flush, 1)
    t(m.flush, PAGE - 1, 2)
    t(m.flush, 0, 2 * PAGE + 1)
    t(m.flush, 2 * PAGE + 1, 0)
    t(m.flush, PAGE, PAGE + 1)
    t(m.flush, -1)
    t(m.flush, 0, -1)
    t(m.flush, -PAGE, PAGE)
    t(m.flush, PAGE, -PAGE)
    t(m.flush, MAXSIZE)
    t(m.flush, 0, MAXSIZE)
    t(m.flush, MAXSIZE, MAXSIZE)
    t(m.flush, PAGE, MAXSIZE)
    t(m.flush, -MAXSIZE - 1, 0)
    t(m.flush, 2 ** 64)
    t(m.flush, 0.0)
    t(m.flush, None)
    t(m.flush, 0, None)
    t(m.flush, Idx(0), Idx(PAGE))
    t(m.flush, 0, 1, 2, _argparse=True)
    t(m.flush, offset=0, _argparse=True)
    data = b"f" * (2 * PAGE)
    for access in ACCESS_NAMES:
        f = t.open(data)
        m = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        if access != "ACCESS_READ":
            t(m.__setitem__, slice(0, 5), b"FLUSH")
            t(m.__setitem__, slice(PAGE, PAGE + 5), b"PAGE2")
        t(m.flush)
        t(m.flush, 0, 5)
        t(m.flush, PAGE, PAGE)
        t(m.flush, 1, 1)
        t(m.flush, 0, 2 * PAGE + 1)
        t(m.flush, -1, 1)
        t("file bytes", read_file, f.name, 8)


@body()
def body_madvise(t):
    mod = t.mod
    size = 2 * PAGE
    m = anon(t, size)
    advice = mod.MADV_NORMAL
    t(m.madvise, advice, size)
    t(m.madvise, advice, size + 1)
    t(m.madvise, advice, -1)
    t(m.madvise, advice, -size)
    t(m.madvise, advice, 0, -1)
    t(m.madvise, advice, PAGE, -1)
    t(m.madvise, advice, PAGE, MAXSIZE)
    t(m.madvise, advice, MAXSIZE)
    t(m.madvise, advice, MAXSIZE, MAXSIZE)
    t(m.madvise, advice, 0, MAXSIZE)
    t(m.madvise, advice, 1, MAXSIZE)
    t(m.madvise, advice, 0, 2 ** 63)
    t(m.madvise, advice)
    t(m.madvise, advice, PAGE)
    t(m.madvise, advice, PAGE, size)
    t(m.madvise, advice, 0, 2)
    t(m.madvise, advice, 0, size)
    t(m.madvise, advice, 0, size + 1)
    t(m.madvise, advice, 0, 0)
    t(m.madvise, advice, size - 1, 1)
    t(m.madvise, advice, 1, 1)
    t(m.madvise, advice, Idx(0), Idx(PAGE))
    for name in ("MADV_NORMAL", "MADV_RANDOM", "MADV_SEQUENTIAL",
                 "MADV_WILLNEED", "MADV_DONTNEED"):
        t(m.madvise, getattr(mod, name), 0, PAGE)
    m[:4] = b"keep"
    t(m.madvise, mod.MADV_DONTNEED)
    t(m.__getitem__, slice(0, 4))
    t(m.madvise, 12345)
    t(m.madvise, -1)
    t(m.madvise, 2 ** 40)
    t(m.madvise, None)
    t(m.madvise, 1.0)
    t(m.madvise, _argparse=True)
    t(m.madvise, advice, 0, 1, 2, _argparse=True)
    f = t.open(b"m" * size)
    fm = t.watch(t(mod.mmap, f.fileno(), 0, access=mod.ACCESS_READ))
    t(fm.madvise, mod.MADV_WILLNEED)
    t(fm.madvise, mod.MADV_NORMAL, PAGE, PAGE)
    t(fm.madvise, mod.MADV_NORMAL, size)


@body()
def body_move(t):
    mod = t.mod
    data = b"0123456789"
    n = len(data)
    m = anon(t, n, data)
    for dest in (-1, 0, 1, 5, 9, 10, 11):
        for src in (-1, 0, 1, 5, 9, 10, 11):
            for count in (-1, 0, 1, 2, 5, 9, 10, 11):
                t(m.move, dest, src, count)
                m[:] = data
    t(m.seek, 3)
    t(m.move, 2, 0, 8)
    t(m.move, 0, 2, 8)
    for args in [(MAXSIZE, 0, 1), (0, MAXSIZE, 1), (0, 0, MAXSIZE),
                 (MAXSIZE, MAXSIZE, MAXSIZE), (1, 0, MAXSIZE),
                 (MAXSIZE - 5, 0, 10), (0, MAXSIZE - 5, 10),
                 (-MAXSIZE - 1, 0, 0), (0, -MAXSIZE - 1, 0),
                 (0, 0, -MAXSIZE - 1), (5, 0, MAXSIZE - 4),
                 (2 ** 63, 0, 0), (0, 2 ** 64, 0), (0, 0, 2 ** 63),
                 (n, n, 0), (n, 0, 0), (0, n, 0), (n + 1, 0, 0)]:
        t(m.move, *args)
    t(m.move, 0.0, 1, 1)
    t(m.move, None, 1, 1)
    t(m.move, Idx(0), Idx(5), Idx(5))
    t(m.move, 0, 1, _argparse=True)
    t(m.move, 0, 1, 1, 1, _argparse=True)
    t(m.move, dest=0, src=1, count=1, _argparse=True)
    f = t.open(data * 2)
    for access in ACCESS_NAMES:
        fm = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        t(fm.move, 0, 10, 5)
        t(fm.move, 20, 0, 1)


@body()
def body_read(t):
    mod = t.mod
    data = b"hello\nworld\n\nlast"
    m = anon(t, len(data), data)
    t(m.read)
    t(m.seek, 0)
    for arg in (0, 1, 3, None, -1, 100, -100, MAXSIZE, -MAXSIZE - 1, 0):
        t(m.read, arg)
        t(m.seek, 2)
    t(m.read, 2 ** 64)
    t(m.read, -2 ** 64)
    t(m.read, 1.5)
    t(m.read, 1.0)
    t(m.read, "3")
    t(m.read, b"3")
    t(m.read, [])
    t(m.read, True)
    t(m.read, Idx(2))
    t(m.read, Idx(-1))
    t(m.read, 1, 2, _argparse=True)
    t(m.read, n=1, _argparse=True)
    t(m.seek, 0, 2)
    t(m.read)
    t(m.read, 1)
    t(m.read, None)
    t(m.read, -1)
    f = t.open(b"r" * (3 * PAGE))
    fm = t.watch(t(mod.mmap, f.fileno(), 0, access=mod.ACCESS_READ))
    t(fm.seek, PAGE - 3)
    t(fm.read, 6)
    t("len(read())", lambda: len(fm.read()))


@body()
def body_readline_line_lengths(t):
    # lines around fastmmap's 256-byte look-ahead, at the end of the map
    # with and without a final newline, and from a file map
    lengths = [0, 1, 127, 254, 255, 256, 257, 258, 511, 700, 3]
    data = b"".join(b"x" * n + b"\n" for n in lengths) + b"y" * 300
    for m in (anon(t, len(data), data),
              anon(t, len(data) - 300, data[:-300])):
        for _ in range(len(lengths) + 3):
            t("len(readline())", lambda: len(m.readline()))
        t(m.tell)
    m = anon(t, 256, b"z" * 256)
    t(m.readline)
    t(m.readline)


@body()
def body_read_byte_readline(t):
    mod = t.mod
    data = b"ab\ncd\n\n\xffend"
    m = anon(t, len(data), data)
    for _ in range(len(data) + 2):
        t(m.read_byte)
    t(m.seek, 0)
    for _ in range(7):
        t(m.readline)
    t(m.seek, 3)
    t(m.readline)
    t(m.read_byte, 1, _argparse=True)
    t(m.readline, 1, _argparse=True)
    t(m.readline, -1, _argparse=True)
    m = anon(t, 4, b"\n\n\n\n")
    for _ in range(6):
        t(m.readline)
    m = anon(t, 5, b"nonl!")
    t(m.readline)
    t(m.readline)
    f = t.open(b"line1\n" + b"x" * (2 * PAGE) + b"\nlast")
    fm = t.watch(t(mod.mmap, f.fileno(), 0, access=mod.ACCESS_COPY))
    t("len(readline())", lambda: len(fm.readline()))
    t("len(readline())", lambda: len(fm.readline()))
    t("readline()", fm.readline)
    t("readline()", fm.readline)


@body()
def body_resize_anonymous(t):
    """Anonymous maps: shrinking, and growing where it is allowed."""
    m = anon(t, 8192, b"resize-me")
    t(m.read, 5000)
    t(m.resize, 4096)
    t(m.read, 14)
    t(m.read_byte)
    t(m.write_byte, 42)
    t(m.write, b"abc")
    t(m.readline)
    t(m.seek, 0, 1)
    t(m.seek, 0)
    t(m.__getitem__, slice(0, 12))
    t(m.resize, 8192 - 5)           # grow back, within the original size
    t(m.__getitem__, slice(0, 12))
    t(m.__getitem__, -1)
    t(m.resize, 1)
    t(m.resize, 20)                 # still within the first page
    t(m.__getitem__, slice(None))
    t(m.resize, 0)
    t(m.resize, 1)
    # A *shared* anonymous map never grows (gh-138204: Linux would map pages
    # that SIGBUS when touched), not even back to an earlier size; the same
    # size and shrinking are fine.  Private ones grow.
    for kw in (dict(flags=t.mod.MAP_PRIVATE), dict(access=t.mod.ACCESS_WRITE),
               dict(prot=t.mod.PROT_READ), {}):
        m = anon(t, 100, **kw)
        t(m.resize, 100)
        t(m.resize, 50)
        t(m.resize, 200)
        t(m.resize, 51)
        t(m.resize, MAXSIZE)
        t(m.__getitem__, slice(0, 8))
        t(len, m)
    m = anon(t, 8192, trackfd=False)
    t(m.resize, 9000)
    m = anon(t, 8192)
    view = t(memoryview, m)
    t(m.resize, 9000)               # exports are checked first
    t(m.resize, -1)
    view.release()


@body()
def body_resize(t):
    mod = t.mod
    f = t.open(b"r" * 8192)
    m = t.watch(t(mod.mmap, f.fileno(), 8192))
    t(m.write, b"resize-me")
    t(m.read, 5000)
    t(m.resize, 4096)
    t(m.read, 14)
    t(m.read_byte)
    t(m.write_byte, 42)
    t(m.write, b"abc")
    t(m.readline)
    t(m.seek, 0, 1)
    t(m.seek, 0)
    t(m.resize, 3 * PAGE + 5)
    t(m.__getitem__, slice(0, 12))
    t(m.__getitem__, -1)
    t(m.resize, 1)
    # resize(0) of a file map: CPython truncates the file, then mremap fails
    # (EINVAL) and the old map stays over an empty file: touching it would
    # SIGBUS, so grow it straight back.
    t(m.resize, 0)
    t(m.resize, 10)
    t(m.resize, -1)
    t(m.resize, -MAXSIZE - 1)
    t(m.resize, 2 ** 64)
    t(m.resize, 1.0)
    t(m.resize, None)
    t(m.resize, Idx(10))
    t(m.resize, _argparse=True)
    t(m.resize, 1, 2, _argparse=True)
    t(m.resize, newsize=3, _argparse=True)
    # exports pin the size
    mv = t("memoryview", memoryview, m)
    t(m.resize, 20)
    t(m.close)
    t("release", mv.release)
    t(m.resize, 20)
    mv1 = memoryview(m)
    mv2 = memoryview(m)
    t(m.resize, 30)
    mv1.release()
    t(m.resize, 30)
    mv2.release()
    t(m.resize, 30)
    mv = memoryview(m)[2:4]
    t(m.resize, 31)
    del mv
    gc.collect()
    t(m.resize, 31)
    # file maps: the file follows the map
    data = b"0123456789" * 100
    for access in ACCESS_NAMES:
        f = t.open(data)
        fm = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        t(fm.resize, 500)
        t(fm.size)
        t(fm.resize, 2 * PAGE)
        t(fm.size)
        t(fm.__getitem__, slice(495, 505))
        t(fm.__setitem__, -1, 0x7A)
        t(fm.flush)
    f = t.open(b"z" * (3 * GRAN))
    fm = t.watch(t(mod.mmap, f.fileno(), GRAN, offset=GRAN))
    t(fm.resize, 10)
    t(fm.size)
    t(fm.resize, 2 * GRAN)
    t(fm.size)
    t(fm.__getitem__, slice(-3, None))
    f = t.open(b"y" * 100)
    fm = t.watch(t(mod.mmap, f.fileno(), 10, prot=mod.PROT_READ))
    t(fm.resize, 20)
    t(fm.size)
    f = t.open(b"x" * 100)
    fm = t.watch(t(mod.mmap, f.fileno(), 10, flags=mod.MAP_PRIVATE))
    t(fm.resize, 20)
    t(fm.size)


@body()
def body_seek_tell(t):
    mod = t.mod
    m = anon(t, 10)
    s = m.seek  # t(m.seek, ...) is tagged "seek_returns_position" itself

    t(m.tell)
    for pos in (0, 5, 10, 11, -1, MAXSIZE, -MAXSIZE - 1):
        t(s, pos)
        t(s, pos, 0)
    t(s, 3)
    for off in (0, 2, 7, 8, -3, -4, MAXSIZE, -MAXSIZE - 1, 1 - MAXSIZE):
        t(s, off, 1)
        t(s, 3)
    for off in (0, -1, -10, -11, 1, MAXSIZE, -MAXSIZE - 1):
        t(s, off, 2)
    for whence in (3, -1, 2 ** 31, 100):
        t(s, 0, whence)
    t(s, 0, 2 ** 31 + 1)
    t(s, 0, 2 ** 64)
    t(s, 2 ** 64)
    t(s, -2 ** 64)
    t(s, 1.0)
    t(s, 1, 1.0)
    t(s, None)
    t(s, "1")
    t(s, Idx(4), Idx(0))
    t(s, Idx(-2), Idx(2))
    t(m.seek, _argparse=True)
    t(m.seek, 0, 0, 0, _argparse=True)
    t(m.seek, pos=0, _argparse=True)
    t(m.tell, 1, _argparse=True)
    t(s, 4)
    t(m.read, 2)
    t(m.tell)
    f = t.open(b"0123456789")
    m = t.watch(t(mod.mmap, f.fileno(), 0))
    t(m.seek, 0, 2)
    t(m.resize, 20)
    t(m.seek, 0, 2)
    t(m.tell)
    t(m.seek, -25, 2)
    t(m.seek, -20, 2)


@body()
def body_seekable(t):
    mod = t.mod
    m = anon(t, 10)
    t("seekable()", lambda: m.seekable())
    f = t.open(b"x" * 10)
    fm = t.watch(t(mod.mmap, f.fileno(), 0, access=mod.ACCESS_READ))
    t("seekable()", lambda: fm.seekable())
    m.close()
    t("seekable() closed", lambda: m.seekable())


@body()
def body_size_len(t):
    mod = t.mod
    m = anon(t, 10)
    t(m.size)
    t(len, m)
    t(m.__len__)
    t(m.size, 1, _argparse=True)
    f = t.open(b"s" * (3 * GRAN))
    fm = t.watch(t(mod.mmap, f.fileno(), 10, offset=GRAN))
    t(fm.size)
    t(len, fm)
    f.write(b"grow" * 10000)
    f.flush()
    t(fm.size)
    t(len, fm)
    f.truncate(GRAN + 10)
    t(fm.size)
    t(fm.__getitem__, slice(0, 4))


@body()
def body_write(t):
    mod = t.mod
    m = anon(t, 16)
    t(m.write, b"")
    t(m.write, b"x")
    t(m.write, b"yz")
    t(m.write, bytearray(b"ba"))
    t(m.write, memoryview(b"MVmv")[1:3])
    t(m.write, memoryview(b"a-b-c")[::2])
    t(m.write, array.array("H", [0x4142]))
    t(m.write, b"toolong-toolong-toolong")
    t(m.write, b"0123456789")
    t(m.write, b"")
    t(m.write, b"!")
    t(m.seek, 14)
    t(m.write, b"xyz")
    t(m.write, b"xy")
    t(m.write, b"")
    t(m.write, b"a")
    t(m.seek, 0)
    t(m.write, "str")
    t(m.write, 5)
    t(m.write, None)
    t(m.write, [1, 2])
    t(m.write, _argparse=True)
    t(m.write, b"a", b"b", _argparse=True)
    t(m.write, data=b"a", _argparse=True)
    t(m.write, m)
    other = anon(t, 4, b"OTHR")
    t(m.write, other)
    f = t.open(b"." * 32)
    for access in ACCESS_NAMES:
        fm = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        t(fm.write, access.encode()[:8])
        t(fm.tell)
    f2 = t.open(b"." * 32, "rb")
    fm = t.watch(t(mod.mmap, f2.fileno(), 0, prot=mod.PROT_READ))
    t(fm.write, b"foo")
    t(fm.write, "foo")


@body()
def body_write_byte(t):
    mod = t.mod
    m = anon(t, 4)
    for value in (0, 255, 256, -1, 1000, -129, 2 ** 63, -2 ** 63 - 1, 2 ** 64,
                  ord("a"), True):
        t(m.write_byte, value)
    t(m.write_byte, b"a")
    t(m.write_byte, "a")
    t(m.write_byte, 1.0)
    t(m.write_byte, None)
    t(m.write_byte, Idx(0x41))
    t(m.write_byte, Idx(300))
    t(m.write_byte, _argparse=True)
    t(m.write_byte, 1, 2, _argparse=True)
    t(m.write_byte, 1)
    t(m.write_byte, 2)
    for value in (129, 200, 255):
        mm = anon(t, 1)
        t(mm.write_byte, value)
        t(mm.__getitem__, 0)
    f = t.open(b"." * 8)
    for access in ACCESS_NAMES:
        fm = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        t(fm.write_byte, 0x30 + len(t._watched))
        t(fm.write_byte, 256)


@body()
def body_getitem(t):
    data = bytes(range(10, 30))
    n = len(data)
    m = anon(t, n, data)
    for i in (0, 1, n - 1, n, n + 1, -1, -n, -n - 1, MAXSIZE, -MAXSIZE - 1):
        t(m.__getitem__, i)
    t(m.__getitem__, 2 ** 64)
    t(m.__getitem__, -2 ** 64)
    t(m.__getitem__, Idx(3))
    t(m.__getitem__, Idx(-3))
    t(m.__getitem__, True)
    for bad in (1.0, "1", None, (1, 2), [1], b"a"):
        t(m.__getitem__, bad)
    starts = (None, 0, 3, -3, n, n + 5, -n - 5, MAXSIZE, -MAXSIZE - 1)
    steps = (None, 1, 2, 3, -1, -2, -3, n, -n, n + 1, MAXSIZE, -MAXSIZE,
             -MAXSIZE - 1, 2 ** 100, -2 ** 100)
    for start in starts:
        for stop in starts:
            for step in steps:
                t(m.__getitem__, slice(start, stop, step))
    t(m.__getitem__, slice(0, 5, 0))
    t(m.__getitem__, slice(2 ** 100, -2 ** 100, -1))
    t(m.__getitem__, slice(Idx(1), Idx(5), Idx(2)))
    t(m.__getitem__, slice(1.0, 2))
    t(m.__getitem__, slice("a", 2))
    t(m.__getitem__, slice(0, 2, 1.0))
    t("m[:]", lambda: m[:])
    t("m[::-1]", lambda: m[::-1])
    t("m[-3:]", lambda: m[-3:])


@body()
def body_setitem(t):
    mod = t.mod
    data = bytes(range(65, 85))
    n = len(data)
    m = anon(t, n, data)
    for i in (0, n - 1, n, -1, -n, -n - 1, MAXSIZE, -MAXSIZE - 1, 2 ** 64):
        t(m.__setitem__, i, 0x61)
    for value in (0, 255, 256, -1, 2 ** 64, b"a", "a", 1.0, None, True,
                  Idx(0x62), bytearray(b"a")):
        t(m.__setitem__, 1, value)
    for bad in (1.0, "1", None, (1,)):
        t(m.__setitem__, bad, 0)
    cases = [
        (slice(None), data),
        (slice(None), data[:-1]),
        (slice(None), data + b"!"),
        (slice(0, 3), b"xyz"),
        (slice(0, 3), b"xy"),
        (slice(0, 3), b"wxyz"),
        (slice(3, 0), b""),
        (slice(3, 0), b"a"),
        (slice(-3, None), b"END"),
        (slice(n, n + 10), b""),
        (slice(n, n + 10), b"a"),
        (slice(-MAXSIZE - 1, MAXSIZE), data),
        (slice(None, None, 2), b"0123456789"),
        (slice(None, None, 2), b"012345678"),
        (slice(None, None, -1), data[::-1]),
        (slice(None, None, -3), b"abcdefg"),
        (slice(1, None, 3), b"!!!!!!!"),
        (slice(None, None, MAXSIZE), b"S"),
        (slice(None, None, -MAXSIZE - 1), b"T"),
        (slice(None, None, 2 ** 100), b"U"),
        (slice(None, None, -2 ** 100), b"V"),
        (slice(None, None, 2 ** 100), b"UU"),
        (slice(5, 1, -1), b"rrrr"),
        (slice(5, 1, -1), b"rrr"),
        (slice(0, 5, 0), b"zero"),
        (slice(0, 2), bytearray(b"ba")),
        (slice(0, 2), memoryview(b"mv")),
        (slice(0, 4, 2), memoryview(b"m-v-")[::2]),
        (slice(0, 2), array.array("b", [1, 2])),
        (slice(0, 2), "st"),
        (slice(0, 2), 12),
        (slice(0, 2), None),
        (slice(0, 2), [1, 2]),
        (slice(Idx(0), Idx(2)), b"ix"),
        (slice(0, 2.0), b"fl"),
    ]
    for key, value in cases:
        t(m.__setitem__, key, value)
    t(m.__setitem__, slice(0, n), m)
    other = anon(t, n, b"O" * n)
    t(m.__setitem__, slice(None), other)
    t("m[:]", lambda: m[:])
    t(m.__delitem__, 0)
    t(m.__delitem__, slice(0, 2))
    t("del m[0]", lambda: m.__delitem__(0))

    def del_stmt():
        del m[1]

    def del_slice_stmt():
        del m[1:3]

    t(del_stmt)
    t(del_slice_stmt)
    f = t.open(b"." * 8)
    for access in ACCESS_NAMES:
        fm = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        t(fm.__setitem__, 0, 0x41)
        t(fm.__setitem__, slice(1, 3), b"BC")
        t(fm.__setitem__, slice(4, 8, 2), b"DE")
        t(fm.__setitem__, 100, 0x41)
        t(fm.__setitem__, slice(1, 3), b"BCD")


@body()
def body_iteration_and_contains(t):
    data = b"ab\x00a\xff"
    m = anon(t, len(data), data)
    t("list(m)", lambda: list(m))
    t("list(reversed(m))", lambda: list(reversed(m)))
    t("type(next(iter(m)))", lambda: type(next(iter(m))).__name__)
    t("type(iter(m)) is mmap", lambda: type(iter(m)) is type(m))
    t("type(iter(m)).__name__", lambda: type(iter(m)).__name__)
    t("[x for x in m]", lambda: [x for x in m])  # noqa: C416 (the comprehension is tested)
    t("enumerate", lambda: list(enumerate(m))[-1])
    for needle in (b"a", b"ab", b"\x00", b"\xff", b"", b"z", b"ab\x00a\xff",
                   97, 0, 255, 1000, -1, bytearray(b"a"), memoryview(b"b"),
                   "a", None):
        t("contains %s" % t._label(repr, (needle,), {}), lambda n=needle: n in m)
    t(hasattr, m, "__contains__")
    m.seek(3)
    t("list after seek", lambda: list(m))
    t(m.tell)
    it = iter(m)
    t("next(it)", next, it)
    m[1:2] = b"Z"
    t("rest", lambda: list(it))
    t(m.resize, 2)
    t("iter after shrink", lambda: list(m))
    m.close()
    t("iter closed", lambda: list(m))
    t("contains closed", lambda: b"a" in m)
    t("reversed closed", lambda: list(reversed(m)))
    empty_src = anon(t, 1)
    t(empty_src.resize, 1)
    t("list(1-byte)", lambda: list(empty_src))


@body()
def body_operators(t):
    m = anon(t, 16, b"operators")
    other = anon(t, 4)
    t("m + m", lambda: m + m)
    t("m + other", lambda: m + other)
    t("m + b''", lambda: m + b"x")
    t("b'' + m", lambda: b"x" + m)
    t("m * 2", lambda: m * 2)
    t("2 * m", lambda: 2 * m)
    t("m * 0", lambda: m * 0)
    t("m * 1.5", lambda: m * 1.5)

    def iadd():
        mm = m
        mm += b"x"
        return mm

    def imul():
        mm = m
        mm *= 2
        return mm

    t(iadd)
    t(imul)
    t("m == m", lambda: m == m)
    t("m == other", lambda: m == other)
    t("m != m", lambda: m != m)
    t("m == bytes", lambda: m == m[:])
    t("m < m", lambda: m < m)
    t("m > other", lambda: m > other)
    t("bool(m)", lambda: bool(m))
    t("hashable", lambda: hash(m) == hash(m))
    t("hash(m) == id-based", lambda: hash(m) == object.__hash__(m))
    t("-m", lambda: -m)
    t("m[0] += 1", lambda: m.__setitem__(0, m[0] + 1))
    t("bytes(m)", lambda: bytes(m))
    t("bytearray(m)", lambda: bytearray(m))
    t("b''.join", lambda: b"-".join([m, other]))
    t("int(m)", lambda: int(m))
    t("str(m) startswith", lambda: str(m) == repr(m))
    t("format", lambda: format(m, "") == str(m))
    t("format spec", lambda: format(m, "x"))
    other.close()
    t("bool(closed)", lambda: bool(other))
    t("len(closed)", lambda: len(other))


@body()
def body_pickle_copy(t):
    mod = t.mod
    m = anon(t, 10)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        t("pickle proto %d" % proto, pickle.dumps, m, proto, _msg=False)
        t("pickle msg names type", lambda p=proto: _msg_of(pickle.dumps, m, p))
    t("copy.copy", copy.copy, m, _msg=False)
    t("copy.deepcopy", copy.deepcopy, m, _msg=False)
    t("copy msg names type", lambda: _msg_of(copy.copy, m))
    t("__reduce__", lambda: m.__reduce__(), _msg=False)
    t("__reduce_ex__", lambda: m.__reduce_ex__(2), _msg=False)
    t("__reduce_ex__ 0", lambda: m.__reduce_ex__(0), _msg=False)
    m.close()
    t("pickle closed", pickle.dumps, m, _msg=False)

    class Sub(mod.mmap):
        pass

    s = t.watch(t(Sub, -1, 10))
    t("pickle subclass", pickle.dumps, s, _msg=False)


def read_file(path, n=-1):
    with open(path, "rb") as f:
        return f.read(n)


def readinto_from_file(path, buf):
    with open(path, "rb") as f:
        return f.readinto(buf)


def _msg_of(fn, *args):
    try:
        fn(*args)
    except TypeError as exc:
        return "mmap" in str(exc)
    return "no TypeError"


@body()
def body_weakref(t):
    mod = t.mod
    m = mod.mmap(-1, 16)
    wr = weakref.ref(m)
    t("wr() is m", lambda: wr() is m)
    proxy = weakref.proxy(m)
    t("proxy len", lambda: len(proxy))
    m = None  # drops the map (not `del`: the lambdas close over m)
    gc.collect()
    t("wr() after del", lambda: wr())
    t("proxy after del", lambda: len(proxy))
    m = mod.mmap(-1, 16)
    called = []
    wr = weakref.ref(m, lambda r: called.append(1))
    m.close()
    t("wr() after close", lambda: wr() is m)
    m = None
    gc.collect()
    t("callback", lambda: called)
    t("__weakref__", lambda: "__weakref__" in dir(mod.mmap))


@body()
def body_subclass(t):
    mod = t.mod

    class anon_mmap(mod.mmap):
        def __new__(klass, *args, **kwargs):
            return mod.mmap.__new__(klass, -1, *args, **kwargs)

    a = t.watch(t(anon_mmap, PAGE))
    t(isinstance, a, mod.mmap)
    t(len, a)
    t(a.write, b"sub")
    t(a.__getitem__, slice(0, 3))
    t(repr, a)
    t(anon_mmap, PAGE, access=mod.ACCESS_READ)
    t(anon_mmap, -1)

    class Rich(mod.mmap):
        extra = "class attr"

        def __init__(self, *args, **kwargs):
            self.inited = (args, sorted(kwargs))

        def read(self, n=None):
            return b"<" + super().read(n) + b">"

        def __getitem__(self, key):
            return ("item", super().__getitem__(key))

    r = t.watch(t(Rich, -1, 10, access=mod.ACCESS_WRITE))
    t(getattr, r, "inited")
    t(getattr, r, "extra")
    t(setattr, r, "anything", 1)
    t(getattr, r, "anything")
    t(r.write, b"abc")
    t(r.seek, 0)
    t(r.read, 2)
    t(r.__getitem__, 1)
    t(r.__getitem__, slice(0, 2))
    t("r.closed", lambda: r.closed)
    t(r.close)
    t(repr, r)
    t("mmap attr dict", lambda: hasattr(mod.mmap(-1, 1), "__dict__"))
    t(setattr, mod.mmap(-1, 1), "anything", 1)

    class Slots(mod.mmap):
        __slots__ = ("x",)

    s = t.watch(t(Slots, -1, 3))
    t(setattr, s, "x", 5)
    t(getattr, s, "x")
    t(setattr, s, "y", 5)
    t("__new__ only", lambda: len(mod.mmap.__new__(mod.mmap, -1, 5)))
    t(mod.mmap.__new__, int, -1, 5)
    t(mod.mmap.__new__)
    t("type(sub(...))", lambda: type(anon_mmap(3)).__name__)


@body()
def body_buffer_protocol(t):
    mod = t.mod
    data = b"buffer-data!"
    f = t.open(data)
    for access in ACCESS_NAMES:
        m = t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, access)))
        mv = t(memoryview, m)
        t("readonly", lambda: mv.readonly)
        t("nbytes/format/itemsize/ndim/shape/strides/contiguous",
          lambda: (mv.nbytes, mv.format, mv.itemsize, mv.ndim, mv.shape,
                   mv.strides, mv.c_contiguous, mv.contiguous))
        t("obj is m", lambda: mv.obj is m)
        t("tobytes", mv.tobytes)
        t("mv[0] = 88", lambda: mv.__setitem__(0, 88))
        t("m[0]", lambda: m[0])
        t(m.close)
        t(m.resize, 100)
        t("closed", lambda: m.closed)
        t("m[:3] still usable", lambda: m[:3])
        t("release", mv.release)
        t(m.close)
        t("closed", lambda: m.closed)
    m = anon(t, 8, b"abcdefgh")
    mv = memoryview(m)
    sub = mv[2:6]
    t("sub", sub.tobytes)
    mv.release()
    t(m.close)
    sub.release()
    t(m.close)
    m = anon(t, 8, b"abcdefgh")
    ba = bytearray(4)
    t("readinto", lambda: __import__("io").BytesIO(bytes(m)).readinto(ba))
    t("memoryview cast", lambda: memoryview(m).cast("I").tolist())
    t("struct", lambda: __import__("struct").unpack_from("<HH", m, 2))
    t("struct pack_into", lambda: __import__("struct").pack_into("<H", m, 0,
                                                                  0x4242))
    t("bytes(m)", lambda: bytes(m))
    t("gc'd export", lambda: bytes(memoryview(m)[1:3]))
    t(m.close)
    t("memoryview closed", lambda: memoryview(m))
    with open(f.name, "r+b") as fh:
        m = t.watch(t("mmap(fh, 0)", mod.mmap, fh.fileno(), 0))
        t("file.write(m)", lambda: t.open(b"").write(m))
        t("readinto map", readinto_from_file, f.name, m)


@body()
def body_repr(t):
    mod = t.mod
    m = anon(t, 50)

    def r(obj, **info):
        t(repr, obj)

    r(m)
    m.seek(10)
    r(m)
    m.resize(20)
    r(m)
    m.close()
    r(m)
    for mapsize in (50, 100, 1000, 100000):
        offset = (mapsize // 2 // GRAN) * GRAN
        length = mapsize - offset
        f = t.open(b"a" * mapsize)
        for access in ACCESS_NAMES:
            for pos in (0, length // 10, length // 4):
                mm = t.watch(t(mod.mmap, f.fileno(), length,
                               access=getattr(mod, access), offset=offset))
                mm.seek(pos)
                r(mm, access=access, offset=offset)
                mm.close()
                r(mm, access=access, offset=offset)
    f = t.open(b"p" * 20)
    for kw, access in ((dict(prot=mod.PROT_READ), "ACCESS_READ"),
                       (dict(flags=mod.MAP_PRIVATE), "ACCESS_DEFAULT")):
        mm = t.watch(t(mod.mmap, f.fileno(), 0, **kw))
        r(mm, access=access)
    mm = t.watch(t(mod.mmap, -1, 10, access=mod.ACCESS_COPY))
    r(mm, access="ACCESS_COPY")


@body()
def body_closed_by_index(t):
    mod = t.mod
    read_ops = [
        ("m[X()]", lambda m, X: m[X()]),
        ("m[X():20]", lambda m, X: m[X():20]),
        ("m[X():20:2]", lambda m, X: m[X():20:2]),
        ("m[20:X():-2]", lambda m, X: m[20:X():-2]),
        ("m.read(X())", lambda m, X: m.read(X())),
        ("m.find(b'1', 1, X())", lambda m, X: m.find(b"1", 1, X())),
        ("m.find(b'1', X())", lambda m, X: m.find(b"1", X())),
        ("m.rfind(b'1', X())", lambda m, X: m.rfind(b"1", X())),
        ("m.madvise(X())", lambda m, X: m.madvise(X())),
        ("m.madvise(0, 0, X())", lambda m, X: m.madvise(0, 0, X())),
    ]
    write_ops = [
        ("m[X():20] = ...", lambda m, X: m.__setitem__(slice(X(), 20),
                                                        b"1" * 10)),
        ("m[X():20:2] = ...", lambda m, X: m.__setitem__(slice(X(), 20, 2),
                                                          b"1" * 5)),
        ("m[20:X():-2] = ...", lambda m, X: m.__setitem__(slice(20, X(), -2),
                                                           b"1" * 5)),
        ("m[X()] = 1", lambda m, X: m.__setitem__(X(), 1)),
        ("m[1] = X()", lambda m, X: m.__setitem__(1, X())),
        ("m.move(1, 2, X())", lambda m, X: m.move(1, 2, X())),
        ("m.move(X(), 2, 1)", lambda m, X: m.move(X(), 2, 1)),
        ("m.write_byte(X())", lambda m, X: m.write_byte(X())),
    ]
    for access in ACCESS_NAMES:
        ops = read_ops + (write_ops if access != "ACCESS_READ" else [])
        for label, op in ops:
            f = t.open(bytes(range(100)))
            m = t.watch(mod.mmap(f.fileno(), 100,
                                 access=getattr(mod, access)))

            class X:
                def __index__(self, m=m):
                    m.close()
                    return 10

            t("%s %s" % (access, label), op, m, X)


@body()
def body_set_name(t):
    """set_name() (3.15): anonymous maps only, str only, at most 66 bytes
    of UTF-8 after the prefix, no NUL; a closed anonymous map is fine."""
    mod = t.mod
    m = anon(t, PAGE)
    for name in ("x", "", "x" * 66, "x" * 67, "\xe9" * 33, "\xe9" * 34,
                 "a\0b", "\0" * 70, "\udcff", "a b\n[]", b"x", None, 1):
        t(m.set_name, name)
    t(m.set_name, _argparse=True)
    t(m.set_name, "a", "b", _argparse=True)
    t(m.__getitem__, 0)
    private = anon(t, PAGE, flags=mod.MAP_PRIVATE)
    t(private.set_name, "private")
    untracked = anon(t, PAGE, trackfd=False)
    t(untracked.set_name, "untracked")
    f = t.open(b"x" * PAGE)
    for kw in ({}, dict(trackfd=False), dict(access=mod.ACCESS_READ)):
        fm = t.watch(t(mod.mmap, f.fileno(), PAGE, **kw))
        t(fm.set_name, "file")
        t(fm.set_name, 1)
        t(fm.set_name, "x" * 70)
        t(fm.close)
        t(fm.set_name, "closed file")
    m.close()
    t(m.set_name, "closed")
    t(m.set_name, "\0")


@body()
def body_flush_315(t):
    """flush(offset=0, size=-1, /, *, flags=0) and the MS_* constants."""
    mod = t.mod
    f = t.open(b"f" * (4 * PAGE))
    maps = [t.watch(t(mod.mmap, f.fileno(), 0, access=getattr(mod, a)))
            for a in ACCESS_NAMES] + [anon(t, 4 * PAGE),
                                      anon(t, 4 * PAGE, flags=mod.MAP_PRIVATE)]
    size = 4 * PAGE
    for m in maps:
        for args in ((), (0,), (PAGE,), (1,), (-1,), (size,), (size + 1,),
                     (size + PAGE,), (0, -1), (0, -2), (PAGE, -1), (0, size),
                     (0, size + 1), (size, 0), (size, -1), (0, None), (None,),
                     ("a",), (0, "a"), (2 ** 70,), (0, 2 ** 70)):
            t(m.flush, *args)
        for flags in (mod.MS_SYNC, mod.MS_ASYNC, mod.MS_INVALIDATE,
                      mod.MS_ASYNC | mod.MS_INVALIDATE, mod.MS_SYNC | mod.MS_ASYNC,
                      0, 1 << 20, -1, 2 ** 40, "x", None):
            t(m.flush, flags=flags)
            t(m.flush, 0, PAGE, flags=flags)
        t(m.flush, 1, 2, 3, _argparse=True)
        t(m.flush, offset=0, _argparse=True)
        t(m.close)
        t(m.flush)
        t(m.flush, "x")
        t(m.flush, flags="x")
        t(m.flush, flags=1 << 20)
    for name in ("MS_SYNC", "MS_ASYNC", "MS_INVALIDATE"):
        t(getattr, mod, name)


@body()
def body_find_none_bounds(t):
    """find/rfind with None bounds (3.14: None means the default; a given
    end is read only when start is given) and starts past the end (3.15:
    -1, even for b"")."""
    m = anon(t, 12, b"abcabcabc\nab")
    for fn in (m.find, m.rfind):
        for sub in (b"c", b"", b"ab", b"zz"):
            for args in ((None,), (None, None), (0, None), (None, 2),
                         (None, "x"), (None, -1), (None, 2 ** 70), (1, None),
                         (12,), (13,), (13, -1), (2 ** 62,), (-1,), (-13,),
                         (5, 3), (12, 12), (13, 20), ("x",), (2 ** 70,)):
                t(fn, sub, *args)
        t(m.seek, 12)
        t(fn, b"")
        t(fn, b"", None)
        t(m.seek, 4)
        t(fn, b"a", None)
        t(fn, _argparse=True)
        t(fn, sub=b"a", _argparse=True)
    m.close()
    t(m.find, "x")
    t(m.find, b"x", "x")
    t(m.rfind, b"x", None, "x")


@body()
def body_closed_conversion_order(t):
    """CPython 3.15 converts (and range-checks) a method's arguments before
    it checks that the map is open: a closed map reports a bad argument
    first.  Also item assignment: writability, index, value, then validity
    and bounds."""
    mod = t.mod
    f = t.open(b"ab\ncd" * PAGE)
    for kw in ({}, dict(access=mod.ACCESS_READ), dict(access=mod.ACCESS_COPY)):
        for closed in (True, False):
            m = t.watch(t(mod.mmap, f.fileno(), 0, **kw))
            if closed:
                t(m.close)
            for fn, args in (
                    (m.seek, (0, 2 ** 40)), (m.seek, ("x",)), (m.seek, (0, None)),
                    (m.seek, (0, 5)), (m.madvise, (2 ** 40,)),
                    (m.madvise, (mod.MADV_NORMAL, "x")),
                    (m.madvise, (mod.MADV_NORMAL, 0, "x")),
                    (m.madvise, (mod.MADV_NORMAL, 0, None)),
                    (m.madvise, (mod.MADV_NORMAL, 0, -1)),
                    (m.write_byte, (300,)), (m.write_byte, (2 ** 63 - 1,)),
                    (m.write_byte, (2 ** 70,)), (m.write_byte, ("x",)),
                    (m.write_byte, (1,)), (m.write, ("x",)), (m.write, (b"x",)),
                    (m.move, (0, 0, "x")), (m.move, (0, 0, 2 ** 70)),
                    (m.move, (-1, 0, 1)), (m.resize, ("x",)), (m.resize, (-1,)),
                    (m.read, ("x",)), (m.read, (2 ** 70,)), (m.read, (None,)),
                    (m.size, ()), (m.__enter__, ()), (m.__exit__, ()),
                    (m.__exit__, (None,)), (m.__exit__, (1, 2, 3, 4)),
                    (m.__setitem__, (0, 300)), (m.__setitem__, (0, "x")),
                    (m.__setitem__, (0, 2 ** 70)), (m.__setitem__, (2 ** 70, 300)),
                    (m.__setitem__, (10 ** 9, 300)), (m.__setitem__, (10 ** 9, 1)),
                    (m.__setitem__, ("x", 1)), (m.__setitem__, (1.5, 300)),
                    (m.__setitem__, (slice(0, 1), 1)),
                    (m.__setitem__, (slice(0, 1), b"xy")),
                    (m.__setitem__, (slice("a", 1), b"x")),
                    (m.__setitem__, (slice(None, None, 2), b"x")),
                    (m.__delitem__, (0,)), (m.__delitem__, (10 ** 9,)),
                    (m.__delitem__, (slice(0, 1),)), (m.__delitem__, ("x",)),
                    (m.__getitem__, (slice("a", 1),)), (m.__getitem__, ("x",)),
                    (m.__getitem__, (10 ** 9,))):
                t(fn, *args, _argparse=fn.__name__ in ("__exit__", "__enter__"))
            t(m.__exit__, None, None, None)
            t(getattr, m, "closed")


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fast():
    return load_fastmmap()


@pytest.mark.parametrize("name", sorted(BODIES))
def test_differential(name, fast, tmp_path):
    expected, source = expected_trace(name, tmp_path)
    actual = run_body(BODIES[name], fast, str(tmp_path / "fastmmap"))
    assert_same_trace(expected, actual, source, "fastmmap")


def expected_trace(name, tmp_path):
    """CPython 3.15's trace of a body: the live stdlib on 3.15, else the
    record (cpython315.py)."""
    if IS_315:
        return (run_body(BODIES[name], stdlib_mmap, str(tmp_path / "stdlib")),
                "stdlib mmap %d.%d" % PY[:2])
    reason = ORACLE.unusable_reason()
    if reason:
        pytest.skip(reason)
    return ORACLE.trace(name), "CPython 3.15 stdlib (recorded)"


@pytest.mark.skipif(not IS_315, reason="needs the CPython 3.15 stdlib")
@pytest.mark.skipif(ORACLE.unusable_reason() is not None,
                    reason=str(ORACLE.unusable_reason()))
def test_record_matches_stdlib(tmp_path):
    """The record older interpreters compare with is what this 3.15 stdlib
    does, for every body (re-record with record_cpython315.py when a body
    changes)."""
    assert ORACLE.bodies() == set(BODIES), (
        "bodies and record differ: only bodies %s, only record %s" % (
            sorted(set(BODIES) - ORACLE.bodies()),
            sorted(ORACLE.bodies() - set(BODIES))))
    for name, fn in sorted(BODIES.items()):
        live = run_body(fn, stdlib_mmap, str(tmp_path / name))
        assert_same_trace(ORACLE.trace(name), live, "record " + name,
                          "stdlib " + name)


def test_bodies_are_deterministic(fast, tmp_path):
    """Guard against traces that depend on addresses, fds or timing: every
    body run twice gives the same trace (on the stdlib where it is the
    spec, else on fastmmap)."""
    mod = stdlib_mmap if IS_315 else fast
    for name, fn in sorted(BODIES.items()):
        a = run_body(fn, mod, str(tmp_path / name / "a"))
        b = run_body(fn, mod, str(tmp_path / name / "b"))
        assert_same_trace(a, b, name + " run 1", name + " run 2")
        aborted = [e for e in a if e[0] == "BODY ABORTED"]
        assert not aborted, aborted


def spec_module():
    """(constants, method names) of CPython 3.15's mmap module."""
    if IS_315:
        return ({n: getattr(stdlib_mmap, n) for n in dir(stdlib_mmap)
                 if n.isupper()},
                sorted(n for n in dir(stdlib_mmap.mmap) if not n.startswith("_")))
    reason = ORACLE.unusable_reason()
    if reason:
        pytest.skip(reason)
    return ORACLE.data["module"]["constants"], ORACLE.data["module"]["methods"]


def test_constants(fast):
    constants, _ = spec_module()
    missing = sorted(n for n in constants if not hasattr(fast, n))
    assert not missing, "fastmmap lacks %s" % missing
    for name, value in constants.items():
        assert getattr(fast, name) == value, name
        assert type(getattr(fast, name)) is int, name
    assert fast.error is OSError


def test_methods(fast):
    _, methods = spec_module()
    missing = sorted(n for n in methods if not hasattr(fast.mmap, n))
    assert not missing, "fastmmap.mmap lacks %s" % missing


def test_signatures(fast):
    """inspect.signature works for every public method and gives 3.15's
    parameters."""
    if IS_315:
        expected = module_record(stdlib_mmap)["signatures"]
    else:
        spec_module()
        expected = ORACLE.data["module"]["signatures"]
    for name, signature in sorted(expected.items()):
        assert str(inspect.signature(getattr(fast.mmap, name))) == signature, name


def module_record(mod):
    """What the record keeps of a module: constants, public method names,
    and the signature of every method (and of __enter__/__exit__)."""
    methods = sorted(n for n in dir(mod.mmap) if not n.startswith("_"))
    return {
        "constants": {n: getattr(mod, n) for n in dir(mod) if n.isupper()},
        "methods": methods,
        "signatures": {n: str(inspect.signature(getattr(mod.mmap, n)))
                       for n in methods + ["__enter__", "__exit__"]
                       if callable(getattr(mod.mmap, n))},
    }
