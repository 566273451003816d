"""Scanning many files at once: counts, offsets and matching lines per file,
on every core, with the GIL released.

Each function takes paths (str, bytes or os.PathLike; a directory is
walked with ``recursive=True``, as ``grep -r`` walks it) and returns an
iterator of :class:`FileResult`, one per file, **in input order** -- the
order the paths were given, each directory's files sorted by name and
listed before its subdirectories -- whatever order the worker threads
finish in.  The files are opened, read (small ones) or mapped (large ones)
and scanned by ``workers`` threads (default: one per CPU this process may
run on; ``1``: one thread besides the caller), a bounded number of files
ahead of the consumer.  A file that cannot be read gives a result with
``error`` set and the others are still scanned.  Leaving the iteration
early (``break``, an exception, ``close()``), or Ctrl-C, stops the workers;
no file is left open or mapped either way.

``needle`` is a bytes-like object, or a tuple or list of them: any of
several needles (leftmost, the longest at an offset, as ``grep -F`` takes
them).  ``ignore_case=True`` matches ASCII letters in either case.

    >>> import fastmmap.files
    >>> for r in fastmmap.files.count(["a.log", "b.log"], b"ERROR"):
    ...     print(r.path, r.value if r.error is None else r.error)
"""
from __future__ import annotations

# Modules rather than names: stubtest of mypy 1.18 (our floor) takes names
# imported into a module for the module's own and checks them.
import os
import typing
from collections import abc

import fastmmap._scan as _scan

__all__ = ["FileResult", "Line", "count", "find_all", "grep", "default_workers"]

Path = str | bytes | os.PathLike
Needle = bytes | bytearray | memoryview
Needles = Needle | abc.Sequence[Needle]


class FileResult(typing.NamedTuple):
    """The result for one file: ``value`` (None when ``error`` is set),
    and ``error``, the OSError that stopped the file (MemoryError if its
    output did not fit in memory), or None."""

    path: str | bytes
    value: typing.Any
    error: OSError | MemoryError | None


class Line(typing.NamedTuple):
    """A line grep() selected: its 1-based number, the offset of its first
    byte in the file, and its bytes without the newline."""

    number: int
    offset: int
    text: bytes


def default_workers() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _needles(needle: Needles) -> list[bytes]:
    if isinstance(needle, (bytes, bytearray, memoryview)):
        return [bytes(needle)]
    if isinstance(needle, str):
        raise TypeError("needle must be bytes-like (or a sequence of them), not str")
    needles = [bytes(n) for n in needle]
    if not needles:
        raise ValueError("no needle given")
    return needles


def _inputs(paths: Path | abc.Iterable[Path]) -> tuple[list[bytes], bool]:
    """The paths as bytes, and whether results name them as str."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    fspaths = [os.fspath(p) for p in paths]
    as_str = not fspaths or isinstance(fspaths[0], str)
    return [os.fsencode(p) for p in fspaths], as_str


def _workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    workers = int(workers)
    if workers < 1:
        raise ValueError("workers must be at least 1 (or None for one per CPU)")
    return workers


def _error(name: bytes, fail: int, err: int) -> OSError | MemoryError:
    text = _scan.failure_text(fail, err)
    if fail == _scan.FAIL_MEMORY:
        return MemoryError(text)
    code = _scan.EFAULT if fail == _scan.FAIL_TRUNCATED else err
    return OSError(code, text, os.fsdecode(name))


def _results(run: _scan.Run, as_str: bool, convert) -> abc.Iterator[FileResult]:
    try:
        for name, fail, err, count, _first, _last, _size, _reg, _bin, out in run.results():
            path = os.fsdecode(name) if as_str else name
            if fail:
                yield FileResult(path, None, _error(name, fail, err))
            else:
                yield FileResult(path, convert(count, out), None)
    finally:
        run.close()


def count(paths: Path | abc.Iterable[Path], needle: Needles = b"\n", *,
          ignore_case: bool = False, recursive: bool = False,
          workers: int | None = None) -> abc.Iterator[FileResult]:
    """Non-overlapping occurrences of ``needle`` in each file (``value``: an
    int; ``bytes.count`` semantics; the default needle counts newlines,
    as ``wc -l``)."""
    inputs, as_str = _inputs(paths)
    pattern = _scan.Pattern(_needles(needle), ignore_case=ignore_case)
    run = _scan.Run(pattern, _scan.COUNT, inputs, recursive=recursive,
                    workers=_workers(workers))
    return _results(run, as_str, lambda n, out: n)


def find_all(paths: Path | abc.Iterable[Path], needle: Needles, *,
             ignore_case: bool = False, recursive: bool = False,
             workers: int | None = None) -> abc.Iterator[FileResult]:
    """The offsets of every non-overlapping occurrence of ``needle`` in each
    file (``value``: a NumPy int64 array, as mmap.find_all() returns)."""
    import numpy

    inputs, as_str = _inputs(paths)
    pattern = _scan.Pattern(_needles(needle), ignore_case=ignore_case)
    run = _scan.Run(pattern, _scan.OFFSETS, inputs, recursive=recursive,
                    workers=_workers(workers), binary_offsets=True)
    return _results(run, as_str,
                    lambda n, out: numpy.frombuffer(bytearray(out), dtype=numpy.int64))


def grep(paths: Path | abc.Iterable[Path], needle: Needles, *,
         ignore_case: bool = False, word: bool = False, line: bool = False,
         invert: bool = False, max_count: int | None = None,
         recursive: bool = False, workers: int | None = None) -> abc.Iterator[FileResult]:
    """The lines of each file that ``needle`` occurs in (``value``: a list of
    :class:`Line`), with grep's ``-w`` (``word``), ``-x`` (``line``), ``-v``
    (``invert``) and ``-m`` (``max_count``).  Binary files are scanned as
    text."""
    inputs, as_str = _inputs(paths)
    pattern = _scan.Pattern(_needles(needle), ignore_case=ignore_case, word=word,
                            line=line)
    flags = ["records"] + (["invert"] if invert else [])
    run = _scan.Run(pattern, _scan.GREP, inputs, recursive=recursive,
                    workers=_workers(workers), text=True, grep=flags,
                    max_count=-1 if max_count is None else int(max_count))
    return _results(run, as_str, lambda n, out: [Line(*r) for r in _scan.records(out)])
