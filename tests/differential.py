"""The differential tests' harness: the Recorder, the registry of bodies
and how a body runs (see test_differential.py for what is compared and why).

A *body* is a function ``body(t)`` written once, that drives ``t.mod``
(either module) through a :class:`Recorder`.  The recorder turns every call
into a trace event -- the result or the exception as (type, message),
followed by ``tell()``/``len()`` of every watched map -- and at the end
appends the final contents of every watched map and of every file the body
created, and whether file descriptors 0-2 survived the body (a map must
never close a descriptor it does not own).  Bodies live in
differential_object.py and differential_access.py; ``all_bodies()`` loads
them.  Bodies must not branch on the interpreter version: on older
interpreters they are compared with CPython 3.15's recorded traces.
"""
import difflib
import gc
import inspect
import mmap as stdlib_mmap
import os
import sys
import traceback

import pytest

from cpython315 import norm_text, type_name
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


def read_file(path, n=-1):
    with open(path, "rb") as f:
        return f.read(n)


def readinto_from_file(path, buf):
    with open(path, "rb") as f:
        return f.readinto(buf)


def message_of(fn, *args):
    try:
        fn(*args)
    except TypeError as exc:
        return "mmap" in str(exc)
    return "no TypeError"


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


def all_bodies():
    """BODIES, once every body module has registered its bodies."""
    import differential_access  # noqa: F401
    import differential_object  # noqa: F401
    return BODIES
