"""Big files and maps: offsets and lengths past 4 GiB.
"""
import os

from reliability import GRAN, PAGE, have_numpy, import_fastmmap, load_numpy
from support import check, finish

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
        _big_items_and_slices(m, size, marks)
        _big_searches(m, size)
        _big_file_interface(m, size)
        _big_writes(m, fd, size)
        _big_other_maps(fastmmap, m, fd, path, size)
        m.close()
    finally:
        os.close(fd)
        os.unlink(path)
    finish()


def _big_items_and_slices(m, size, marks):
    check(len(m) == size and m.size() == size, "length %d" % len(m))
    for at, data in marks.items():
        check(m[at:at + len(data)] == data, "slice at %d" % at)
        check(m[at] == data[0], "item at %d" % at)
        check(m[at - size] == data[0], "negative item at %d" % at)
    check(m[-9:] == b"the end!\n", "tail slice")
    check(m[G4 - 3:G4 + 7:2] == b"<4G|cross>"[::2], "stepped slice across 4 GiB")
    check(m[size - 1:size - 10:-1] == b"\n!dne eht", "reversed slice from the end")
    check(m[G4 + 6:G4 - 4:-3] == b">o|<", "reversed stepped slice across 4 GiB")


def _big_searches(m, size):
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
    if have_numpy():
        check(m.find_all(b"e", size - (32 << 20)).tolist() == [size - 7, size - 5],
              "find_all near the end")
    check(list(m.lines(size - 30)) == [bytes(21) + b"the end!\n"], "lines near the end")
    check(list(m.lines(G4 - 3, G4 + 20)) == [b"<4G|cross>[past 4G]\0\0\0\0"],
          "lines across 4 GiB")


def _big_file_interface(m, size):
    check(m.seek(0, 2) == size and m.tell() == size, "seek end")
    m.seek(G4 - 3)
    check(m.read(10) == b"<4G|cross>" and m.tell() == G4 + 7, "read across 4 GiB")
    check(m.read_byte() == ord("["), "read_byte past 4 GiB")
    m.seek(size - 9)
    check(m.readline() == b"the end!\n" and m.readline() == b"", "readline at the end")
    buf = bytearray(10)
    m.seek(G4 - 3)
    check(m.readinto(buf) == 10 and buf == b"<4G|cross>", "readinto across 4 GiB")


def _big_writes(m, fd, size):
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


def _big_other_maps(fastmmap, m, fd, path, size):
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
    if have_numpy():
        check(m.find_all(b"\1").tolist() == [G4 + 7], "find_all")
    check(m.find(b"\2", G4 + 8) == size - 1, "find from past 4 GiB to the end")
    check(m.find(b"\1", -size) == G4 + 7 and m.find(b"\1", 0, G4 + 7) == -1, "find bounds")
    m.close()
    finish()
