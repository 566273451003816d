"""Threads: workers scanning, reading and writing one map while others
resize and close it.
"""
import os
import sys
import threading
import time

from reliability import MAXSIZE, have_numpy, import_fastmmap, load_numpy, scratch_path
from support import check, fail, finish

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


class StressOps:
    """The calls a stress worker makes on the round's map, each checked
    against ST_REF: every one returns (ok, detail)."""

    BIG = (64 << 10) + 1            # past the GIL-free threshold

    def __init__(self, rnd, rng):
        self.rnd, self.m, self.rng = rnd, rnd.m, rng

    def all(self):
        ops = [self.find, self.find_default_end, self.rfind, self.count,
               self.big_slice, self.slice_beyond, self.stepped_slice, self.item,
               self.setslice, self.move, self.seek_read, self.seek_write,
               self.readline, self.readinto, self.read_byte, self.lines,
               self.export]
        if have_numpy():
            ops += [self.find_all, self.as_array]
        return ops

    def span(self, lo=0, hi=ST_MIN, minimum=0):
        rng = self.rng
        a = rng.randrange(lo, hi - minimum)
        if rng.random() < 0.6:
            b = min(hi, a + rng.randrange(minimum, ST_MIN))
        else:
            b = rng.randrange(a + minimum, hi + 1)
        return a, b

    def search(self, method):
        """method(needle, a, b) on a random needle and span: (a, b, the
        answer, the needle's positions in [a, b))."""
        needle, p = st_needle(self.rng)
        a, b = self.span()
        return a, b, method(needle, a, b), st_positions(p, len(needle), a, b)

    def find(self):
        a, b, got, exp = self.search(self.m.find)
        return got == (exp[0] if exp else -1), (a, b, got)

    def find_default_end(self):
        needle, p = st_needle(self.rng)
        a = self.rng.randrange(0, ST_MIN - 2 * ST_PERIOD - len(needle))
        got = self.m.find(needle, a)
        return got == st_positions(p, len(needle), a, ST_MIN)[0], (a, got)

    def rfind(self):
        a, b, got, exp = self.search(self.m.rfind)
        return got == (exp[-1] if exp else -1), (a, b, got)

    def count(self):
        a, b, got, exp = self.search(self.m.count)
        return got == len(exp), (a, b, got)

    def find_all(self):
        a, b, got, exp = self.search(self.m.find_all)
        got = got.tolist()
        return got == list(exp), (a, b, len(got))

    def big_slice(self):
        a, b = self.span(minimum=self.BIG)
        return self.m[a:b] == ST_REF[a:b], (a, b)

    def slice_beyond(self):
        a, b = self.span(0, ST_MAX, self.BIG)
        got = self.m[a:b]
        return st_loose_ok(got, a), (a, b, len(got))

    def stepped_slice(self):
        a, b = self.span()
        step = self.rng.choice((2, 3, 251, 4096, -1, -7))
        if step < 0:
            a, b = b - 1, (a - 1 if a else None)
        return self.m[a:b:step] == ST_REF[a:b:step], (a, b, step)

    def item(self):
        i = self.rng.randrange(ST_MIN)
        return self.m[i] == ST_REF[i], i

    def setslice(self):
        a, b = self.span()
        self.m[a:b] = ST_REF[a:b]
        return True, None

    def move(self):
        rng = self.rng
        n = rng.randrange(0, 300 << 10)
        src = rng.randrange(0, ST_MIN - n)
        dest = src % ST_PERIOD
        dest += ST_PERIOD * rng.randrange(0, (ST_MIN - n - dest) // ST_PERIOD + 1)
        self.m.move(dest, src, n)
        return True, None

    def seek_read(self):
        a, b = self.span()
        with self.rnd.pos_lock:
            self.m.seek(a)
            got = self.m.read(b - a)
            pos = self.m.tell()
        return got == ST_REF[a:b] and pos == b, (a, b, pos)

    def seek_write(self):
        a, b = self.span()
        with self.rnd.pos_lock:
            self.m.seek(a)
            n = self.m.write(ST_REF[a:b])
            pos = self.m.tell()
        return n == b - a and pos == b, (a, b, n, pos)

    def readline(self):
        a = self.rng.randrange(ST_MIN - ST_PERIOD)
        with self.rnd.pos_lock:
            self.m.seek(a)
            got = self.m.readline()
        end = ST_REF.index(b"\n", a) + 1
        return got == ST_REF[a:end], a

    def readinto(self):
        a, b = self.span()
        buf = bytearray(b - a)
        with self.rnd.pos_lock:
            self.m.seek(a)
            n = self.m.readinto(buf)
        return n == b - a and buf == ST_REF[a:b], (a, b, n)

    def read_byte(self):
        a = self.rng.randrange(ST_MIN)
        with self.rnd.pos_lock:
            self.m.seek(a)
            got = self.m.read_byte()
        return got == ST_REF[a], a

    def lines(self):
        a, b = self.span()
        got = list(self.m.lines(a, b))
        ok = b"".join(got) == ST_REF[a:b] and all(x.endswith(b"\n") for x in got[:-1])
        return ok, (a, b)

    def export(self):
        a = self.rng.randrange(ST_MIN)
        with memoryview(self.m) as v:
            got = v[a]
            time.sleep(0)
        return got == ST_REF[a], a

    def as_array(self):
        a, b = self.span()
        arr = self.m.as_array(offset=a, shape=b - a)
        got = arr.tobytes()
        del arr
        return got == ST_REF[a:b], (a, b)


def st_worker(rnd, rng, errors, stats, deadline):
    ops = StressOps(rnd, rng).all()
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
