"""Child-process scenarios for tests/test_reliability.py.

Run as ``python tests/reliability_child.py SCENARIO [ARGS...]`` with
fastmmap importable.  Every scenario prints its findings and ends with a
line ``RESULT OK`` (exit 0) or ``RESULT FAIL`` (exit 1); a crash shows as a
negative exit code in the parent.  Scenarios that could crash per case run
each case in a forked grandchild (``forked``), so one crash is reported with
the case that caused it instead of ending the scenario.
"""
import errno
import faulthandler
import gc
import hashlib
import mmap as stdlib_mmap
import os
import pickle
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from support import check, fail, finish

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


# --------------------------------------------------------------------------
# 1. Truncated files
# --------------------------------------------------------------------------

TRUNC_SIZE = 16 * PAGE            # the file, and the map
TRUNC_KEEP = PAGE                 # the file keeps this much


def _expect_efault(name, fn):
    try:
        value = fn()
    except OSError as exc:
        if exc.errno != errno.EFAULT:
            fail("%s: OSError with errno %r, expected EFAULT: %s"
                 % (name, exc.errno, exc))
        return
    except Exception as exc:
        fail("%s: %s: %s, expected OSError(EFAULT)" % (name, type(exc).__name__, exc))
        return
    fail("%s: returned %r, expected OSError(EFAULT)" % (name, value))


def scenario_truncate(kind, who, fh_mode):
    """Map a file, truncate it to one page underneath (``who`` = self:
    os.ftruncate here; other: another process), then every fastmmap access
    to the lost part raises OSError(EFAULT) and the backed part still
    works."""
    fastmmap = import_fastmmap(fh_mode)
    load_numpy()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "data")
    pattern = (b"abcdefghi\n" * (TRUNC_SIZE // 10 + 1))[:TRUNC_SIZE]
    with open(path, "wb") as f:
        f.write(pattern)
    fd = os.open(path, os.O_RDWR)
    base = 0              # file offset of m[0]
    writable = kind != "read"
    if kind == "shared":
        m = fastmmap.mmap(fd, 0)
    elif kind == "write":
        m = fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_WRITE)
    elif kind == "read":
        m = fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_READ)
    elif kind == "copy":
        m = fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_COPY)
    elif kind == "open_unaligned":
        base = 100
        m = fastmmap.open(path, "r+", offset=base)
    elif kind == "open_copy_unaligned":
        base = 777
        m = fastmmap.open(path, "c", offset=base)
    else:
        raise SystemExit("unknown kind %r" % kind)

    check(m[0] == pattern[base], "m[0] before truncation")
    if kind.startswith("copy") or kind == "open_copy_unaligned":
        m[1] = ord("Z")        # a private page of our own: survives truncation
    if who == "self":
        os.ftruncate(fd, TRUNC_KEEP)
    else:
        subprocess.run([sys.executable, "-c",
                        "import os, sys; os.truncate(sys.argv[1], %d)" % TRUNC_KEEP,
                        path], check=True)
    check(os.fstat(fd).st_size == TRUNC_KEEP, "file truncated")
    lost = TRUNC_KEEP - base + PAGE       # an offset in m past the file's end
    kept = TRUNC_KEEP - base              # the bytes of m still backed

    def at(pos, fn):
        def run():
            m.seek(pos)
            return fn()
        return run

    ops = [
        ("find", lambda: m.find(b"nope")),
        ("find(start)", lambda: m.find(b"nope", lost)),
        ("find(hit after loss)", lambda: m.find(b"a", lost)),
        ("rfind", lambda: m.rfind(b"nope")),
        ("rfind(end)", lambda: m.rfind(b"nope", 0, lost + 10)),
        ("count", lambda: m.count(b"a")),
        ("count(start)", lambda: m.count(b"ab", lost)),
        ("read", at(lost, lambda: m.read(10))),
        ("read()", at(0, lambda: m.read())),
        ("read_byte", at(lost, m.read_byte)),
        ("readline", at(lost, m.readline)),
        ("readline across", at(kept - 3, m.readline)),
        ("lines", lambda: list(m.lines(lost))),
        ("lines(all)", lambda: list(m.lines())),
        ("readinto", at(lost, lambda: m.readinto(bytearray(10)))),
        ("readinto across", at(kept - 5, lambda: m.readinto(bytearray(100)))),
        ("item", lambda: m[lost]),
        ("item -1", lambda: m[-1]),
        ("slice", lambda: m[lost:lost + 10]),
        ("slice across", lambda: m[kept - 10:kept + 10]),
        ("slice all", lambda: m[:]),
        ("stepped slice", lambda: m[lost:lost + 100:7]),
        ("stepped slice negative", lambda: m[::-3]),
        ("iteration", lambda: list(m)),
        ("reversed", lambda: next(reversed(m))),
        ("in", lambda: b"Q" in m),
    ]
    if writable:
        ops += [
            ("setitem", lambda: m.__setitem__(lost, 65)),
            ("setitem -1", lambda: m.__setitem__(-1, 65)),
            ("setslice", lambda: m.__setitem__(slice(lost, lost + 4), b"wxyz")),
            ("setslice across", lambda: m.__setitem__(slice(kept - 2, kept + 2), b"wxyz")),
            ("stepped setslice", lambda: m.__setitem__(slice(lost, lost + 40, 10), b"wxyz")),
            ("write", at(lost, lambda: m.write(b"hello"))),
            ("write across", at(kept - 2, lambda: m.write(b"hello"))),
            ("write_byte", at(lost, lambda: m.write_byte(66))),
            ("move to lost", lambda: m.move(lost, 0, 10)),
            ("move from lost", lambda: m.move(0, lost, 10)),
            ("move within lost", lambda: m.move(lost, lost + 1, 100)),
        ]
    if NUMPY:
        ops.append(("find_all", lambda: m.find_all(b"a")))
    for name, fn in ops:
        _expect_efault(name, fn)

    # Not accesses of the lost pages: must not fault (they may raise an
    # OSError of their own, never die).
    for name, fn in [("flush", m.flush), ("size", m.size), ("tell", m.tell),
                     ("madvise", lambda: m.madvise(fastmmap.MADV_NORMAL)),
                     ("len", lambda: len(m)), ("repr", lambda: repr(m))]:
        try:
            fn()
        except OSError:
            pass
        except Exception as exc:
            fail("%s raised %s: %s" % (name, type(exc).__name__, exc))

    # The process survives and the backed part keeps working.
    expected = bytearray(pattern[base:base + kept])
    if kind in ("copy", "open_copy_unaligned"):
        expected[1] = ord("Z")
    check(m[0] == expected[0], "m[0] after the faults")
    # The writes "across" the end of the file may have written their first
    # two bytes before faulting (a short write, as memmove goes forward in
    # some builds, e.g. under ASan): those bytes are the old ones or theirs.
    check(m[:kept - 2] == bytes(expected[:kept - 2]), "backed part intact")
    tail = m[kept - 2:kept]
    check(tail in (bytes(expected[kept - 2:kept]), b"he", b"wx") if writable
          else tail == bytes(expected[kept - 2:kept]), "last backed bytes: %r" % tail)
    expected[kept - 2:kept] = tail
    check(m.find(b"j", 0, kept) == -1
          and m.find(b"\n", 0, kept) == expected.find(b"\n"), "find in backed part")
    check(m.find(b"a", 0, kept) == expected.find(b"a"), "find(end) in backed part")
    check(m.count(b"a", 0, kept) == bytes(expected).count(b"a"), "count in backed part")
    m.seek(0)
    check(m.readline() == bytes(expected[:expected.find(b"\n") + 1]), "readline")
    if writable:
        m[2] = ord("Y")
        m.seek(3)
        m.write(b"W")
        m.move(4, 5, 3)
        check(m[2:4] == b"YW", "writes to the backed part")
    # Regrow the file: the pages are backed again (zeros).
    os.ftruncate(fd, TRUNC_SIZE)
    check(m[lost] == 0, "regrown page reads as zero")
    check(m[:kept] == bytes(m[:kept]), "still consistent")
    m.close()
    os.close(fd)
    print("faults checked:", len(ops))
    finish()


def scenario_truncate_big(fh_mode):
    """A 64 MiB map truncated to 1 MiB: the GIL-free search / copy paths
    (main thread and two worker threads at once) raise OSError(EFAULT)."""
    fastmmap = import_fastmmap(fh_mode)
    load_numpy()
    big = 64 << 20
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "big")
    with open(path, "wb") as f:
        f.truncate(big)
        f.write(b"head\n")
    fd = os.open(path, os.O_RDWR)
    m = fastmmap.mmap(fd, big)
    os.ftruncate(fd, 1 << 20)
    lost = (1 << 20) + PAGE
    ops = [
        ("find", lambda: m.find(b"needle")),
        ("find(start)", lambda: m.find(b"needle", lost)),
        ("rfind", lambda: m.rfind(b"needle")),
        ("count", lambda: m.count(b"x")),
        ("count 2", lambda: m.count(b"xy", 1000)),
        ("slice", lambda: m[:]),
        ("slice tail", lambda: m[lost:]),
        ("read", lambda: (m.seek(0), m.read())[1]),
        ("readinto", lambda: (m.seek(0), m.readinto(bytearray(8 << 20)))[1]),
        ("setslice", lambda: m.__setitem__(slice(lost, lost + (1 << 20)), bytes(1 << 20))),
        ("move", lambda: m.move(0, lost, 1 << 20)),
        ("lines", lambda: sum(1 for _ in m.lines())),
    ]
    if NUMPY:
        ops.append(("find_all", lambda: m.find_all(b"x")))
    for name, fn in ops:
        _expect_efault(name, fn)

    errors = []

    def worker(name, fn):
        for _ in range(3):
            try:
                fn()
            except OSError as exc:
                if exc.errno != errno.EFAULT:
                    errors.append("%s: errno %r" % (name, exc.errno))
            except Exception as exc:
                errors.append("%s: %r" % (name, exc))
            else:
                errors.append("%s: no error" % name)

    threads = [threading.Thread(target=worker, args=op) for op in ops[:4] * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        fail("thread " + e)
    check(m[:5] == b"head\n", "head intact")
    check(m.find(b"\n") == 4, "find in head")
    m.close()   # no export left behind by the faulted GIL-free calls
    os.close(fd)
    finish()


def scenario_sigbus_control(mode):
    """SIGBUS not caused by a fastmmap access keeps its usual meaning."""
    if mode == "kill":                  # default action: the process dies
        import fastmmap
        os.kill(os.getpid(), signal.SIGBUS)
        time.sleep(1)
        print("survived a SIGBUS")
        finish()
    if mode == "kill_faulthandler":     # faulthandler reports, then it dies
        import fastmmap
        faulthandler.enable()
        os.kill(os.getpid(), signal.SIGBUS)
        time.sleep(1)
        print("survived a SIGBUS")
        finish()
    if mode == "memoryview":            # a real fault outside fastmmap
        import fastmmap
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "f")
        with open(path, "wb") as f:
            f.write(b"x" * 4 * PAGE)
        fd = os.open(path, os.O_RDWR)
        m = fastmmap.mmap(fd, 0)
        view = memoryview(m)
        os.ftruncate(fd, 0)
        print("read", bytes(view[2 * PAGE:2 * PAGE + 4]))
        finish()
    if mode in ("handler_after", "handler_before"):
        calls = []
        if mode == "handler_after":
            import fastmmap
            signal.signal(signal.SIGBUS, lambda sig, frame: calls.append(sig))
        else:
            signal.signal(signal.SIGBUS, lambda sig, frame: calls.append(sig))
            import fastmmap
            # ... and fastmmap faults are still turned into OSError
            tmp = tempfile.mkdtemp()
            path = os.path.join(tmp, "f")
            with open(path, "wb") as f:
                f.write(b"x" * 4 * PAGE)
            fd = os.open(path, os.O_RDWR)
            m = fastmmap.mmap(fd, 0)
            os.ftruncate(fd, PAGE)
            _expect_efault("m[2*PAGE] with a user handler", lambda: m[2 * PAGE])
            check(calls == [], "the user handler is not called for fastmmap faults")
        os.kill(os.getpid(), signal.SIGBUS)
        for _ in range(100):
            if calls:
                break
            time.sleep(0.01)
        check(calls == [signal.SIGBUS], "user handler called once: %r" % calls)
        print("handler calls:", calls)
        finish()
    raise SystemExit("unknown mode %r" % mode)


# --------------------------------------------------------------------------
# 2. Re-entrancy
# --------------------------------------------------------------------------

RE_SIZE = 3 * PAGE
RE_POS = 100
NEEDLE = b"XYZ"
NEEDLE_AT = (50, 5000, 12000)


def re_content():
    data = bytearray((b"abcdefghi\n" * (RE_SIZE // 10 + 1))[:RE_SIZE])
    for at in NEEDLE_AT:
        data[at:at + len(NEEDLE)] = NEEDLE
    return bytes(data)


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


class Trigger:
    """Runs ACTIONS[action] on the map at the fire_on-th call of the hook."""

    def __init__(self, m, action, fire_on):
        self.m = m
        self.action = action
        self.fire_on = fire_on
        self.calls = 0
        self.fired = False      # the action ran and succeeded
        self.error = None       # ... or raised this

    def __call__(self):
        self.calls += 1
        if self.calls == self.fire_on:
            try:
                ACTIONS[self.action](self.m)
                self.fired = True
            except Exception as exc:
                self.error = "%s: %s" % (type(exc).__name__, exc)


class IndexHook:
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


def _slice(a):
    return slice(a[0], a[1], a[2])


#: name -> (call(m, args), plain args, hookable positions: "i" int, "b" buffer)
#: Only what the stdlib also has is compared with it (see STDLIB_HAS).
RE_CASES = {
    "find": (lambda m, a: m.find(*a), [NEEDLE, 0, RE_SIZE], "bii"),
    "find_default_start": (lambda m, a: m.find(*a), [NEEDLE, RE_SIZE], "bi"),
    "find_negative": (lambda m, a: m.find(*a), [NEEDLE, -7000, -1], "bii"),
    "rfind": (lambda m, a: m.rfind(*a), [NEEDLE, 10, 20000], "bii"),
    "count": (lambda m, a: m.count(*a), [NEEDLE, 0, RE_SIZE], "bii"),
    "count_negative": (lambda m, a: m.count(*a), [b"a", -9000, -2], "bii"),
    "find_all": (lambda m, a: m.find_all(*a), [NEEDLE, 1, 20000], "bii"),
    "lines": (lambda m, a: list(m.lines(*a)), [40, 400], "ii"),
    "lines_negative": (lambda m, a: list(m.lines(*a)), [-6500, -5900], "ii"),
    "read": (lambda m, a: m.read(*a), [5000], "i"),
    "read_negative": (lambda m, a: m.read(*a), [-1], "i"),
    "readinto": (lambda m, a: (m.readinto(a[0]),
                               bytes(a[0].data if isinstance(a[0], BufferHook) else a[0])),
                 [bytearray(20)], "b"),
    "write": (lambda m, a: m.write(*a), [b"hello"], "b"),
    "write_byte": (lambda m, a: m.write_byte(*a), [65], "i"),
    "seek": (lambda m, a: m.seek(*a), [200, 0], "ii"),
    "seek_cur": (lambda m, a: m.seek(*a), [-50, 1], "ii"),
    "seek_end": (lambda m, a: m.seek(*a), [-10, 2], "ii"),
    "flush": (lambda m, a: m.flush(*a), [0, 8192], "ii"),
    "flush_page": (lambda m, a: m.flush(*a), [PAGE, 20], "ii"),
    "madvise": (lambda m, a: m.madvise(*a), [stdlib_mmap.MADV_NORMAL, PAGE, PAGE], "iii"),
    "move": (lambda m, a: m.move(*a), [10, 5000, 100], "iii"),
    "move_high": (lambda m, a: m.move(*a), [9000, 100, 3000], "iii"),
    "resize": (lambda m, a: m.resize(*a), [8000], "i"),
    "getitem": (lambda m, a: m[a[0]], [5000], "i"),
    "getitem_negative": (lambda m, a: m[a[0]], [-1], "i"),
    "getslice": (lambda m, a: m[_slice(a)], [40, 9000, 1], "iii"),
    "getslice_step": (lambda m, a: m[_slice(a)], [9000, 40, -7], "iii"),
    "setitem": (lambda m, a: m.__setitem__(a[0], a[1]), [5000, 66], "ii"),
    "setitem_negative": (lambda m, a: m.__setitem__(a[0], a[1]), [-1, 66], "ii"),
    "setslice": (lambda m, a: m.__setitem__(_slice(a), a[3]), [40, 50, 1, b"0123456789"], "iiib"),
    "setslice_high": (lambda m, a: m.__setitem__(_slice(a), a[3]),
                      [5990, 6000, 1, b"0123456789"], "iiib"),
    "setslice_step": (lambda m, a: m.__setitem__(_slice(a), a[3]),
                      [40, 140, 10, b"0123456789"], "iiib"),
    "as_array": (lambda m, a: m.as_array(offset=a[0], shape=a[1]).tobytes(), [8, 100], "ii"),
}
STDLIB_HAS = {name for name in RE_CASES
              if not name.startswith(("count", "find_all", "lines", "readinto", "as_array"))}


_COUNTER = [0]


def scratch_path(prefix):
    """A fresh file name in this scenario's scratch directory (under
    TMPDIR: the parent test points it at its tmp_path)."""
    _COUNTER[0] += 1
    return os.path.join(tempfile.gettempdir(),
                        "%s-%d-%d" % (prefix, os.getpid(), _COUNTER[0]))


def stdlib_crashes(case, pos, action, fire_on):
    """Cases where CPython's mmap reads or writes out of bounds (and
    usually dies), not run with the stdlib: before 3.11.4 (gh-103987) an
    __index__ that closes the map; up to 3.13 a value's __index__ or
    __buffer__ that shrinks it after the index or slice was checked."""
    if action == "close" and PY < (3, 11, 4):
        return True
    return (action.startswith("shrink")
            and (case.startswith("setitem") and pos == 1
                 or case.startswith("setslice") and pos == 3))


def re_make_map(mod):
    path = scratch_path("re")
    with open(path, "wb") as f:
        f.write(re_content())
    with open(path, "r+b") as f:
        m = mod.mmap(f.fileno(), 0)
    os.unlink(path)
    m.seek(RE_POS)
    return m


def re_args_with_hook(m, case, pos, action, fire_on):
    _, plain, kinds = RE_CASES[case]
    trigger = Trigger(m, action, fire_on)
    args = list(plain)
    if kinds[pos] == "i":
        args[pos] = IndexHook(plain[pos], trigger)
    else:
        value = plain[pos]
        args[pos] = BufferHook(bytearray(value) if isinstance(value, bytearray)
                               else value, trigger)
    return args, trigger


def _plain_args(case):
    return [bytearray(a) if isinstance(a, bytearray) else a
            for a in RE_CASES[case][1]]


def re_run_case(mod, case, pos, action, fire_on, with_oracles):
    """Runs one hooked call and (for fastmmap) the two oracles: the same
    call with plain arguments on a fresh map to which the action was done
    before the call ("after" the hook: the arguments are converted first)
    or after it.  Returns a dict."""
    call = RE_CASES[case][0]
    del HELD[:]
    m = re_make_map(mod)
    args, trigger = re_args_with_hook(m, case, pos, action, fire_on)
    got = outcome(lambda: call(m, args))
    state = map_state(m)
    held = len(HELD)
    close_while_held = None
    if HELD and not m.closed:
        close_while_held = outcome(m.close)
    del HELD[:]
    args = None
    # (no gc.collect: 12 ms each with NumPy loaded)
    result = {"got": got, "state": state, "fired": trigger.fired,
              "calls": trigger.calls, "hook_error": trigger.error,
              "held": held, "close_while_held": close_while_held,
              "close_after": outcome(m.close)}
    if with_oracles:
        oracles = []
        for when in ("after", "before"):
            del HELD[:]
            o = re_make_map(mod)
            plain = _plain_args(case)
            if when == "after" and trigger.fired:
                ACTIONS[action](o)
            res = outcome(lambda: call(o, plain))
            if when == "before" and trigger.fired:
                try:
                    ACTIONS[action](o)
                except Exception as exc:
                    res = ("action failed", repr(exc))
            oracles.append((when, res, map_state(o)))
            del HELD[:]
            plain = None
            # (no gc.collect: 12 ms each with NumPy loaded)
            o.close()
        # The action alone, no call: the state an exception must leave.
        o = re_make_map(mod)
        if trigger.fired:
            ACTIONS[action](o)
        result["action_only"] = map_state(o)
        del HELD[:]
        o.close()
        result["oracles"] = oracles
    return result


def _same(got, oracle):
    """Results equal; exceptions equal by type."""
    if got[0] != oracle[0]:
        return False
    if got[0] == "exc":
        return got[1] == oracle[1]
    return got == oracle


def re_all_cases(only=None):
    cases = []
    for case, (_, _plain, kinds) in RE_CASES.items():
        if only and case not in only:
            continue
        if not NUMPY and case in ("find_all", "as_array"):
            continue
        for pos, kind in enumerate(kinds):
            if kind == "b" and not HAVE_BUFFER_HOOK:
                continue
            for action in ACTIONS:
                for fire_on in (1, 2):
                    cases.append((case, pos, action, fire_on))
    return cases


def scenario_reentrancy(*only):
    fastmmap = import_fastmmap()
    load_numpy()
    cases = re_all_cases(only)
    crashes = []
    wrong = []
    stdlib_rows = []
    fast_results = forked_many(re_run_case, [(fastmmap, c, p, a, f, True)
                                             for c, p, a, f in cases])
    std_cases = [c for c in cases if c[0] in STDLIB_HAS and not stdlib_crashes(*c)]
    std_results = dict(zip(std_cases, forked_many(
        re_run_case, [(stdlib_mmap, c, p, a, f, False) for c, p, a, f in std_cases])))
    res_fired = {}
    for (case, pos, action, fire_on), (status, res) in zip(cases, fast_results):
        label = "%s[arg %d] %s@call%d" % (case, pos, action, fire_on)
        if status != "ok":
            crashes.append("%s: %s %s" % (label, status, res))
            continue
        got, state = res["got"], res["state"]
        res_fired[label] = res["fired"]
        ok = False
        for _when, o_res, o_state in res["oracles"]:
            if _same(got, o_res) and state == o_state:
                ok = True
        # An exception that the stale arguments explain, with no effect:
        # README difference 5 (re-checked, where the stdlib goes on).
        if (res["fired"] and got[0] == "exc"
                and got[1] in ("ValueError", "IndexError")
                and state == res["action_only"]):
            ok = True
        if not ok:
            wrong.append("%s: got %r state %r; oracles %r"
                         % (label, got, state, res["oracles"]))
        if res["held"] and res["close_while_held"] is not None:
            cw = res["close_while_held"]
            if not (cw[0] == "exc" and cw[1] == "BufferError"):
                wrong.append("%s: close() with a held export gave %r" % (label, cw))
        if res["close_after"] != ("ok", None):
            wrong.append("%s: close() at the end gave %r" % (label, res["close_after"]))
        if (case, pos, action, fire_on) in std_results:
            s_status, s_res = std_results[case, pos, action, fire_on]
            stdlib_rows.append((label, got, state, s_status, s_res))
    for line in crashes:
        fail("crash: " + line)
    for line in wrong:
        fail("wrong: " + line)
    # The stdlib, where it survives: fastmmap either does what it does, or
    # raises where the stdlib went on with the stale size (README difference
    # 5).  A stdlib crash is only counted.
    std_crash = std_same = std_stricter = std_other = 0
    for label, got, _state, s_status, s_res in stdlib_rows:
        if s_status != "ok":
            std_crash += 1
            print("stdlib %s: %s %s" % (label, s_status, str(s_res)[-200:]))
            continue
        s_got = s_res["got"]
        if s_res["fired"] != res_fired[label]:
            std_other += 1     # the hooks were called a different number of times
            continue
        if PY < (3, 13) and label.startswith("seek") and got[0] == "ok":
            got = ("ok", None)     # seek() returns the position from 3.13 on
        if _same(got, s_got):
            std_same += 1
        elif got[0] == "exc" and got[1] in ("ValueError", "IndexError"):
            std_stricter += 1
            print("stricter than the stdlib: %s: fastmmap %r, stdlib %r"
                  % (label, got, s_got))
        else:
            fail("differs from the stdlib: %s: fastmmap %r, stdlib %r"
                 % (label, got, s_got))
    print("cases:", len(cases), "crashes:", len(crashes), "wrong:", len(wrong))
    print("stdlib: %d cases run (%d known to crash it not run), same %d, fastmmap "
          "stricter %d, stdlib crashed %d, hook fired in one only %d"
          % (len(stdlib_rows), sum(1 for c in cases if c[0] in STDLIB_HAS) - len(std_cases),
             std_same, std_stricter, std_crash, std_other))
    finish()


class EqHook:
    """``hook in m`` compares every byte with this object (reflected
    __eq__): records the bytes it sees and runs the trigger at a call."""

    def __init__(self, trigger, target):
        self.trigger = trigger
        self.target = target
        self.seen = []

    def __eq__(self, other):
        self.seen.append(other)
        self.trigger()
        return other == self.target

    __hash__ = None


def re_run_contains(mod, action, fire_on, target):
    del HELD[:]
    m = re_make_map(mod)
    trigger = Trigger(m, action, fire_on)
    hook = EqHook(trigger, target)
    got = outcome(lambda: hook in m)
    del HELD[:]
    state = map_state(m)
    return {"got": got, "seen": hook.seen, "fired": trigger.fired,
            "state": state, "size_after": None if m.closed else len(m)}


def scenario_reentrancy_contains():
    """``x in m`` where x.__eq__ closes / resizes the map mid-iteration:
    every byte compared must be the map's current byte at that index."""
    fastmmap = import_fastmmap()
    content = re_content()
    n = 0
    for action in ACTIONS:
        for fire_on in (1, 2, 59, 61, 5999, 6001, RE_SIZE):
            for target in (b"Z", b"\x00"):   # absent / present after growing
                n += 1
                label = "in: %s@call%d target %r" % (action, fire_on, target)
                status, res = forked(re_run_contains, fastmmap, action, fire_on, target)
                if status != "ok":
                    fail("crash: %s: %s %s" % (label, status, res))
                    continue
                seen, got = res["seen"], res["got"]
                # byte i is seen at call i + 1; the action runs during call
                # fire_on, i.e. after byte fire_on - 1 was fetched.
                expect = bytearray(content)
                if res["fired"] and action == "grow":
                    expect += bytes(300000 - len(expect))
                limit = len(expect)
                if res["fired"]:
                    if action == "close":
                        limit = fire_on
                    elif action == "shrink_small":
                        limit = max(fire_on, 60)
                    elif action == "shrink":
                        limit = max(fire_on, 6000)
                found = None
                for i, b in enumerate(seen):
                    if b != bytes(expect[i:i + 1]) or i >= limit:
                        fail("stale read: %s: byte %d seen as %r, map has %r (limit %d)"
                             % (label, i, b, bytes(expect[i:i + 1]), limit))
                        break
                    if b == target:
                        found = i
                        break
                if res["fired"] and action == "close":
                    check(got[0] == "exc" and got[1] == "ValueError" or found is not None,
                          "%s: %r" % (label, got))
                else:
                    check(got == ("ok", found is not None), "%s: got %r, found %r"
                          % (label, got, found))
                    if found is None:
                        check(len(seen) == limit, "%s: saw %d bytes of %d"
                              % (label, len(seen), limit))
    print("contains cases:", n)
    finish()


def scenario_reentrancy_self_buffers():
    """Buffers of the map itself as needle / source / target, with hooks
    that try to close or resize the map meanwhile: the export pins it."""
    fastmmap = import_fastmmap()
    load_numpy()

    def body(action):
        m = re_make_map(fastmmap)
        content = re_content()
        out = []
        view = memoryview(m)
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.find(view[50:53], IndexHook(0, trig))))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.count(view[50:53], 0, IndexHook(RE_SIZE, trig))))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.find_all(view[50:53], IndexHook(0, trig)).tolist())
                   if NUMPY else ("ok", [50, 5000, 12000]))
        trig = Trigger(m, action, 1)
        m.seek(IndexHook(1000, trig))
        out.append(outcome(lambda: m.write(view[0:3000])))     # overlapping
        out.append(m[:] == content[:1000] + content[:3000] + content[4000:])
        m.seek(0)
        out.append(outcome(lambda: m.readinto(view[10:5010])))  # overlapping
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.__setitem__(slice(IndexHook(0, trig), 100), view[1:101])))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.rfind(view[-3:], IndexHook(0, trig))))
        close_held = outcome(m.close)
        view.release()
        del HELD[:]
        # (no gc.collect: 12 ms each with NumPy loaded)
        return out, close_held, outcome(m.close)

    for action in ACTIONS:
        status, res = forked(body, action)
        if status != "ok":
            fail("crash: %s: %s %s" % (action, status, res))
            continue
        out, close_held, close_after = res
        re_content()
        check(out[0] == ("ok", 50), "find own view %s: %r" % (action, out[0]))
        check(out[1] == ("ok", 3), "count own view %s: %r" % (action, out[1]))
        check(out[2] == ("ok", ("array", [50, 5000, 12000])) or out[2] == ("ok", [50, 5000, 12000]),
              "find_all own view %s: %r" % (action, out[2]))
        check(out[3] == ("ok", 3000) and out[4] is True,
              "overlapping write %s: %r" % (action, out[3:5]))
        check(out[5] == ("ok", 5000), "overlapping readinto %s: %r" % (action, out[5]))
        check(out[6] == ("ok", None), "setslice own view %s: %r" % (action, out[6]))
        check(out[7][0] == "ok", "rfind own view %s: %r" % (action, out[7]))
        check(close_held[0] == "exc" and close_held[1] == "BufferError",
              "close with own view held %s: %r" % (action, close_held))
        check(close_after == ("ok", None), "close after %s: %r" % (action, close_after))
    finish()


# --------------------------------------------------------------------------
# 3. Threads
# --------------------------------------------------------------------------

ST_PERIOD = 251                       # a prime: every needle below has one phase
ST_MIN = 512 << 10                    # the map never gets smaller than this ...
ST_MAX = 2 << 20                      # ... nor larger than this
ST_REF = (bytes(range(1, ST_PERIOD + 1)) * (ST_MAX // ST_PERIOD + 1))[:ST_MAX]


class StressRound:
    """One map shared by all threads until the closer closes it.

    Content invariant: byte i is ST_REF[i] for i < ST_MIN always (writers
    only ever write ST_REF's own bytes there, and move() only between equal
    phases), and ST_REF[i] or 0 beyond it (the resizer grows the map -- new
    bytes are zero -- and then fills the new part from ST_REF).  Needles
    contain no zero byte and each occurs exactly at one phase mod 251, so
    every search result inside [0, ST_MIN) is known in advance.
    """

    def __init__(self, fastmmap, kind):
        self.kind = kind
        if kind == "file":
            path = scratch_path("stress")
            with open(path, "wb") as f:
                f.write(ST_REF[:ST_MIN])
            with open(path, "r+b") as f:
                self.m = fastmmap.mmap(f.fileno(), 0)
            os.unlink(path)
        else:
            self.m = fastmmap.mmap(-1, ST_MIN, flags=fastmmap.MAP_PRIVATE)
            self.m[:] = ST_REF[:ST_MIN]
        self.pos_lock = threading.Lock()   # seek + positional op pairs
        self.done = threading.Event()


def st_needle(rng):
    k = rng.choice((1, 2, 3, 7, 16, 100, 250))
    p = rng.randrange(ST_PERIOD)
    return ST_REF[p:p + k], p


def st_positions(p, k, a, b):
    """Offsets j in [a, b - k] with j = p (mod 251)."""
    first = a + (p - a) % ST_PERIOD
    return range(first, b - k + 1, ST_PERIOD)


def st_loose_ok(data, start):
    """Bytes read from offset ``start``: exact below ST_MIN, ST_REF or
    zero (a part being regrown) beyond."""
    exact = max(0, min(len(data), ST_MIN - start))
    if data[:exact] != ST_REF[start:start + exact]:
        return False
    tail = data[exact:]
    ref = ST_REF[start + exact:start + exact + len(tail)]
    if tail == ref:
        return True
    return all(x == y or x == 0 for x, y in zip(tail, ref))


def st_worker(rnd, rng, errors, stats, deadline):
    m = rnd.m
    big = (64 << 10) + 1

    def span(lo=0, hi=ST_MIN, minimum=0):
        a = rng.randrange(lo, hi - minimum)
        if rng.random() < 0.6:
            b = min(hi, a + rng.randrange(minimum, ST_MIN))
        else:
            b = rng.randrange(a + minimum, hi + 1)
        return a, b

    ops = []

    def op(fn):
        ops.append(fn)
        return fn

    @op
    def find():
        needle, p = st_needle(rng)
        a, b = span()
        got = m.find(needle, a, b)
        exp = st_positions(p, len(needle), a, b)
        return got == (exp[0] if exp else -1), (a, b, got)

    @op
    def find_default_end():
        needle, p = st_needle(rng)
        a = rng.randrange(0, ST_MIN - 2 * ST_PERIOD - len(needle))
        got = m.find(needle, a)
        return got == st_positions(p, len(needle), a, ST_MIN)[0], (a, got)

    @op
    def rfind():
        needle, p = st_needle(rng)
        a, b = span()
        got = m.rfind(needle, a, b)
        exp = st_positions(p, len(needle), a, b)
        return got == (exp[-1] if exp else -1), (a, b, got)

    @op
    def count():
        needle, p = st_needle(rng)
        a, b = span()
        got = m.count(needle, a, b)
        return got == len(st_positions(p, len(needle), a, b)), (a, b, got)

    def find_all():
        needle, p = st_needle(rng)
        a, b = span()
        got = m.find_all(needle, a, b).tolist()
        return got == list(st_positions(p, len(needle), a, b)), (a, b, len(got))

    @op
    def big_slice():
        a, b = span(minimum=big)
        return m[a:b] == ST_REF[a:b], (a, b)

    @op
    def slice_beyond():
        a, b = span(0, ST_MAX, big)
        got = m[a:b]
        return st_loose_ok(got, a), (a, b, len(got))

    @op
    def stepped_slice():
        a, b = span()
        step = rng.choice((2, 3, 251, 4096, -1, -7))
        if step < 0:
            a, b = b - 1, (a - 1 if a else None)
        return m[a:b:step] == ST_REF[a:b:step], (a, b, step)

    @op
    def item():
        i = rng.randrange(ST_MIN)
        return m[i] == ST_REF[i], i

    @op
    def setslice():
        a, b = span()
        m[a:b] = ST_REF[a:b]
        return True, None

    @op
    def move():
        n = rng.randrange(0, 300 << 10)
        src = rng.randrange(0, ST_MIN - n)
        dest = src % ST_PERIOD
        dest += ST_PERIOD * rng.randrange(0, (ST_MIN - n - dest) // ST_PERIOD + 1)
        m.move(dest, src, n)
        return True, None

    @op
    def seek_read():
        a, b = span()
        with rnd.pos_lock:
            m.seek(a)
            got = m.read(b - a)
            pos = m.tell()
        return got == ST_REF[a:b] and pos == b, (a, b, pos)

    @op
    def seek_write():
        a, b = span()
        with rnd.pos_lock:
            m.seek(a)
            n = m.write(ST_REF[a:b])
            pos = m.tell()
        return n == b - a and pos == b, (a, b, n, pos)

    @op
    def readline():
        a = rng.randrange(ST_MIN - ST_PERIOD)
        with rnd.pos_lock:
            m.seek(a)
            got = m.readline()
        end = ST_REF.index(b"\n", a) + 1
        return got == ST_REF[a:end], a

    @op
    def readinto():
        a, b = span()
        buf = bytearray(b - a)
        with rnd.pos_lock:
            m.seek(a)
            n = m.readinto(buf)
        return n == b - a and buf == ST_REF[a:b], (a, b, n)

    @op
    def read_byte():
        a = rng.randrange(ST_MIN)
        with rnd.pos_lock:
            m.seek(a)
            got = m.read_byte()
        return got == ST_REF[a], a

    @op
    def lines():
        a, b = span()
        got = list(m.lines(a, b))
        ok = b"".join(got) == ST_REF[a:b] and all(x.endswith(b"\n") for x in got[:-1])
        return ok, (a, b)

    @op
    def export():
        a = rng.randrange(ST_MIN)
        with memoryview(m) as v:
            got = v[a]
            time.sleep(0)
        return got == ST_REF[a], a

    def as_array():
        a, b = span()
        arr = m.as_array(offset=a, shape=b - a)
        got = arr.tobytes()
        del arr
        return got == ST_REF[a:b], (a, b)

    if NUMPY:
        ops += [find_all, as_array]
    while not rnd.done.is_set() and time.monotonic() < deadline:
        fn = rng.choice(ops)
        try:
            ok, detail = fn()
        except ValueError as exc:
            if str(exc) == "mmap closed or invalid":
                stats["closed"] = stats.get("closed", 0) + 1
                return
            errors.append("%s: ValueError %s" % (fn.__name__, exc))
            continue
        except Exception as exc:
            errors.append("%s: %s %s" % (fn.__name__, type(exc).__name__, exc))
            continue
        stats[fn.__name__] = stats.get(fn.__name__, 0) + 1
        if not ok:
            errors.append("%s: wrong result %r" % (fn.__name__, detail))


def st_resizer(rnd, rng, errors, stats, deadline, resize=True):
    m = rnd.m
    while not rnd.done.is_set() and time.monotonic() < deadline:
        try:
            old = len(m)
            new = rng.randrange(ST_MIN, ST_MAX + 1) if resize else old
            try:
                if resize:
                    m.resize(new)
            except BufferError as exc:
                if str(exc) != "mmap can't resize with extant buffers exported.":
                    errors.append("resize: BufferError %s" % exc)
                stats["resize busy"] = stats.get("resize busy", 0) + 1
                time.sleep(0)
                continue
            if resize:
                stats["resize"] = stats.get("resize", 0) + 1
            if new > old:
                m[old:new] = ST_REF[old:new]
            # seeks, also out of range, from any whence
            with rnd.pos_lock:
                for how in (0, 1, 2):
                    for dist in (rng.randrange(-ST_MAX, ST_MAX), -MAXSIZE - 1, MAXSIZE):
                        try:
                            m.seek(dist, how)
                        except ValueError as exc:
                            if str(exc) == "mmap closed or invalid":
                                return
                            if str(exc) != "seek out of range":
                                errors.append("seek: ValueError %s" % exc)
                stats["seeks"] = stats.get("seeks", 0) + 9
        except ValueError as exc:
            if str(exc) == "mmap closed or invalid":
                return
            errors.append("resizer: ValueError %s" % exc)
        except Exception as exc:
            errors.append("resizer: %s %s" % (type(exc).__name__, exc))


def st_closer(rnd, rng, errors, stats, deadline, delay):
    time.sleep(delay)
    m = rnd.m
    while True:
        try:
            m.close()
            break
        except BufferError as exc:
            if str(exc) != "cannot close exported pointers exist":
                errors.append("close: BufferError %s" % exc)
            stats["close busy"] = stats.get("close busy", 0) + 1
            time.sleep(0.0005)
    rnd.done.set()


def scenario_threads(seconds="3", workers="4", resize="resize"):
    """Several threads search, slice, read, write and move on one map
    while others resize, seek and close it; every result is checked against
    the known content and every exception against the expected ones."""
    import random
    fastmmap = import_fastmmap()
    load_numpy()
    seconds = float(seconds)
    workers = int(workers)
    sys.setswitchinterval(1e-4)
    rng = random.Random(int(os.environ.get("FASTMMAP_STRESS_SEED", "0")) or None)
    errors = []
    stats = {}
    deadline = time.monotonic() + seconds
    rounds = 0
    fds = len(os.listdir("/proc/self/fd"))
    while time.monotonic() < deadline:
        rounds += 1
        rnd = StressRound(fastmmap, rng.choice(("file", "anonymous")))
        end = time.monotonic() + 2.0    # a round's hard limit
        threads = [threading.Thread(target=st_worker,
                                    args=(rnd, random.Random(rng.random()), errors, stats, end))
                   for _ in range(workers)]
        threads.append(threading.Thread(target=st_resizer,
                                        args=(rnd, random.Random(rng.random()), errors,
                                              stats, end, resize == "resize")))
        threads.append(threading.Thread(target=st_closer,
                                        args=(rnd, rng, errors, stats, end,
                                              rng.uniform(0.05, 0.5))))
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
            if t.is_alive():
                fail("a thread hangs")
                finish()
        check(rnd.m.closed, "map closed at the end of a round")
    for e in errors[:50]:
        fail(e)
    check(len(os.listdir("/proc/self/fd")) == fds, "descriptors leaked")
    print("rounds:", rounds, "errors:", len(errors))
    print("ops:", ", ".join("%s=%d" % kv for kv in sorted(stats.items())))
    finish()


# --------------------------------------------------------------------------
# 4. Integers and bounds
# --------------------------------------------------------------------------

INT_SIZE = 2 * PAGE + 10
INT_POS = 5
INT_DATA = (b"abc\nxyz\n" * (INT_SIZE // 8 + 1))[:INT_SIZE]
INT_VALUES = [0, 1, -1, 5, INT_SIZE - 1, INT_SIZE, INT_SIZE + 1, PAGE,
              MAXSIZE, MAXSIZE - 1, -MAXSIZE, -MAXSIZE - 1, MAXSIZE + 1,
              -MAXSIZE - 2, 2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63, 2 ** 64,
              -2 ** 64]
#: fewer values for the three-argument products
INT_FEW = [0, 1, -1, 5, INT_SIZE - 1, INT_SIZE + 1, MAXSIZE, -MAXSIZE - 1,
           MAXSIZE + 1, 2 ** 64, -2 ** 64]
SSIZE_RANGE = range(-MAXSIZE - 1, MAXSIZE + 1)


def int_cases():
    V, F = INT_VALUES, INT_FEW
    cases = []
    for a in V:
        for b in V:
            cases += [("find", (b"a", a, b)), ("rfind", (b"yz", a, b)),
                      ("find", (b"", a, b)), ("rfind", (b"", a, b)),
                      ("flush", (a, b)), ("madvise", (stdlib_mmap.MADV_NORMAL, a, b)),
                      ("setitem", (a, b))]
        cases += [("find", (b"c\n", a)), ("read", (a,)), ("getitem", (a,)),
                  ("write_byte", (a,)), ("madvise", (a,)), ("resize", (a,)),
                  ("resize_anon", (a,)), ("anon", (a,)), ("seek", (a,)),
                  ("flush", (a,))]
        for whence in (0, 1, 2, 3, -1, MAXSIZE, 2 ** 64):
            cases.append(("seek", (a, whence)))
        for name in ("fileno", "flags", "prot", "access", "offset"):
            # Which small descriptors are open depends on the process (and
            # the 3.15 outcomes are recorded elsewhere): those are left out.
            if name != "fileno" or not 0 <= a < 1024:
                cases.append(("ctor", (name, a)))
    for a in F:
        for b in F:
            for c in F:
                cases += [("move", (a, b, c)), ("getslice", (a, b, c)),
                          ("setslice", (a, b, c)), ("file", (a, c))]
        cases.append(("getslice", (a, None, None)))
    cases += [("getslice", (None, None, s)) for s in V] + \
             [("setslice", (None, None, s)) for s in V]
    return cases


def int_map(mod, anonymous=False):
    if anonymous:
        m = mod.mmap(-1, INT_SIZE, flags=stdlib_mmap.MAP_PRIVATE)
        m[:] = INT_DATA
    else:
        path = scratch_path("int")
        with open(path, "wb") as f:
            f.write(INT_DATA)
        with open(path, "r+b") as f:
            m = mod.mmap(f.fileno(), 0)
        os.unlink(path)
    m.seek(INT_POS)
    return m


def int_run(mod, kind, args):
    """One call on a fresh map: (outcome, state after)."""
    if kind == "anon":
        res = outcome(lambda: mod.mmap(-1, args[0]).close())
        return res, None
    if kind == "ctor":             # anonymous, one constructor argument varied
        kw = {args[0]: args[1]}
        fileno = kw.pop("fileno", -1)

        def make():
            m = mod.mmap(fileno, PAGE, **kw)
            n = len(m)
            m.close()
            return n
        return outcome(make), None
    if kind == "file":
        path = scratch_path("intf")
        with open(path, "wb") as f:
            f.write(INT_DATA)
        length, offset = args
        with open(path, "r+b") as f:
            res = outcome(lambda: len(mod.mmap(f.fileno(), length, offset=offset)))
        os.unlink(path)
        return res, None
    m = int_map(mod, anonymous=kind == "resize_anon")
    if kind in ("find", "rfind", "read", "write_byte", "madvise", "seek",
                "flush", "move"):
        res = outcome(lambda: getattr(m, kind)(*args))
    elif kind in ("resize", "resize_anon"):
        res = outcome(lambda: m.resize(*args))
        if res[0] == "exc":
            # A failed resize may have truncated the file already (CPython
            # and fastmmap alike): reading the map could fault.
            state = (len(m), m.tell())
            m.close()
            return res, state
        if len(m) > (64 << 20):
            m.resize(INT_SIZE)      # don't hash gigabytes of zeros
            res = ("ok", "huge")
    elif kind == "getitem":
        res = outcome(lambda: m[args[0]])
    elif kind == "setitem":
        res = outcome(lambda: m.__setitem__(args[0], args[1]))
    elif kind == "getslice":
        res = outcome(lambda: m[slice(*args)])
    elif kind == "setslice":
        try:
            n = len(range(INT_SIZE)[slice(*args)])
        except ValueError:      # step 0
            n = 0
        res = outcome(lambda: m.__setitem__(slice(*args), b"Q" * n))
    else:
        raise ValueError(kind)
    state = map_state(m)
    m.close()
    return res, state


def int_extras(fastmmap):
    """fastmmap-only methods: count / find_all / lines follow bytes'
    index rules within Py_ssize_t and raise OverflowError beyond."""
    m = int_map(fastmmap)
    data = m[:]
    V = INT_VALUES
    for sub in (b"a", b"c\nx", b""):
        for a in V:
            for b in V:
                label = "count(%r, %r, %r)" % (sub, a, b)
                got = outcome(lambda: m.count(sub, a, b))
                got_all = (outcome(lambda: m.find_all(sub, a, b)) if NUMPY
                           else None)
                got_lines = outcome(lambda: b"".join(m.lines(a, b)))
                if a in SSIZE_RANGE and b in SSIZE_RANGE:
                    exp = data.count(sub, a, b)
                    check(got == ("ok", exp), "%s: %r, bytes.count says %d" % (label, got, exp))
                    if got_all is None:
                        pass
                    elif got_all[0] == "ok":
                        offs = got_all[1][1]
                        check(len(offs) == exp and all(data.startswith(sub, o) for o in offs)
                              and all(y - x >= max(len(sub), 1)
                                      for x, y in zip(offs, offs[1:])),
                              "find_all%s: %r" % (label[5:], got_all))
                    else:
                        fail("find_all%s: %r" % (label[5:], got_all))
                    check(got_lines == ("ok", data[a:b]),
                          "lines(%r, %r): %r" % (a, b, got_lines))
                else:
                    for what, o in (("count", got), ("find_all", got_all),
                                    ("lines", got_lines)):
                        if o is None:
                            continue
                        check(o[0] == "exc" and o[1] == "OverflowError",
                              "%s with %r, %r: %r" % (what, a, b, o))
    for off in V if NUMPY else ():
        for shape in V + [None, (2, MAXSIZE), (MAXSIZE, MAXSIZE), (0, MAXSIZE + 1)]:
            got = outcome(lambda: m.as_array(offset=off, shape=shape).tobytes())
            ok = got[0] == "ok" or got[1] in ("ValueError", "OverflowError", "TypeError")
            if got[0] == "ok":
                ok = off in range(INT_SIZE + 1) and got[1] == data[off:off + len(got[1])]
            check(ok, "as_array(offset=%r, shape=%r): %r" % (off, shape, got))
    m.close()


def int_label(kind, args):
    return "%s%r" % (kind, args)


def as_record(value):
    """A result as the JSON record holds it (and gives back): tuples, with
    bytes as ("bytes", hex)."""
    if isinstance(value, bytes):
        return ("bytes", value.hex())
    if isinstance(value, (list, tuple)):
        return tuple(as_record(v) for v in value)
    return value


def record_integer_cases():
    """{label: (status, result)} of every integer case on the stdlib: what
    record_cpython315.py stores for older interpreters."""
    cases = int_cases()
    std = forked_many(int_run, [(stdlib_mmap, k, a) for k, a in cases], timeout=300)
    return {int_label(k, a): as_record(s) for (k, a), s in zip(cases, std)}


def scenario_integers():
    """Every integer case on fastmmap against CPython 3.15's stdlib: run
    live on 3.15, else the record (cpython315.py)."""
    from cpython315 import IS_315, ORACLE
    fastmmap = import_fastmmap()
    load_numpy()
    cases = int_cases()
    fast = forked_many(int_run, [(fastmmap, k, a) for k, a in cases], timeout=300)
    if IS_315:
        spec = record_integer_cases()
        reason = ORACLE.unusable_reason()
        if reason is None:
            recorded = ORACLE.integers()
            stale = sorted(k for k, v in spec.items() if recorded.get(k) != v)
            check(not stale, "the CPython 3.15 record of the integer cases is "
                  "stale (run record_cpython315.py): %d differ, e.g. %s" % (
                      len(stale), "; ".join("%s: recorded %r, live %r" % (
                          k, recorded.get(k), spec[k]) for k in stale[:3])))
    else:
        reason = ORACLE.unusable_reason()
        if reason:
            print("SKIP", reason)
            finish()
        spec = ORACLE.integers()
    ndiff = nstd_crash = 0
    for (kind, args), f in zip(cases, fast):
        label = int_label(kind, args)
        f = as_record(f)
        if label not in spec:
            fail("%s is not in the CPython 3.15 record" % label)
            continue
        s = spec[label]
        if f[0] != "ok":
            fail("fastmmap %s: %s %s" % (label, f[0], f[1][-300:]))
            continue
        if s[0] != "ok":
            nstd_crash += 1
            print("stdlib %s: %s %s" % (label, s[0], s[1][-200:]))
            continue
        (f_res, f_state), (s_res, s_state) = f[1], s[1]
        same = f_res == s_res
        if same and f_res[0] == "ok":
            same = f_state == s_state
        if not same:
            ndiff += 1
            fail("%s: fastmmap %r %r, stdlib %r %r" % (label, f_res, f_state, s_res, s_state))
    status, res = forked(int_extras, fastmmap, timeout=300)
    if status != "ok":
        fail("extras: %s %s" % (status, res[-2000:]))
    print("integer cases:", len(cases), "differences:", ndiff,
          "stdlib crashes:", nstd_crash)
    finish()


# --------------------------------------------------------------------------
# 5. Big files
# --------------------------------------------------------------------------

G4 = 1 << 32


def scenario_bigfile(path):
    """A sparse 5 GiB file: markers around 4 GiB and at the end, read,
    written and searched through a whole-file map, a map at an offset past
    4 GiB and an unaligned fastmmap.open() map."""
    fastmmap = import_fastmmap()
    load_numpy()
    size = 5 << 30
    marks = {G4 - 3: b"<4G|cross>", G4 + 7: b"[past 4G]", G4 + (1 << 29): b"{mid}",
             size - 9: b"the end!\n"}
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.ftruncate(fd, size)
        for at, data in marks.items():
            os.pwrite(fd, data, at)
        m = fastmmap.mmap(fd, 0)
        check(len(m) == size and m.size() == size, "length %d" % len(m))
        for at, data in marks.items():
            check(m[at:at + len(data)] == data, "slice at %d" % at)
            check(m[at] == data[0], "item at %d" % at)
            check(m[at - size] == data[0], "negative item at %d" % at)
        check(m[-9:] == b"the end!\n", "tail slice")
        check(m[G4 - 3:G4 + 7:2] == b"<4G|cross>"[::2], "stepped slice across 4 GiB")
        check(m[size - 1:size - 10:-1] == b"\n!dne eht", "reversed slice from the end")
        check(m[G4 + 6:G4 - 4:-3] == b">o|<", "reversed stepped slice across 4 GiB")
        # searches that start past 4 GiB (ranges kept to tens of MiB: every
        # page read from a hole costs a page-cache page)
        near = G4 - (8 << 20)
        check(m.find(b"<4G|", near) == G4 - 3, "find across 4 GiB")
        check(m.find(b"cross>", G4 - 3) == G4 + 1, "find start just below 4 GiB")
        check(m.find(b"[past", G4 + 1, G4 + (16 << 20)) == G4 + 7, "find start past 4 GiB")
        check(m.find(b"<4G|", G4 + 1, G4 + (16 << 20)) == -1, "find misses the earlier hit")
        check(m.find(b"the end", size - (32 << 20)) == size - 9, "find near the end")
        check(m.find(b"the end", -(32 << 20)) == size - 9, "find negative start")
        check(m.rfind(b"4G", near, G4 + (16 << 20)) == G4 + 13, "rfind past 4 GiB")
        check(m.rfind(b"4G", near, G4 + 13) == G4 - 2, "rfind across 4 GiB")
        check(m.rfind(b"end", size - (32 << 20)) == size - 5, "rfind near the end")
        check(m.rfind(b"{mid}", G4 + (1 << 29) - (20 << 20), G4 + (1 << 29) + 5)
              == G4 + (1 << 29), "rfind mid")
        check(m.count(b"e", size - (32 << 20)) == 2, "count near the end")
        check(m.count(b"s", near, G4 + (16 << 20)) == 3, "count across 4 GiB")
        check(m.count(b"s", G4 + 5, G4 + (16 << 20)) == 2, "count from past 4 GiB")
        check(m.count(b"", size - 10, size) == 11, "count empty near the end")
        if NUMPY:
            check(m.find_all(b"e", size - (32 << 20)).tolist() == [size - 7, size - 5],
                  "find_all near the end")
        check(list(m.lines(size - 30)) == [bytes(21) + b"the end!\n"], "lines near the end")
        check(list(m.lines(G4 - 3, G4 + 20)) == [b"<4G|cross>[past 4G]\0\0\0\0"],
              "lines across 4 GiB")
        check(m.seek(0, 2) == size and m.tell() == size, "seek end")
        m.seek(G4 - 3)
        check(m.read(10) == b"<4G|cross>" and m.tell() == G4 + 7, "read across 4 GiB")
        check(m.read_byte() == ord("["), "read_byte past 4 GiB")
        m.seek(size - 9)
        check(m.readline() == b"the end!\n" and m.readline() == b"", "readline at the end")
        buf = bytearray(10)
        m.seek(G4 - 3)
        check(m.readinto(buf) == 10 and buf == b"<4G|cross>", "readinto across 4 GiB")
        # writes near the end, and across 4 GiB
        m[size - 1] = ord("?")
        m.seek(size - 20)
        m.write(b"WRITTEN")
        m.write_byte(ord("."))
        m[G4 - 1:G4 + 1] = b"@@"
        m[G4 + 100:G4 + 110:3] = b"wxyz"
        m.move(G4 - 50, size - 20, 8)           # from the end to below 4 GiB
        m.move(size - 40, G4 - 3, 10)           # from across 4 GiB to the end
        m.flush(size - (size % PAGE) - PAGE, PAGE + size % PAGE)
        m.flush()
        check(os.pread(fd, 20, size - 20) == b"WRITTEN.\0\0\0the end!?", "pwrite view of the end")
        check(os.pread(fd, 10, G4 - 3) == b"<4@@cross>", "write across 4 GiB")
        check(os.pread(fd, 10, G4 + 100) == b"w\0\0x\0\0y\0\0z", "stepped write past 4 GiB")
        check(os.pread(fd, 8, G4 - 50) == b"WRITTEN.", "move down")
        check(os.pread(fd, 10, size - 40) == b"<4@@cross>", "move up")
        # a map at an offset past 4 GiB
        off = G4 + 3 * GRAN
        m2 = fastmmap.mmap(fd, 0, offset=off)
        check(len(m2) == size - off, "offset map length")
        check(m2[-9:] == b"the end!?", "offset map tail")
        check(m2.find(b"the end", len(m2) - (16 << 20)) == size - 9 - off, "offset map find")
        check(m2.rfind(b"WRITTEN") == size - 20 - off, "offset map rfind")
        m2[len(m2) - 12] = ord("#")
        check(m[size - 12] == ord("#"), "write through the offset map")
        m2.close()
        m3 = fastmmap.mmap(fd, 2 * GRAN, offset=G4 - GRAN)
        check(m3[GRAN - 3:GRAN + 7] == b"<4@@cross>", "offset map across 4 GiB")
        m3.close()
        # fastmmap.open with an unaligned offset past 4 GiB
        m4 = fastmmap.open(path, "r", offset=G4 + 7, length=100)
        check(m4[:9] == b"[past 4G]" and len(m4) == 100, "open() unaligned past 4 GiB")
        m4.close()
        m5 = fastmmap.open(path, "r", offset=size - 9)
        check(m5[:] == b"the end!?" and len(m5) == 9, "open() at the end")
        m5.close()
        m.close()
    finally:
        os.close(fd)
        os.unlink(path)
    finish()


def scenario_bigmap():
    """A 5 GiB anonymous map: searches and counts across 4 GiB in one
    GIL-free kernel call, 64-bit counts."""
    fastmmap = import_fastmmap()
    load_numpy()
    size = 5 << 30
    m = fastmmap.mmap(-1, size, flags=fastmmap.MAP_PRIVATE)
    try:
        m.madvise(fastmmap.MADV_HUGEPAGE)   # the huge zero page: fast reads
    except (AttributeError, OSError):
        pass
    check(m.count(b"\0") == size, "count of zero bytes (> 2**32)")
    check(m.find(b"\1") == -1, "find nothing in 5 GiB")
    m[G4 + 7] = 1
    m[size - 1] = 2
    check(m.find(b"\1") == G4 + 7, "find past 4 GiB from 0")
    check(m.find(b"\0\1") == G4 + 6, "find 2 bytes past 4 GiB")
    check(m.rfind(b"\1") == G4 + 7, "rfind")
    check(m.rfind(b"\1\0") == G4 + 7, "rfind 2 bytes")
    check(m.count(b"\1") == 1 and m.count(b"\2", G4) == 1, "count")
    check(m.count(b"\0", G4) == size - G4 - 2, "count from 4 GiB")
    if NUMPY:
        check(m.find_all(b"\1").tolist() == [G4 + 7], "find_all")
    check(m.find(b"\2", G4 + 8) == size - 1, "find from past 4 GiB to the end")
    check(m.find(b"\1", -size) == G4 + 7 and m.find(b"\1", 0, G4 + 7) == -1, "find bounds")
    m.close()
    finish()


# --------------------------------------------------------------------------
# 6. Resources
# --------------------------------------------------------------------------

def proc_counts():
    fds = len(os.listdir("/proc/self/fd"))
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    with open("/proc/self/statm") as f:
        statm = f.read().split()
    return fds, maps, int(statm[1]) * PAGE, int(statm[0]) * PAGE


def scenario_resources(cycles="100000"):
    """Open / use / close cycles of every kind of map; descriptors,
    mappings and RSS stay flat."""
    fastmmap = import_fastmmap()
    load_numpy()
    cycles = int(cycles)
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "res")
    data = (b"line of text\n" * 1000)[:3 * PAGE + 11]
    with open(path, "wb") as f:
        f.write(data)
    fd = os.open(path, os.O_RDWR)
    short = os.path.join(tmp, "short")
    sfd = os.open(short, os.O_RDWR | os.O_CREAT)

    def use(m):
        m.find(b"text")
        m.count(b"\n", 0, 100)
        m[5:10]
        m.seek(3)
        m.read(7)

    def file_map():
        m = fastmmap.mmap(fd, 0)
        use(m)
        m[0] = ord("l")
        m.close()

    def anon_shared():
        m = fastmmap.mmap(-1, 3 * PAGE)
        m[:4] = b"abcd"
        use(m)
        m.close()

    def anon_private_resize():
        m = fastmmap.mmap(-1, PAGE, flags=fastmmap.MAP_PRIVATE)
        m.resize(5 * PAGE)
        m[-1] = 1
        m.resize(PAGE + 1)
        m.close()

    def read_only():
        with fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_READ) as m:
            use(m)

    def copy_map():
        m = fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_COPY)
        m[:5] = b"xxxxx"
        m.close()

    def memoryview_export():
        m = fastmmap.mmap(fd, 0)
        v = memoryview(m)
        v[1]
        try:
            m.close()
        except BufferError:
            pass
        v.release()
        m.close()

    def numpy_export():
        m = fastmmap.mmap(fd, 0)
        if NUMPY:
            a = m.as_array()
            a[:3].sum()
            del a
            m.find_all(b"text")
        m.close()

    def refcount_dealloc():
        m = fastmmap.mmap(fd, 0)
        use(m)
        del m

    def garbage_collected():
        m = fastmmap.mmap(fd, 0)
        cycle = [m, memoryview(m)]
        cycle.append(cycle)

    def notrack():
        m = fastmmap.mmap(fd, 0, trackfd=False)
        use(m)
        m.close()

    def open_unaligned():
        m = fastmmap.open(path, "r+", offset=5)
        use(m)
        m.close()

    def open_empty_range():
        m = fastmmap.open(path, "r", offset=len(data))
        m.find(b"x")
        m.close()

    def iterators():
        m = fastmmap.mmap(fd, 0)
        it = m.lines()
        next(it)
        it2 = iter(m)
        next(it2)
        try:
            m.close()
        except BufferError:
            pass
        m.close()
        for it_ in (it, it2):
            try:
                next(it_)
            except ValueError:
                pass

    def failing_constructors():
        for args, kw in (((fd, 0), {"offset": 1}),            # EINVAL after the dup
                         ((fd, 10 ** 9), {}),                 # longer than the file
                         ((fd, 0), {"access": 7}),
                         ((-1, -1), {})):
            try:
                fastmmap.mmap(*args, **kw)
            except (OSError, ValueError, OverflowError):
                pass
        for bad in (os.path.join(tmp, "missing"), tmp):
            try:
                fastmmap.open(bad)
            except OSError:
                pass

    def faulting():
        os.ftruncate(sfd, 2 * PAGE)
        m = fastmmap.mmap(sfd, 0)
        os.ftruncate(sfd, PAGE)
        for fn in (lambda: m[PAGE:], lambda: m.find(b"x"), lambda: m[PAGE + 1]):
            try:
                fn()
            except OSError:
                pass
        m.close()

    kinds = [file_map, anon_shared, anon_private_resize, read_only, copy_map,
             memoryview_export, numpy_export, refcount_dealloc, garbage_collected,
             notrack, open_unaligned, open_empty_range, iterators,
             failing_constructors, faulting]
    warmup = max(len(kinds) * 20, cycles // 10)
    start = time.monotonic()
    for i in range(warmup):
        kinds[i % len(kinds)]()
    gc.collect()
    before = proc_counts()
    for i in range(cycles):
        kinds[i % len(kinds)]()
    gc.collect()
    after = proc_counts()
    elapsed = time.monotonic() - start
    print("cycles: %d (+%d warm-up) in %.1fs; fds %d -> %d, maps %d -> %d, "
          "rss %.1f -> %.1f MiB, virtual %.1f -> %.1f MiB"
          % (cycles, warmup, elapsed, before[0], after[0], before[1], after[1],
             before[2] / 2 ** 20, after[2] / 2 ** 20, before[3] / 2 ** 20,
             after[3] / 2 ** 20))
    check(after[0] == before[0], "descriptors: %d -> %d" % (before[0], after[0]))
    check(after[1] <= before[1] + 3, "mappings: %d -> %d" % (before[1], after[1]))
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        print("under ASan: RSS not checked (its quarantine keeps freed memory)")
    else:
        check(after[2] <= before[2] + (8 << 20),
              "RSS grew by %d bytes" % (after[2] - before[2]))
    # leaked maps that were never touched show up here (adjacent anonymous
    # ones may merge into one line of /proc/self/maps)
    check(after[3] <= before[3] + (16 << 20),
          "virtual size grew by %d bytes" % (after[3] - before[3]))
    os.close(fd)
    os.close(sfd)
    finish()


def scenario_fork():
    """A forked child writes to and closes inherited maps; the parent's
    maps stay open and see the child's writes exactly when they are
    shared."""
    fastmmap = import_fastmmap()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "fork")
    with open(path, "wb") as f:
        f.write(b"." * (2 * PAGE))
    fd = os.open(path, os.O_RDWR)
    maps = {
        "shared file": (fastmmap.mmap(fd, 0), True),
        "copy file": (fastmmap.mmap(fd, 0, access=fastmmap.ACCESS_COPY), False),
        "shared anonymous": (fastmmap.mmap(-1, 2 * PAGE), True),
        "private anonymous": (fastmmap.mmap(-1, 2 * PAGE, flags=fastmmap.MAP_PRIVATE), False),
        "open r+": (fastmmap.open(path, "r+", offset=PAGE + 3), True),
    }
    for _name, (m, _) in maps.items():
        m[:8] = b"parent.."
    view = memoryview(maps["shared file"][0])    # an export inherited too
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            view.release()
            for _name, (m, _) in maps.items():
                m[:8] = b"child..."
                m.seek(20)
                m.write(b"CHILD")
                m.close()
                if not m.closed:
                    code = 3
            # the child's own new map works too
            with fastmmap.mmap(-1, PAGE) as m:
                m[0] = 1
        except BaseException:
            traceback.print_exc()
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
          "child status %r" % status)
    for name, (m, shared) in maps.items():
        check(not m.closed, "%s still open in the parent" % name)
        if name == "open r+":
            # the same file as the shared file map, one page further on
            expected = b"child..." if shared else b"parent.."
        else:
            expected = b"child..." if shared else b"parent.."
        check(m[:8] == expected, "%s: parent sees %r, expected %r" % (name, m[:8], expected))
        check((m[20:25] == b"CHILD") == shared, "%s: write() at 20: %r" % (name, m[20:25]))
        check(m.tell() == 0, "%s: the parent's position is its own" % name)
        m[100] = ord("p")           # still writable and mapped
    with open(path, "rb") as f:
        content = f.read()
    check(content[:8] == b"child..." and content[PAGE + 3:PAGE + 11] == b"child...",
          "file content after the child")
    try:
        maps["shared file"][0].close()
        fail("close with the inherited export still held in the parent")
    except BufferError:
        pass
    view.release()
    for _name, (m, _) in maps.items():
        m.close()
    os.close(fd)
    finish()


# --------------------------------------------------------------------------
# 7. Fuzz
# --------------------------------------------------------------------------

#: fastmmap bug (see test_reliability.py, test_setslice_index_closes_on_second_call):
FUZZ_ALLOWED = (TypeError, ValueError, IndexError, OverflowError, BufferError,
                OSError, StopIteration)


class FuzzHolder:
    """The map of the current example, for hooks made before it exists."""
    m = None


class FuzzHook:
    """Runs ACTIONS[action] on the current map at its fire_on-th call."""

    def __init__(self, action, fire_on):
        self.action, self.fire_on, self.calls = action, fire_on, 0

    def called(self):
        self.calls += 1
        if self.calls == self.fire_on and FuzzHolder.m is not None:
            try:
                ACTIONS[self.action](FuzzHolder.m)
            except Exception:
                pass


class FuzzIndex(FuzzHook):
    def __init__(self, value, action, fire_on):
        super().__init__(action, fire_on)
        self.value = value

    def __index__(self):
        self.called()
        return self.value

    def __repr__(self):
        return "FuzzIndex(%r, %r, fire_on=%d)" % (self.value, self.action, self.fire_on)


class FuzzBuffer(FuzzHook):
    def __init__(self, data, action, fire_on):
        super().__init__(action, fire_on)
        self.data = data

    def __buffer__(self, flags):
        self.called()
        return memoryview(self.data)

    def __release_buffer__(self, view):
        view.release()

    def __repr__(self):
        return "FuzzBuffer(%r, %r, fire_on=%d)" % (self.data, self.action, self.fire_on)


class FuzzEq(FuzzHook):
    def __eq__(self, other):
        self.called()
        return False

    __hash__ = None

    def __repr__(self):
        return "FuzzEq(%r, fire_on=%d)" % (self.action, self.fire_on)


class FitSlice:
    """Placeholder for a value exactly as long as the slice it is assigned
    to (worked out from the hooks' values, without calling them)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return "FitSlice(%r)" % self.kind


def fuzz_fit(m, sl, kind):
    def raw(x):
        if isinstance(x, FuzzIndex):
            x = x.value
        return x if x is None or isinstance(x, int) else None
    try:
        n = len(range(len(m))[slice(raw(sl.start), raw(sl.stop), raw(sl.step))])
    except (ValueError, TypeError, OverflowError):
        n = 0
    data = bytes(b"0123456789"[i % 10] for i in range(n))
    return bytearray(data) if kind == "bytearray" else data


class SelfView:
    """Placeholder for memoryview(m)[start:stop], made at call time."""

    def __init__(self, start, stop, as_bytearray=False):
        self.start, self.stop, self.as_bytearray = start, stop, as_bytearray

    def __repr__(self):
        return "SelfView(%r, %r, bytearray=%r)" % (self.start, self.stop, self.as_bytearray)


FUZZ_METHODS = ["find", "rfind", "count", "find_all", "lines", "read", "read_byte",
                "readline", "readinto", "write", "write_byte", "seek", "tell",
                "size", "flush", "madvise", "move", "resize", "getitem", "setitem",
                "delitem", "len", "iter", "reversed", "contains", "as_array",
                "close", "memoryview", "repr", "exit"]


def fuzz_methods():
    return [name for name in FUZZ_METHODS
            if NUMPY or name not in ("find_all", "as_array")]


def fuzz_strategies():
    from hypothesis import strategies as st
    size_ints = st.integers(-3 * PAGE - 3, 3 * PAGE + 3)
    extremes = st.sampled_from([MAXSIZE, -MAXSIZE - 1, MAXSIZE + 1, -MAXSIZE - 2,
                                2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63, 2 ** 64,
                                -2 ** 64, 2 ** 100, 255, 256, -1, 0, 1])
    ints = st.one_of(size_ints, extremes)
    actions = st.sampled_from(sorted(ACTIONS))
    fire = st.integers(1, 3)
    junk = st.sampled_from([None, 1.5, float("nan"), float("inf"), "str", "",
                            object(), [1], (1, 2), {}, True, 1j, b"", slice(None)])
    data = st.binary(max_size=40).map(lambda b: bytes(b"ab\n\0"[c % 4] for c in b))
    buffers = st.one_of(
        data, data.map(bytearray), data.map(memoryview),
        st.builds(SelfView, size_ints, size_ints, st.booleans()))
    if HAVE_BUFFER_HOOK:
        buffers = st.one_of(buffers, st.builds(FuzzBuffer, data.map(bytearray),
                                               actions, fire))
    hooks = st.builds(FuzzIndex, ints, actions, fire)
    slices = st.builds(slice, st.one_of(st.none(), ints, hooks),
                       st.one_of(st.none(), ints, hooks),
                       st.one_of(st.none(), ints, hooks,
                                 st.sampled_from([0, 1, -1, 2, MAXSIZE, -MAXSIZE - 1])))
    args = st.one_of(ints, hooks, buffers, junk, slices,
                     st.builds(FuzzEq, actions, fire))
    step = st.one_of(
        st.tuples(st.sampled_from(fuzz_methods()), st.lists(args, max_size=4)),
        # slice assignments of the right length, so that they get past the
        # first length check and reach the re-checks
        st.tuples(st.just("setitem"),
                  st.tuples(slices, st.builds(FitSlice, st.sampled_from(["bytes", "bytearray"])))
                  .map(list)))
    kind = st.sampled_from(["file", "read", "copy", "anon", "anon_private", "open", "open_c"])
    return st.tuples(kind, st.integers(0, 3 * PAGE + 1), st.lists(step, min_size=1, max_size=12))


def fuzz_make_map(fastmmap, kind, size):
    size = max(size, 1)
    if kind.startswith("anon"):
        flags = fastmmap.MAP_PRIVATE if kind == "anon_private" else fastmmap.MAP_SHARED
        m = fastmmap.mmap(-1, size, flags=flags)
        m[:] = (b"ab\n\0xyz" * size)[:size]
        return m
    path = scratch_path("fuzz")
    with open(path, "wb") as f:
        f.write((b"ab\n\0xyz" * size)[:size])
    if kind in ("open", "open_c"):
        m = fastmmap.open(path, "r+" if kind == "open" else "c", offset=min(3, size))
    else:
        access = {"file": fastmmap.ACCESS_WRITE, "read": fastmmap.ACCESS_READ,
                  "copy": fastmmap.ACCESS_COPY}[kind]
        with open(path, "r+b") as f:
            m = fastmmap.mmap(f.fileno(), 0, access=access)
    os.unlink(path)
    return m


def fuzz_resolve(m, arg, views):
    if isinstance(arg, SelfView):
        try:
            v = memoryview(m)[arg.start:arg.stop]
        except (ValueError, BufferError):
            return b"closed"
        views.append(v)
        return bytearray(v) if arg.as_bytearray else v
    return arg


def fuzz_call(m, method, args):
    if method in ("find", "rfind", "count", "find_all", "read", "readinto", "write",
                  "write_byte", "seek", "flush", "madvise", "move", "resize"):
        if method == "resize":
            # no gigabyte files: huge sizes (failing ones) stay
            args = [2 ** 62 if isinstance(a, int) and (16 << 20) < a < 2 ** 62 else a
                    for a in args]
        r = getattr(m, method)(*args)
        if method == "find_all":
            r = r.tolist()
        return r
    if method == "lines":
        return [line for line, _ in zip(m.lines(*args[:2]), range(5))]
    if method in ("read_byte", "readline", "tell", "size", "close", "repr"):
        return repr(m) if method == "repr" else getattr(m, method)(*args)
    if method == "getitem":
        return m[args[0] if args else 0]
    if method == "setitem":
        args = (args + [0, 0])[:2]
        if isinstance(args[1], FitSlice):
            args[1] = fuzz_fit(m, args[0], args[1].kind) if isinstance(args[0], slice) else 0
        return m.__setitem__(*args)
    if method == "delitem":
        del m[args[0] if args else 0]
    if method == "len":
        return len(m)
    if method == "iter":
        return [b for b, _ in zip(iter(m), range(3))]
    if method == "reversed":
        return [b for b, _ in zip(reversed(m), range(3))]
    if method == "contains":
        return (args[0] if args else b"a") in m
    if method == "as_array":
        return m.as_array(*args).tobytes()
    if method == "memoryview":
        with memoryview(m) as v:
            return v[:4].tobytes()
    if method == "exit":
        return m.__exit__(*args)
    raise AssertionError(method)


def fuzz_example(fastmmap, kind, size, steps):
    """Runs in a forked child: returns a list of problems."""
    problems = []
    m = fuzz_make_map(fastmmap, kind, size)
    FuzzHolder.m = m
    for method, args in steps:
        views = []
        try:
            args = [fuzz_resolve(m, a, views) for a in args]
            try:
                fuzz_call(m, method, args)
            except FUZZ_ALLOWED:
                pass
            except Exception as exc:
                problems.append("%s%r raised %s: %s" % (method, tuple(args),
                                                        type(exc).__name__, exc))
        finally:
            for v in views:
                v.release()
        del HELD[:]
        # the map stays usable
        if not m.closed:
            try:
                data = m[:]
                if len(data) != len(m):
                    problems.append("after %s: len %d, m[:] has %d" % (method, len(m), len(data)))
            except OSError:
                pass            # a failed resize may have truncated the file
            if m.tell() < 0:
                problems.append("after %s: tell() %d" % (method, m.tell()))
    del HELD[:]
    FuzzHolder.m = None
    try:
        m.close()
    except Exception as exc:
        problems.append("final close: %r" % exc)
    return problems


def scenario_fuzz(examples="200"):
    fastmmap = import_fastmmap()
    load_numpy()
    from hypothesis import HealthCheck, given, settings
    examples = int(examples)
    seen = {"examples": 0}

    @settings(max_examples=examples, database=None, deadline=None,
              derandomize=not os.environ.get("FASTMMAP_FUZZ_RANDOM"),
              suppress_health_check=list(HealthCheck))
    @given(fuzz_strategies())
    def run(example):
        kind, size, steps = example
        seen["examples"] += 1
        status, res = forked(fuzz_example, fastmmap, kind, size, steps, timeout=60)
        assert status == "ok", "%s: %s" % (status, res)
        assert res == [], res

    try:
        run()
    except Exception:
        fail("fuzz: " + traceback.format_exc()[-6000:])
    print("fuzz examples run: %d" % seen["examples"])
    finish()


# --------------------------------------------------------------------------

if __name__ == "__main__":
    name = sys.argv[1]
    globals()["scenario_" + name](*sys.argv[2:])
