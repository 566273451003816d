"""Resources and fork: no leaked descriptors, maps or memory over many
cycles, and maps used across fork().
"""
import gc
import os
import tempfile
import time
import traceback

from reliability import PAGE, have_numpy, import_fastmmap, load_numpy
from support import check, fail, finish


def proc_counts():
    fds = len(os.listdir("/proc/self/fd"))
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    with open("/proc/self/statm") as f:
        statm = f.read().split()
    return fds, maps, int(statm[1]) * PAGE, int(statm[0]) * PAGE


class ResourceCycles:
    """One open / use / close cycle of each kind of map (all()), on a file
    of a few pages (fd) and on one truncated under its map (sfd)."""

    def __init__(self, fastmmap):
        self.fastmmap = fastmmap
        self.tmp = tempfile.mkdtemp()
        self.path = os.path.join(self.tmp, "res")
        self.data = (b"line of text\n" * 1000)[:3 * PAGE + 11]
        with open(self.path, "wb") as f:
            f.write(self.data)
        self.fd = os.open(self.path, os.O_RDWR)
        short = os.path.join(self.tmp, "short")
        self.sfd = os.open(short, os.O_RDWR | os.O_CREAT)

    def close(self):
        os.close(self.fd)
        os.close(self.sfd)

    def all(self):
        return [self.file_map, self.anon_shared, self.anon_private_resize,
                self.read_only, self.copy_map, self.memoryview_export,
                self.numpy_export, self.refcount_dealloc, self.garbage_collected,
                self.notrack, self.open_unaligned, self.open_empty_range,
                self.iterators, self.failing_constructors, self.faulting]

    def use(self, m):
        m.find(b"text")
        m.count(b"\n", 0, 100)
        m[5:10]
        m.seek(3)
        m.read(7)

    def file_map(self):
        m = self.fastmmap.mmap(self.fd, 0)
        self.use(m)
        m[0] = ord("l")
        m.close()

    def anon_shared(self):
        m = self.fastmmap.mmap(-1, 3 * PAGE)
        m[:4] = b"abcd"
        self.use(m)
        m.close()

    def anon_private_resize(self):
        m = self.fastmmap.mmap(-1, PAGE, flags=self.fastmmap.MAP_PRIVATE)
        m.resize(5 * PAGE)
        m[-1] = 1
        m.resize(PAGE + 1)
        m.close()

    def read_only(self):
        with self.fastmmap.mmap(self.fd, 0, access=self.fastmmap.ACCESS_READ) as m:
            self.use(m)

    def copy_map(self):
        m = self.fastmmap.mmap(self.fd, 0, access=self.fastmmap.ACCESS_COPY)
        m[:5] = b"xxxxx"
        m.close()

    def memoryview_export(self):
        m = self.fastmmap.mmap(self.fd, 0)
        v = memoryview(m)
        v[1]
        try:
            m.close()
        except BufferError:
            pass
        v.release()
        m.close()

    def numpy_export(self):
        m = self.fastmmap.mmap(self.fd, 0)
        if have_numpy():
            a = m.as_array()
            a[:3].sum()
            del a
            m.find_all(b"text")
        m.close()

    def refcount_dealloc(self):
        m = self.fastmmap.mmap(self.fd, 0)
        self.use(m)
        del m

    def garbage_collected(self):
        m = self.fastmmap.mmap(self.fd, 0)
        cycle = [m, memoryview(m)]
        cycle.append(cycle)

    def notrack(self):
        m = self.fastmmap.mmap(self.fd, 0, trackfd=False)
        self.use(m)
        m.close()

    def open_unaligned(self):
        m = self.fastmmap.open(self.path, "r+", offset=5)
        self.use(m)
        m.close()

    def open_empty_range(self):
        m = self.fastmmap.open(self.path, "r", offset=len(self.data))
        m.find(b"x")
        m.close()

    def iterators(self):
        m = self.fastmmap.mmap(self.fd, 0)
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

    def failing_constructors(self):
        for args, kw in (((self.fd, 0), {"offset": 1}),            # EINVAL after the dup
                         ((self.fd, 10 ** 9), {}),                 # longer than the file
                         ((self.fd, 0), {"access": 7}),
                         ((-1, -1), {})):
            try:
                self.fastmmap.mmap(*args, **kw)
            except (OSError, ValueError, OverflowError):
                pass
        for bad in (os.path.join(self.tmp, "missing"), self.tmp):
            try:
                self.fastmmap.open(bad)
            except OSError:
                pass

    def faulting(self):
        os.ftruncate(self.sfd, 2 * PAGE)
        m = self.fastmmap.mmap(self.sfd, 0)
        os.ftruncate(self.sfd, PAGE)
        for fn in (lambda: m[PAGE:], lambda: m.find(b"x"), lambda: m[PAGE + 1]):
            try:
                fn()
            except OSError:
                pass
        m.close()


def scenario_resources(cycles="100000"):
    """Open / use / close cycles of every kind of map; descriptors,
    mappings and RSS stay flat."""
    fastmmap = import_fastmmap()
    load_numpy()
    cycles = int(cycles)
    resources = ResourceCycles(fastmmap)
    kinds = resources.all()
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
    _check_flat(before, after)
    resources.close()
    finish()


def _check_flat(before, after):
    """Descriptors, mappings, RSS and virtual size (proc_counts()) after
    the cycles are what they were before, give or take a little."""
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
