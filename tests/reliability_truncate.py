"""Truncated files: a SIGBUS from a file truncated under a map becomes
OSError (EFAULT) in every method, and what happens without fastmmap.
"""
import errno
import faulthandler
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from reliability import PAGE, have_numpy, import_fastmmap, load_numpy
from support import check, fail, finish

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
    m, base = _truncate_map(fastmmap, kind, fd, path)
    writable = kind != "read"
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
    ops = _lost_accesses(m, lost, kept, writable)
    for name, fn in ops:
        _expect_efault(name, fn)
    _check_no_fault(fastmmap, m)
    # The process survives and the backed part keeps working.
    _check_backed_part(m, pattern, kind, base, kept, writable)
    # Regrow the file: the pages are backed again (zeros).
    os.ftruncate(fd, TRUNC_SIZE)
    check(m[lost] == 0, "regrown page reads as zero")
    check(m[:kept] == bytes(m[:kept]), "still consistent")
    m.close()
    os.close(fd)
    print("faults checked:", len(ops))
    finish()


def _truncate_map(fastmmap, kind, fd, path):
    """(the map of the ``kind`` scenario_truncate takes, the file offset of
    its first byte)."""
    base = 0              # file offset of m[0]
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
    return m, base


def _lost_accesses(m, lost, kept, writable):
    """(name, call) of every access to the lost pages of m: each must raise
    OSError(EFAULT)."""
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
    if have_numpy():
        ops.append(("find_all", lambda: m.find_all(b"a")))
    return ops


def _check_no_fault(fastmmap, m):
    """Calls that do not access the lost pages must not fault (they may
    raise an OSError of their own, never die)."""
    for name, fn in [("flush", m.flush), ("size", m.size), ("tell", m.tell),
                     ("madvise", lambda: m.madvise(fastmmap.MADV_NORMAL)),
                     ("len", lambda: len(m)), ("repr", lambda: repr(m))]:
        try:
            fn()
        except OSError:
            pass
        except Exception as exc:
            fail("%s raised %s: %s" % (name, type(exc).__name__, exc))


def _check_backed_part(m, pattern, kind, base, kept, writable):
    """The bytes of m the file still backs read, search and write as
    before the truncation."""
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
    if have_numpy():
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


def _truncated_map(fastmmap, size, keep):
    """A fastmmap map of a new file of ``size`` bytes, which is then
    truncated to ``keep`` bytes under it."""
    path = os.path.join(tempfile.mkdtemp(), "f")
    with open(path, "wb") as f:
        f.write(b"x" * size)
    fd = os.open(path, os.O_RDWR)
    m = fastmmap.mmap(fd, 0)
    os.ftruncate(fd, keep)
    return m


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
        view = memoryview(_truncated_map(fastmmap, 4 * PAGE, 0))
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
            m = _truncated_map(fastmmap, 4 * PAGE, PAGE)
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
