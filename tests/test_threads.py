"""One map shared by threads, and maps in a forked child.

The stdlib runs every mmap call under the GIL, so a call is atomic for the
other threads using the same map: each write lands once, each line is read
once.  fastmmap releases the GIL inside large calls and must keep that
promise (see _Turn in fastmmap/_mmap.pyx): these tests share one map, or one
lines() iterator, between threads doing large operations, and fork while
another thread scans.  The sizes are chosen so that every call releases the
GIL (ranges of 64 KiB and more).
"""
import os
import threading
import warnings

import pytest

from conftest import load_fastmmap

fastmmap = load_fastmmap()

THREADS = 4


def run_threads(target, count=THREADS):
    """Run target(i) in count threads, started together; re-raise the first
    exception any of them raised."""
    start = threading.Barrier(count)
    errors = []

    def body(i):
        try:
            start.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_shared_position_writes_land_once():
    """Four threads each write() 16 chunks of 1 MiB at the shared position:
    every chunk is written exactly once, none over another."""
    chunk, per_thread = 1 << 20, 16
    m = fastmmap.mmap(-1, THREADS * per_thread * chunk)

    def writer(i):
        for j in range(per_thread):
            m.write(bytes([i * per_thread + j + 1]) * chunk)

    run_threads(writer)
    assert m.tell() == len(m)
    seen = sorted(m[k * chunk] for k in range(THREADS * per_thread))
    assert seen == list(range(1, THREADS * per_thread + 1))
    for k in range(THREADS * per_thread):
        block = m[k * chunk:(k + 1) * chunk]
        assert block.count(block[:1]) == chunk, "chunk %d is mixed" % k
    m.close()


def test_shared_position_reads_and_readinto_cover_once():
    """read() and readinto() from four threads hand out each byte of the map
    exactly once."""
    chunk, chunks = 1 << 20, 64
    m = fastmmap.mmap(-1, chunk * chunks)
    for k in range(chunks):
        m[k * chunk:(k + 1) * chunk] = bytes([k + 1]) * chunk
    got = []

    def reader(i):
        buffer = bytearray(chunk)
        while True:
            if i % 2:
                data = m.read(chunk)
            else:
                data = bytes(buffer[:m.readinto(buffer)])
            if not data:
                return
            got.append(data)

    run_threads(reader)
    assert sorted(d[0] for d in got) == list(range(1, chunks + 1))
    assert all(len(d) == chunk and d.count(d[:1]) == chunk for d in got)
    m.close()


def long_lines(count, length):
    """count lines of length bytes (newline included), line k made of one
    printable byte and ending in its number, so every line differs."""
    lines = []
    for k in range(count):
        tail = b"%d\n" % k
        lines.append(bytes([33 + k % 90]) * (length - len(tail)) + tail)
    return lines


def test_shared_readline_returns_each_line_once():
    """Four threads calling readline() on one map of 200 lines of 200 kB
    (each found without the GIL) get every line exactly once."""
    lines = long_lines(200, 200_000)
    data = b"".join(lines)
    m = fastmmap.mmap(-1, len(data))
    m[:] = data
    got = []

    def reader(i):
        while True:
            line = m.readline()
            if not line:
                return
            got.append(line)

    run_threads(reader)
    assert len(got) == len(lines)
    assert sorted(got) == sorted(lines)
    assert m.tell() == len(m)
    m.close()


def test_shared_lines_iterator_yields_each_line_once():
    """One m.lines() iterator pulled by four threads over 100 lines of 2 MB
    yields every line exactly once."""
    lines = long_lines(100, 2_000_000)
    data = b"".join(lines)
    m = fastmmap.mmap(-1, len(data))
    m[:] = data
    iterator = m.lines()
    got = []

    def puller(i):
        while True:
            try:
                line = next(iterator)
            except StopIteration:
                return
            got.append(line)

    run_threads(puller)
    assert len(got) == len(lines)
    assert sorted(got) == sorted(lines)
    m.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_fork_during_scan_child_can_close_and_resize():
    """A child forked while another thread of the parent runs a GIL-free
    scan of a map can close and resize its copy of the map; the parent's
    scan finishes and its map stays usable."""
    size = 256 << 20
    m = fastmmap.mmap(-1, size, flags=fastmmap.MAP_PRIVATE)
    m[size - 1] = 10
    other = fastmmap.mmap(-1, size, flags=fastmmap.MAP_PRIVATE)
    scanning = threading.Event()
    done = threading.Event()
    counts = []

    def scanner():
        while not done.is_set():
            scanning.set()
            counts.append(m.count(b"\n"))

    thread = threading.Thread(target=scanner)
    thread.start()
    scanning.wait()
    statuses = []
    try:
        for _ in range(5):
            with warnings.catch_warnings():
                # 3.12+ warns that forking a multi-threaded process may
                # deadlock: the child below only calls fastmmap and _exit.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    other.resize(4096)
                    m.resize(4096)
                    m.close()
                    other.close()
                    code = 0
                finally:
                    os._exit(code)
            statuses.append(os.waitpid(pid, 0)[1])
    finally:
        done.set()
        thread.join()
    assert statuses == [0] * 5, statuses
    assert counts and all(c == 1 for c in counts)
    # The parent's maps are untouched by the child, and free again.
    m.resize(4096)
    m.close()
    other.close()
