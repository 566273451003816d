"""Child process of tests/test_guard_pages.py: search kernels run on real
fastmmap maps whose searched range ends (or starts) exactly at a PROT_NONE
page.  A kernel that reads one byte too far touches that page and the
kernel kills this process with SIGSEGV (fastmmap's fault guard catches
SIGBUS only), which the parent sees as a failed test.

Usage::

    python -X faulthandler -u guard_pages_child.py sweep [KMAX [SHARD SHARDS]]
    python -X faulthandler -u guard_pages_child.py canary NAME

``sweep`` checks every public search of a map, for every needle length
1..KMAX (default 300; with SHARD and SHARDS only the lengths k with
k % SHARDS == SHARD, so that shards can run side by side), against bytes
methods on copies, and ends with one line ``SUMMARY {json}`` (case counts
per operation, paths the kernels took).  ``canary NAME`` deliberately
reads guarded memory and must die of SIGSEGV; it prints ``CANARY
SURVIVED`` if it does not.

Two layouts, both anonymous maps (private and shared alternate):

A. ``mmap(-1, 3 * PAGESIZE)`` with its first and last pages made PROT_NONE
   with mprotect(): the middle page holds the data, and start/end arguments
   put the searched range flush against the last page (forward searches:
   [2P - n, 2P)) or the first one (backward: [P, P + n)).  The needle is a
   memoryview of a second such map, flush against its guard page too.
B. A one-page map followed by a PROT_NONE page outside it (a two-page map
   shrunk with resize(), the freed page taken back as PROT_NONE): for what
   takes no range (``in``, readline(), read() to the end, the default end of
   find/rfind/count/find_all/lines).  Its page before gets a PROT_NONE page
   too when that address is free.

No buffer export of a map outlives the code that needs it: the address is
read through a ctypes object that is deleted at once, and every memoryview
is released before close()/resize().
"""
import ctypes
import json
import mmap as stdmmap
import random
import sys

import search_engine

import fastmmap

from support import naive_find_all

P = fastmmap.PAGESIZE
PROT_NONE = 0
PROT_RW = stdmmap.PROT_READ | stdmmap.PROT_WRITE

libc = ctypes.CDLL(None, use_errno=True)
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.mprotect.restype = ctypes.c_int
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mmap.restype = ctypes.c_void_p
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.munmap.restype = ctypes.c_int

try:
    import numpy  # noqa: F401  (find_all returns NumPy arrays)
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False

# The engine's path for an input comes from the same C sources built for
# the kernel tests (the shipped extension has no test hooks).
_search = search_engine if search_engine.AVAILABLE else None
HAVE_PAIR = search_engine.VECTOR


def address(m):
    """The map's address; the ctypes export is gone when this returns."""
    c = ctypes.c_char.from_buffer(m)
    try:
        return ctypes.addressof(c)
    finally:
        del c


def protect(addr, prot):
    if libc.mprotect(addr, P, prot) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "mprotect failed")


class LayoutA:
    """[guard][data page][guard] inside one 3-page fastmmap map."""

    def __init__(self, flags):
        self.m = fastmmap.mmap(-1, 3 * P, flags=flags)
        self.base = address(self.m)
        protect(self.base, PROT_NONE)
        protect(self.base + 2 * P, PROT_NONE)

    def close(self):
        protect(self.base, PROT_RW)
        protect(self.base + 2 * P, PROT_RW)
        self.m.close()          # BufferError if an export were still alive


class LayoutBig:
    """[guard][BIG_PAGES data pages][guard] inside one fastmmap map: long
    haystacks, where the anchors come from a sample and long needles take
    the skip search."""

    def __init__(self, flags, pages):
        self.pages = pages
        self.m = fastmmap.mmap(-1, (pages + 2) * P, flags=flags)
        self.base = address(self.m)
        protect(self.base, PROT_NONE)
        protect(self.base + (pages + 1) * P, PROT_NONE)

    def close(self):
        protect(self.base, PROT_RW)
        protect(self.base + (self.pages + 1) * P, PROT_RW)
        self.m.close()


class LayoutB:
    """A 1-page fastmmap map with a PROT_NONE page right after it (and one
    right before it when that address is free: a few maps are tried)."""

    def __init__(self, flags):
        self.guards = []
        tried = []
        for _ in range(8):
            m = fastmmap.mmap(-1, 2 * P, flags=flags)
            base = address(m)
            if self._guard(base - P):
                break
            tried.append(m)
        for t in tried:
            if t is not m:
                t.close()
        self.before = bool(self.guards)
        self.m = m
        m.resize(P)             # shrinks in place: [base + P, base + 2P) freed
        if address(m) != base:
            raise RuntimeError("resize() moved a shrinking map")
        if not self._guard(base + P):
            raise RuntimeError("could not place a guard page after the map")
        self.base = base

    def _guard(self, want):
        got = libc.mmap(want, P, PROT_NONE,
                        stdmmap.MAP_PRIVATE | stdmmap.MAP_ANONYMOUS, -1, 0)
        if got in (None, ctypes.c_void_p(-1).value):
            return False
        if got != want:         # the hint was not free: not adjacent
            libc.munmap(got, P)
            return False
        self.guards.append(got)
        return True

    def close(self):
        self.m.close()
        for g in self.guards:
            libc.munmap(g, P)


# ---------------------------------------------------------------------------
# Data

TEXT = b"the quick brown fox jumps over a lazy dog\n" * 3


def haystack(rng, kind, n, k=1):
    if kind == "text":          # common letters: the packed pair
        out = bytearray()
        while len(out) < n:
            at = rng.randrange(len(TEXT) - 8)
            out += TEXT[at:at + rng.randrange(1, 9)]
        return bytes(out[:n])
    if kind == "ab":            # random over two letters
        return bytes(rng.choices(b"ab", k=n))
    if kind == "aab":           # mostly a: long partial matches
        return bytes(rng.choices(b"ab", weights=(7, 1), k=n))
    if kind == "a":             # one byte repeated: periodic worst case
        return b"a" * n
    if kind == "rare":          # text with sparse digits/'#': memchr stage
        return bytes(c if rng.random() > 0.01 else rng.choice(b"0123456789#")
                     for c in haystack(rng, "text", n))
    if kind == "digits":        # dense rare bytes: memchr hands over
        return bytes(rng.choices(b"0123456789#\n", k=n))
    if kind == "near":          # near misses everywhere: the fallback
        phase = rng.randrange(2)
        return (b"#a" * (n // 2 + 1))[phase:phase + n]
    if kind == "unit":          # one late mismatch per window: the fallback
        unit = b"#" * max(k - 1, 1) + b"a"
        phase = rng.randrange(len(unit))
        return (unit * (n // len(unit) + 2))[phase:phase + n]
    return bytes(rng.choices(b"\x00\xff\n", k=n))   # "bin"


KINDS = ("text", "near", "ab", "unit", "aab", "a", "rare", "digits", "bin")

# Long haystacks (LayoutBig): pages of data (past 256 KiB, where the
# prefilters' accounts start afresh), needle lengths, and kinds.
BIG_PAGES = 80
BIG_LENGTHS = (2, 9, 40, 256, 300, 543, 1000, 2100, 3000)
BIG_KINDS = ("logs", "periodic", "shift")


def big_haystack(rng, kind, n):
    """Log-like lines (digits, punctuation, capitals: the anchors come
    from a sample), a periodic text with rare defects, or (shift) a text
    whose first 60 % holds its bytes in another order than the rest."""
    if kind in ("periodic", "shift"):
        out = bytearray((b"abcdefgh" * (n // 8 + 1))[:n])
        for _ in range(n // 5000):
            out[rng.randrange(n)] = ord("x")
        if kind == "shift":
            out[:n * 3 // 5] = (b"hgfedcbax" * n)[:n * 3 // 5]
        return bytes(out)
    out = bytearray()
    while len(out) < n:
        out += (b"2026-11-%02dT%02d:%02d:%02dZ INFO [api-%d] req=%08x status=%d "
                b"user=u%06d\n" % (rng.randrange(1, 29), rng.randrange(24),
                                   rng.randrange(60), rng.randrange(60), rng.randrange(9),
                                   rng.getrandbits(32), rng.choice((200, 404, 500)),
                                   rng.randrange(10 ** 6)))
    return bytes(out[:n])


def other(c):
    """A byte that differs from c but stays in most alphabets."""
    return {ord("a"): ord("b"), ord("b"): ord("a"), 0: 255, 255: 0}.get(c, c ^ 1)


def needles(rng, hay, k, kind):
    """Needles of length k: matches at the very last and very first bytes,
    near misses there (one byte changed, or the needle hanging one byte or
    more over the edge, where a match would need bytes past it), and
    absent ones."""
    n = len(hay)
    out = []
    if n >= k:
        suf, pre = hay[n - k:], hay[:k]
        out += [suf, pre,
                suf[:-1] + bytes([other(suf[-1])]),      # miss at the last byte
                bytes([other(suf[0])]) + suf[1:],        # miss at its first
                bytes([other(pre[0])]) + pre[1:],        # miss at the first byte
                pre[:-1] + bytes([other(pre[-1])])]
    # Overhangs: the needle's start matches the haystack's last j bytes
    # (its end the first j bytes), the rest lies past the edge.
    for j in sorted({1, k // 2, k - 1}):
        if 1 <= j < k and j <= n:
            out.append(hay[n - j:] + haystack(rng, kind, k - j, k))
            out.append(haystack(rng, kind, k - j, k) + hay[:j])
    out.append(haystack(rng, kind, k, k))                # often absent
    if kind == "a":
        out.append(b"a" * (k - 1) + b"b")
        out.append(b"b" + b"a" * (k - 1))
    if kind == "near" and k >= 3:                        # absent near misses
        out.append((b"#a" * k)[:k - 2] + b"##")
        out.append(b"##" + (b"#a" * k)[:k - 2])
    if kind == "unit":
        out.append(b"#" * k)
    if kind == "text" and k >= 3:
        out.append(b"#" + haystack(rng, "text", k - 2) + b"7")   # rare anchors
    return [x for x in out if len(x) == k]


def lengths(rng, k):
    """Haystack lengths for needle length k: around k (k - 1 too: shorter
    than the needle), every tail length of the 16-, 32- and 64-byte block
    loops (n - k + 1 candidates: 2..31 at random, and around 32 and 64),
    any length, and a whole page."""
    out = {k - 1, k, k + 1, k + rng.randrange(2, 31),
           k + rng.choice((31, 33, 63, 64, 65)), rng.randrange(k, P + 1), P}
    return sorted(n for n in out if 0 <= n <= P)


def naive_lines(data, keepends):
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines if keepends else [x[:-1] if x.endswith(b"\n") else x
                                   for x in lines]


# ---------------------------------------------------------------------------
# The sweep

class Sweep:
    def __init__(self):
        self.cases = {}
        self.paths = {}
        self.lengths_done = set()

    def eq(self, op, got, want, *info):
        self.cases[op] = self.cases.get(op, 0) + 1
        if got != want:
            raise AssertionError(f"{op}: got {got!r}, expected {want!r}; {info!r}")

    def path(self, op, data, needle):
        """Record the kernel path mode 0 takes for this input (on a copy)."""
        if _search is None or len(needle) > len(data) or len(data) < 256:
            return              # (too short for the budget to matter)
        if len(needle) == 1:
            name = "byte"
        else:
            name = _search.path(data, needle, op)
            if name == "fallback":
                name += "-short" if len(needle) <= 8 else "-long"
        key = f"{op}:{name}"
        self.paths[key] = self.paths.get(key, 0) + 1

    def ranged(self, a, nmv, data, needle, k, forward):
        """Layout A: data at [2P - n, 2P) (forward) or [P, P + n), the
        needle a view flush against a guard page of the needle map."""
        m = a.m
        n = len(data)
        lo = 2 * P - n if forward else P
        hi = lo + n
        # The needle, in its own guarded map: ending at its upper guard for
        # forward searches, starting at its lower one for backward ones.
        if forward:
            nmv[2 * P - k:2 * P] = needle
            nv = nmv[2 * P - k:2 * P]
        else:
            nmv[P:P + k] = needle
            nv = nmv[P:P + k]
        try:
            info = (len(data), k, forward, needle[:40])
            r = data.find(needle)
            self.eq("find", m.find(nv, lo, hi), r + lo if r >= 0 else -1, info)
            # The same end spelled as a negative index (2P == -P).
            if forward:
                self.eq("find", m.find(nv, lo - 3 * P, -P),
                        r + lo if r >= 0 else -1, info)
            r = data.rfind(needle)
            self.eq("rfind", m.rfind(nv, lo, hi), r + lo if r >= 0 else -1, info)
            self.eq("count", m.count(nv, lo, hi), data.count(needle), info)
            if forward:
                self.eq("count", m.count(nv, lo, -P), data.count(needle), info)
            if HAVE_NUMPY:
                self.eq("find_all", m.find_all(nv, lo, hi).tolist(),
                        [p + lo for p in naive_find_all(data, needle)], info)
        finally:
            del nv
        self.path("find", data, needle)
        self.path("rfind", data, needle)
        self.path("count", data, needle)
        if HAVE_NUMPY:
            self.path("find_all", data, needle)

    def ranged_copies(self, a, data, forward):
        """Layout A, reads that copy the range out: lines(), read(), slices."""
        m = a.m
        n = len(data)
        lo = 2 * P - n if forward else P
        hi = lo + n
        info = (n, forward)
        for keep in (True, False):
            self.eq("lines", list(m.lines(lo, hi, keepends=keep)),
                    naive_lines(data, keep), info)
        m.seek(lo)
        self.eq("read", m.read(n), data, info)
        self.eq("read", m.tell(), hi, info)
        self.eq("getitem", m[lo:hi], data, info)
        if n:
            self.eq("getitem", m[hi - 1], data[-1], info)
            self.eq("getitem", m[lo], data[0], info)
            self.eq("getitem", m[hi - 1:lo - 1 if lo else None:-1],
                    data[::-1], info)
        buf = bytearray(n)
        m.seek(lo)
        self.eq("readinto", m.readinto(buf), n, info)
        self.eq("readinto", bytes(buf), data, info)

    def whole(self, b, page, n, needles_):
        """Layout B: the map's whole page is `page`; searches start at
        P - n (the position, or a start argument) and run to the map's end
        by default."""
        m = b.m
        start = P - n
        for needle in needles_:
            info = (n, len(needle), needle[:40])
            m.seek(start)
            self.eq("find", m.find(needle), page.find(needle, start), info)
            self.eq("rfind", m.rfind(needle), page.rfind(needle, start), info)
            self.eq("count", m.count(needle, start), page.count(needle, start), info)
            if HAVE_NUMPY:
                self.eq("find_all", m.find_all(needle, start).tolist(),
                        [p + start for p in naive_find_all(page[start:], needle)],
                        info)
            if len(needle) == 2:
                # `in` compares the map's one-byte items: never found.
                self.eq("in", needle in m, False, info)
        # `in` goes byte by byte over the whole map, up to its last byte: a
        # byte found only there, and an absent one.
        last = page[-1:]
        absent = next((bytes([c]) for c in b"#a\x00Z" if c not in page), None)
        self.eq("in", last in m, True, n)
        if absent is not None:
            self.eq("in", absent in m, False, n)
        if b.before:
            # The whole map, from its first byte (guarded below as well).
            for needle in needles_[:4]:
                info = (P, len(needle), needle[:40])
                m.seek(0)
                self.eq("find", m.find(needle), page.find(needle), info)
                self.eq("rfind", m.rfind(needle), page.rfind(needle), info)
                self.eq("count", m.count(needle), page.count(needle), info)
        data = page[start:]
        for keep in (True, False):
            self.eq("lines", list(m.lines(start, keepends=keep)),
                    naive_lines(data, keep), n)
        m.seek(start)
        got = []
        while True:
            line = m.readline()
            if not line:
                break
            got.append(line)
        self.eq("readline", got, naive_lines(data, True), n)
        m.seek(start)
        self.eq("read", m.read(), data, n)
        m.seek(start)
        self.eq("read", m.read(n + 100), data, n)

    def big(self, g, gn, rng, kind, k):
        """LayoutBig: a long haystack flush against the upper guard page
        (forward searches) and the lower one (backward), the needle flush
        against a guard page of another such map: matches at the very
        first and last bytes, near misses there, and absent needles."""
        m, nm = g.m, gn.m
        top = (g.pages + 1) * P
        for n in sorted({16 * P, rng.randrange(16 * P, g.pages * P), g.pages * P}):
            data = big_haystack(rng, kind, n)
            nds = [data[n - k:], data[:k], data[n - k:-1] + bytes([other(data[-1])]),
                   bytes([other(data[0])]) + data[1:k], data[n // 3:n // 3 + k],
                   data[n // 2:n // 2 + k // 2] + bytes([other(data[n // 2 + k // 2])])
                   + data[n // 2 + k // 2 + 1:n // 2 + k]]
            for forward in (True, False):
                lo = top - n if forward else P
                m[lo:lo + n] = data
                for needle in nds:
                    nlo = top - k if forward else P
                    nm[nlo:nlo + k] = needle
                    with memoryview(nm)[nlo:nlo + k] as nv:
                        info = ("big", kind, n, k, forward, needle[:40])
                        r = data.find(needle)
                        self.eq("find", m.find(nv, lo, lo + n), r + lo if r >= 0 else -1, info)
                        r = data.rfind(needle)
                        self.eq("rfind", m.rfind(nv, lo, lo + n), r + lo if r >= 0 else -1, info)
                        self.eq("count", m.count(nv, lo, lo + n), data.count(needle), info)
                        if HAVE_NUMPY:
                            self.eq("find_all", m.find_all(nv, lo, lo + n).tolist(),
                                    [p + lo for p in naive_find_all(data, needle)], info)
                    for op in ("find", "rfind"):
                        self.path(op, data, needle)

    def run(self, kmax, shard=0, shards=1, seed=20240611):
        rng = random.Random(seed + shard)
        flags = (stdmmap.MAP_PRIVATE, stdmmap.MAP_SHARED)
        layouts_a = [LayoutA(f) for f in flags]
        needle_maps = [LayoutA(f) for f in flags]
        layouts_b = [LayoutB(f) for f in flags]
        bigs = [LayoutBig(f, BIG_PAGES) for f in flags]
        nmvs = [memoryview(x.m) for x in needle_maps]
        try:
            for k in range(1 + shard, kmax + 1, shards):
                which = (k // shards) % 2       # private and shared maps
                a, nmv, b = layouts_a[which], nmvs[which], layouts_b[which]
                # Each needle length gets three haystack kinds, in rotation.
                for kind in (KINDS[k % 9], KINDS[(k + 3) % 9], KINDS[(k + 6) % 9]):
                    for n in lengths(rng, k):
                        data = haystack(rng, kind, n, k)
                        nds = needles(rng, data, k, kind)
                        # Forward: data flush against the upper guard.
                        a.m[2 * P - n:2 * P] = data
                        for needle in nds:
                            self.ranged(a, nmv, data, needle, k, True)
                        self.ranged_copies(a, data, True)
                        # Backward: data flush against the lower guard.
                        a.m[P:P + n] = data
                        for needle in nds:
                            self.ranged(a, nmv, data, needle, k, False)
                        self.ranged_copies(a, data, False)
                        # Layout B, for one length per kind (its page is
                        # always whole).
                        if n == P or n == k + 1:
                            page = haystack(rng, kind, P - n, k) + data
                            b.m[:] = page
                            self.whole(b, page, n, nds)
                        self.lengths_done.add(k)
                print(f"k={k} ok", flush=True)
            # Long haystacks, each shard its share of the needle lengths.
            for j, k in enumerate(BIG_LENGTHS):
                if j % shards == shard:
                    for kind in BIG_KINDS:
                        self.big(bigs[j % 2], bigs[1 - j % 2], rng, kind, k)
                    print(f"big k={k} ok", flush=True)
        finally:
            for v in nmvs:
                v.release()
            for x in layouts_a + needle_maps + layouts_b + bigs:
                x.close()
        return {
            "cases": self.cases,
            "total": sum(self.cases.values()),
            "needle_lengths": sorted(self.lengths_done),
            "paths": self.paths,
            "have_pair": HAVE_PAIR,
            "engine_unavailable": None if _search else search_engine.WHY,
            "have_numpy": HAVE_NUMPY,
            "guard_before_b": all(b.before for b in layouts_b),
        }


# ---------------------------------------------------------------------------
# Canaries: each must die of SIGSEGV, proving the guard pages are in place
# and that an over-read kills the process (fastmmap does not catch SIGSEGV).

def canary(name):
    a = LayoutA(stdmmap.MAP_SHARED)
    a.m[P:2 * P] = b"x" * P
    if name == "touch-after":       # plain read of the upper guard page
        ctypes.string_at(a.base + 2 * P, 1)
    elif name == "touch-before":    # plain read of the lower guard page
        ctypes.string_at(a.base + P - 1, 1)
    elif name == "find-one-past":   # a kernel over-reading by one byte
        a.m.find(b"y", 2 * P - 100, 2 * P + 1)
    elif name == "count-one-past":
        a.m.count(b"xy", 2 * P - 100, 2 * P + 1)
    elif name == "rfind-one-before":
        a.m.rfind(b"yx", P - 1, P + 100)
    elif name == "touch-after-whole-map":  # layout B's guard, past its end
        b = LayoutB(stdmmap.MAP_SHARED)
        b.m[:] = b"x" * P
        ctypes.string_at(b.base + P, 1)
    else:
        raise SystemExit(f"unknown canary {name!r}")
    print("CANARY SURVIVED", flush=True)
    return 0


def main(argv):
    if argv[1] == "sweep":
        kmax = int(argv[2]) if len(argv) > 2 else 300
        shard, shards = (int(argv[3]), int(argv[4])) if len(argv) > 4 else (0, 1)
        summary = Sweep().run(kmax, shard, shards)
        print("SUMMARY " + json.dumps(summary, sort_keys=True), flush=True)
        return 0
    if argv[1] == "canary":
        return canary(argv[2])
    raise SystemExit(f"usage: {argv[0]} sweep [KMAX] | canary NAME")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
