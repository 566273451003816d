"""Differential bodies about the mapped bytes: searching, reading and
writing (file-like and by index or slice), the position, flush and
madvise, iteration and operators.
"""
import array

from differential import ACCESS_NAMES, MAXSIZE, PAGE, anon, body, read_file
from support import Idx


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
