"""Differential bodies about the object itself: construction, life cycle
(close, resize, context manager), the protocols (buffer, pickle, weakref,
subclassing, repr) and checks of validity after argument conversion.
"""
import copy
import gc
import mmap as stdlib_mmap
import pickle
import weakref

from differential import (
    ACCESS_NAMES,
    GRAN,
    MAXSIZE,
    PAGE,
    anon,
    body,
    message_of,
    readinto_from_file,
)
from support import Idx


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


def shrink_under_position(t, m):
    """Shrink an 8192-byte map to 4096 under a position of 5000, then read,
    write and seek there."""
    t(m.read, 5000)
    t(m.resize, 4096)
    t(m.read, 14)
    t(m.read_byte)
    t(m.write_byte, 42)
    t(m.write, b"abc")
    t(m.readline)
    t(m.seek, 0, 1)
    t(m.seek, 0)


@body()
def body_resize_anonymous(t):
    """Anonymous maps: shrinking, and growing where it is allowed."""
    m = anon(t, 8192, b"resize-me")
    shrink_under_position(t, m)
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
    shrink_under_position(t, m)
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
def body_pickle_copy(t):
    mod = t.mod
    m = anon(t, 10)
    for proto in range(pickle.HIGHEST_PROTOCOL + 1):
        t("pickle proto %d" % proto, pickle.dumps, m, proto, _msg=False)
        t("pickle msg names type", lambda p=proto: message_of(pickle.dumps, m, p))
    t("copy.copy", copy.copy, m, _msg=False)
    t("copy.deepcopy", copy.deepcopy, m, _msg=False)
    t("copy msg names type", lambda: message_of(copy.copy, m))
    t("__reduce__", lambda: m.__reduce__(), _msg=False)
    t("__reduce_ex__", lambda: m.__reduce_ex__(2), _msg=False)
    t("__reduce_ex__ 0", lambda: m.__reduce_ex__(0), _msg=False)
    m.close()
    t("pickle closed", pickle.dumps, m, _msg=False)

    class Sub(mod.mmap):
        pass

    s = t.watch(t(Sub, -1, 10))
    t("pickle subclass", pickle.dumps, s, _msg=False)


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
