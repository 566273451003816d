"""Typed use of fastmmap's public API.

tests/test_stubs.py checks this file with ``mypy --strict`` against the
stubs (fastmmap/__init__.pyi) and then runs it, so every call here is also
checked to work.
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

import fastmmap

LOG = b"ok 1\nERROR disk full\nok 2\nERROR disk full\nok 3\n"


def error_lines(path: str | os.PathLike[str]) -> list[bytes]:
    """The lines of a file that contain b"ERROR", without their newline."""
    with fastmmap.open(path) as m:
        return [line for line in m.lines(keepends=False) if b"ERROR" in line]


def first_and_count(m: fastmmap.mmap, needle: bytes) -> tuple[int, int]:
    return m.find(needle), m.count(needle)


def offsets(m: fastmmap.mmap, needle: bytes) -> npt.NDArray[np.int64]:
    return m.find_all(needle)


def read_head(m: fastmmap.mmap, n: int) -> bytes:
    buf = bytearray(n)
    got = m.readinto(buf)
    return bytes(buf[:got])


def byte_sum(m: fastmmap.mmap) -> int:
    arr = m.as_array(np.uint8)
    try:
        return int(arr.sum())
    finally:
        del arr  # drop the buffer export before the map is closed


def backwards(m: fastmmap.mmap) -> Iterator[bytes]:
    return reversed(m)


def main() -> None:
    version: str = fastmmap.__version__
    assert version
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "app.log")
        with open(path, "wb") as out:
            out.write(LOG)

        assert error_lines(path) == [b"ERROR disk full"] * 2

        with open(path, "rb") as f, fastmmap.mmap(
            f.fileno(), 0, access=fastmmap.ACCESS_READ
        ) as m:
            assert first_and_count(m, b"ERROR") == (5, 2)
            assert offsets(m, b"ok").tolist() == [0, 21, 42]
            assert read_head(m, 4) == b"ok 1"
            assert m.tell() == 4
            end: int = m.seek(0, os.SEEK_END)
            assert end == len(m) == m.size()
            assert byte_sum(m) == sum(LOG)
            assert b"".join(backwards(m)) == LOG[::-1]
            first: int = m[0]
            head: bytes = m[:2]
            assert (first, head) == (ord("o"), b"ok")
            with memoryview(m) as view:
                assert view.nbytes == len(LOG)
            if sys.platform == "linux":
                m.madvise(fastmmap.MADV_SEQUENTIAL)

        anon = fastmmap.mmap(-1, fastmmap.PAGESIZE)
        try:
            anon[:5] = b"hello"
            anon[5] = ord("!")
            assert anon.readline().startswith(b"hello!")
            assert anon.seekable()
        finally:
            anon.close()
        assert anon.closed

        with fastmmap.open(path, "c", offset=5, length=5) as m:
            m[:5] = b"FATAL"  # copy on write: the file is unchanged
            assert m.read() == b"FATAL"
        with open(path, "rb") as check:
            assert check.read() == LOG


if __name__ == "__main__":
    main()
    print("typing example: OK")
