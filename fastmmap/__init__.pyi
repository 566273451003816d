# Hand-written stubs, in the shape of typeshed's mmap.pyi, plus fastmmap's
# extras.  As in the stdlib, a constant exists only where the platform's
# headers define it: the platform blocks below list what Linux and macOS
# define.  tests/test_stubs.py runs stubtest against the compiled module.
import os
import sys
from _typeshed import ReadableBuffer, StrOrBytesPath, WriteableBuffer
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Final, Literal, NoReturn, SupportsIndex, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import Self, disjoint_base

__all__ = [
    "ACCESS_COPY",
    "ACCESS_DEFAULT",
    "ACCESS_READ",
    "ACCESS_WRITE",
    "ALLOCATIONGRANULARITY",
    "MAP_ANON",
    "MAP_ANONYMOUS",
    "MAP_PRIVATE",
    "MAP_SHARED",
    "PAGESIZE",
    "PROT_EXEC",
    "PROT_READ",
    "PROT_WRITE",
    "MADV_DONTNEED",
    "MADV_FREE",
    "MADV_NORMAL",
    "MADV_RANDOM",
    "MADV_SEQUENTIAL",
    "MADV_WILLNEED",
    "MAP_NORESERVE",
    "MS_ASYNC",
    "MS_INVALIDATE",
    "MS_SYNC",
    "TrackfdSizeError",
    "__version__",
    "error",
    "mmap",
]

__version__: Final[str]
error = OSError

ACCESS_DEFAULT: Final[int]
ACCESS_READ: Final[int]
ACCESS_WRITE: Final[int]
ACCESS_COPY: Final[int]
ALLOCATIONGRANULARITY: Final[int]
PAGESIZE: Final[int]

MAP_SHARED: Final[int]
MAP_PRIVATE: Final[int]
MAP_ANON: Final[int]
MAP_ANONYMOUS: Final[int]
MAP_NORESERVE: Final[int]
PROT_READ: Final[int]
PROT_WRITE: Final[int]
PROT_EXEC: Final[int]

# flush(flags=...), new in CPython 3.15.
MS_SYNC: Final[int]
MS_ASYNC: Final[int]
MS_INVALIDATE: Final[int]

MADV_NORMAL: Final[int]
MADV_RANDOM: Final[int]
MADV_SEQUENTIAL: Final[int]
MADV_WILLNEED: Final[int]
MADV_DONTNEED: Final[int]
MADV_FREE: Final[int]

if sys.platform == "linux":
    __all__ += [
        "MAP_32BIT",
        "MAP_DENYWRITE",
        "MAP_EXECUTABLE",
        "MAP_POPULATE",
        "MAP_STACK",
        "MADV_DODUMP",
        "MADV_DOFORK",
        "MADV_DONTDUMP",
        "MADV_DONTFORK",
        "MADV_HUGEPAGE",
        "MADV_HWPOISON",
        "MADV_MERGEABLE",
        "MADV_NOHUGEPAGE",
        "MADV_REMOVE",
        "MADV_UNMERGEABLE",
    ]
    MAP_DENYWRITE: Final[int]
    MAP_EXECUTABLE: Final[int]
    MAP_POPULATE: Final[int]
    MAP_STACK: Final[int]
    # x86-64 (and 32-bit x86) only.
    MAP_32BIT: Final[int]

    MADV_REMOVE: Final[int]
    MADV_DONTFORK: Final[int]
    MADV_DOFORK: Final[int]
    MADV_HWPOISON: Final[int]
    MADV_MERGEABLE: Final[int]
    MADV_UNMERGEABLE: Final[int]
    MADV_HUGEPAGE: Final[int]
    MADV_NOHUGEPAGE: Final[int]
    MADV_DONTDUMP: Final[int]
    MADV_DODUMP: Final[int]

if sys.platform == "darwin":
    __all__ += [
        "MAP_HASSEMAPHORE",
        "MAP_JIT",
        "MAP_NOCACHE",
        "MAP_NOEXTEND",
        "MAP_RESILIENT_CODESIGN",
        "MAP_RESILIENT_MEDIA",
        "MAP_TPRO",
        "MAP_TRANSLATED_ALLOW_EXECUTE",
        "MAP_UNIX03",
        "MADV_FREE_REUSABLE",
        "MADV_FREE_REUSE",
    ]
    MAP_NOEXTEND: Final[int]
    MAP_HASSEMAPHORE: Final[int]
    MAP_NOCACHE: Final[int]
    MAP_JIT: Final[int]
    MAP_RESILIENT_CODESIGN: Final[int]
    MAP_RESILIENT_MEDIA: Final[int]
    MAP_UNIX03: Final[int]
    # Only with recent SDKs (the value is fixed when fastmmap is compiled).
    MAP_TRANSLATED_ALLOW_EXECUTE: Final[int]
    MAP_TPRO: Final[int]

    MADV_FREE_REUSABLE: Final[int]
    MADV_FREE_REUSE: Final[int]

# size() with trackfd=False: ValueError as in CPython 3.15, and
# OSError(EBADF) as in 3.13-3.14.
class TrackfdSizeError(ValueError, OSError): ...

@disjoint_base
class mmap:
    def __new__(
        cls,
        fileno: int,
        length: int,
        flags: int = ...,
        prot: int = ...,
        access: int = ...,
        offset: int = 0,
        *,
        trackfd: bool = True,
    ) -> Self: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def flush(self, offset: int = 0, size: int = -1, /, *, flags: int = 0) -> None: ...
    def madvise(self, option: int, start: int = 0, length: int | None = None, /) -> None: ...
    def move(self, dest: int, src: int, count: int, /) -> None: ...
    def read(self, n: int | None = None, /) -> bytes: ...
    def read_byte(self) -> int: ...
    def readline(self) -> bytes: ...
    def resize(self, newsize: int, /) -> None: ...
    def seek(self, pos: int, whence: int = 0, /) -> int: ...
    def seekable(self) -> Literal[True]: ...
    def set_name(self, name: str, /) -> None: ...
    def size(self) -> int: ...
    def tell(self) -> int: ...
    def write(self, bytes: ReadableBuffer, /) -> int: ...
    def write_byte(self, byte: int, /) -> None: ...
    def find(self, view: ReadableBuffer, start: int | None = None, end: int | None = None, /) -> int: ...
    def rfind(self, view: ReadableBuffer, start: int | None = None, end: int | None = None, /) -> int: ...
    # fastmmap extras
    def count(
        self,
        sub: ReadableBuffer | tuple[ReadableBuffer, ...] | list[ReadableBuffer],
        start: int | None = None,
        end: int | None = None,
        /,
        *,
        workers: int | None = 1,
        ignore_case: bool = False,
    ) -> int: ...
    def find_all(
        self,
        sub: ReadableBuffer | tuple[ReadableBuffer, ...] | list[ReadableBuffer],
        start: int | None = None,
        end: int | None = None,
        *,
        workers: int | None = 1,
        ignore_case: bool = False,
    ) -> npt.NDArray[np.int64]: ...
    def search(
        self,
        sub: ReadableBuffer | tuple[ReadableBuffer, ...] | list[ReadableBuffer],
        start: int | None = None,
        end: int | None = None,
        /,
        *,
        ignore_case: bool = False,
        reverse: bool = False,
    ) -> tuple[int, int]: ...
    def lines(
        self, start: int | None = None, end: int | None = None, *, keepends: bool = True
    ) -> Iterator[bytes]: ...
    def readinto(self, buffer: WriteableBuffer) -> int: ...
    def as_array(
        self,
        dtype: npt.DTypeLike | None = None,
        shape: SupportsIndex | Sequence[SupportsIndex] | None = None,
        offset: SupportsIndex = 0,
        order: Literal["C", "F"] = "C",
    ) -> npt.NDArray[Any]: ...
    # protocols
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int, /) -> int: ...
    @overload
    def __getitem__(self, key: slice, /) -> bytes: ...
    def __delitem__(self, key: int | slice, /) -> NoReturn: ...
    @overload
    def __setitem__(self, key: int, value: int, /) -> None: ...
    @overload
    def __setitem__(self, key: slice, value: ReadableBuffer, /) -> None: ...
    # Iteration yields 1-byte bytes objects, as the stdlib's does.
    def __iter__(self) -> Iterator[bytes]: ...
    def __reversed__(self) -> Iterator[bytes]: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> None: ...
    # The buffer protocol (CPython only exposes these names from 3.12 on).
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __release_buffer__(self, buffer: memoryview, /) -> None: ...

def open(
    path: StrOrBytesPath | os.PathLike[str] | os.PathLike[bytes],
    mode: Literal["r", "r+", "c", "w+"] = "r",
    *,
    offset: int = 0,
    length: int | None = None,
) -> mmap: ...
