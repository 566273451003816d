"""What the reliability scenarios share: the fork-per-case runner, how a
result is compared (outcome, normalise, map_state), the hostile actions a
hook runs on a map, and scratch files.

The scenarios (reliability_<family>.py) run in a child process started by
tests/test_reliability.py through reliability_child.py; see that file.
"""
import faulthandler
import hashlib
import mmap as stdlib_mmap
import os
import pickle
import signal
import struct
import sys
import tempfile
import traceback

PAGE = stdlib_mmap.PAGESIZE
GRAN = stdlib_mmap.ALLOCATIONGRANULARITY
MAXSIZE = sys.maxsize
PY = sys.version_info
HAVE_BUFFER_HOOK = PY >= (3, 12)   # Python classes may define __buffer__

NUMPY = False       # set by load_numpy(): find_all() and as_array() need it


def load_numpy():
    """Imports NumPy if it is there (before any fork, so forked cases don't
    pay for it); without it, the find_all/as_array parts are left out."""
    global NUMPY
    try:
        import numpy  # noqa: F401
        NUMPY = True
    except ImportError:
        NUMPY = False
    return NUMPY


def import_fastmmap(faulthandler_mode="none"):
    """Import fastmmap, with faulthandler enabled before or after it."""
    if faulthandler_mode == "before":
        faulthandler.enable()
    import fastmmap
    if faulthandler_mode == "after":
        faulthandler.enable()
    return fastmmap


# --------------------------------------------------------------------------
# Fork-per-case runner
# --------------------------------------------------------------------------

def forked(fn, *args, timeout=20):
    """Run fn(*args) in a forked child.  Returns ("ok", value) with the
    pickled return value, ("exc", text) if fn raised, or ("crash", how)
    if the child died (signal, exit without a result, or timeout)."""
    return forked_many(fn, [args], timeout=timeout)[0]


def forked_many(fn, arg_tuples, timeout=60):
    """fn(*args) for every args, in forked children: one child runs the
    cases in order and streams each result back; if it dies, the case it was
    running is reported as ("crash", how) and a new child takes over at the
    next case.  Same result tuples as forked()."""
    results = []
    arg_tuples = list(arg_tuples)
    while len(results) < len(arg_tuples):
        first = len(results)
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:        # expected crashes must not leave core dumps behind
                import resource
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            except (ImportError, ValueError, OSError):
                pass
            out = os.fdopen(w, "wb")
            signal.alarm(timeout)
            for args in arg_tuples[first:]:
                try:
                    try:
                        payload = ("ok", fn(*args))
                    except BaseException:
                        payload = ("exc", traceback.format_exc())
                    data = pickle.dumps(payload)
                except BaseException:
                    data = pickle.dumps(("exc", traceback.format_exc()))
                out.write(struct.pack("<Q", len(data)) + data)
                out.flush()
            out.close()
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            while True:
                head = f.read(8)
                if len(head) < 8:
                    break
                n, = struct.unpack("<Q", head)
                results.append(pickle.loads(f.read(n)))
        _, status = os.waitpid(pid, 0)
        if len(results) < len(arg_tuples):
            if os.WIFSIGNALED(status):
                how = "killed by %s" % signal.Signals(os.WTERMSIG(status)).name
            else:
                how = "exit status %d, no result" % os.WEXITSTATUS(status)
            results.append(("crash", how))
    return results


def outcome(fn):
    """("ok", normalised result) or ("exc", type name, message)."""
    try:
        value = fn()
    except Exception as exc:
        return ("exc", type(exc).__name__, str(exc))
    return ("ok", normalise(value))


def normalise(value):
    if hasattr(value, "tolist"):          # NumPy arrays from find_all
        return ("array", value.tolist())
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(normalise(v) for v in value)
    return value


def map_state(m):
    if m.closed:
        return ("closed",)
    data = m[:]
    return (len(data), m.tell(), hashlib.sha1(data).hexdigest())




def have_numpy():
    """What the last load_numpy() found."""
    return NUMPY


#: What a hook does to the map.  The sizes straddle the arguments below:
#: 60 is before the position (100) and most offsets, 6000 keeps some, and
#: 300 000 is past the GIL-free threshold (and makes mremap move the map).
ACTIONS = {
    "close": lambda m: m.close(),
    "shrink_small": lambda m: m.resize(60),
    "shrink": lambda m: m.resize(6000),
    "grow": lambda m: m.resize(300000),
    "export": lambda m: HELD.append(memoryview(m)),
}
HELD = []


_COUNTER = [0]


def scratch_path(prefix):
    """A fresh file name in this scenario's scratch directory (under
    TMPDIR: the parent test points it at its tmp_path)."""
    _COUNTER[0] += 1
    return os.path.join(tempfile.gettempdir(),
                        "%s-%d-%d" % (prefix, os.getpid(), _COUNTER[0]))


class Trigger:
    """Runs ACTIONS[action] on the map at the fire_on-th call of the hook
    (the hooks below call it when their argument is converted)."""

    def __init__(self, m, action, fire_on):
        self.m = m
        self.action = action
        self.fire_on = fire_on
        self.calls = 0
        self.fired = False      # the action ran and succeeded
        self.error = None       # ... or raised this

    def target(self):
        """The map the action runs on (None: nothing to run it on yet)."""
        return self.m

    def __call__(self):
        self.calls += 1
        m = self.target()
        if self.calls == self.fire_on and m is not None:
            try:
                ACTIONS[self.action](m)
                self.fired = True
            except Exception as exc:
                self.error = "%s: %s" % (type(exc).__name__, exc)


class IndexHook:
    """An integer whose __index__ runs the trigger."""

    def __init__(self, value, trigger):
        self.value = value
        self.trigger = trigger

    def __index__(self):
        self.trigger()
        return self.value


class BufferHook:
    """A bytes-like object whose __buffer__ runs the trigger (3.12+)."""

    def __init__(self, data, trigger):
        self.data = data
        self.trigger = trigger

    def __buffer__(self, flags):
        self.trigger()
        return memoryview(self.data)

    def __release_buffer__(self, view):
        view.release()
