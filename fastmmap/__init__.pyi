# Hand-written stubs, in the shape of typeshed's mmap.pyi, plus fastmmap's
# extras.  Constants exist only where the platform defines them (as in the
# stdlib); the ones listed unconditionally exist everywhere fastmmap builds.
import os
from _typeshed import ReadableBuffer, StrOrBytesPath, Unused, WriteableBuffer
from collections.abc import Iterator, Sequence
from typing import Final, Literal, NoReturn, SupportsIndex, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

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
PROT_READ: Final[int]
PROT_WRITE: Final[int]
PROT_EXEC: Final[int]

# Linux
MAP_DENYWRITE: Final[int]
MAP_EXECUTABLE: Final[int]
MAP_POPULATE: Final[int]
MAP_STACK: Final[int]
MAP_32BIT: Final[int]
MAP_NORESERVE: Final[int]

MADV_NORMAL: Final[int]
MADV_RANDOM: Final[int]
MADV_SEQUENTIAL: Final[int]
MADV_WILLNEED: Final[int]
MADV_DONTNEED: Final[int]
MADV_FREE: Final[int]
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
    def flush(self, offset: int = 0, size: int = ..., /) -> None: ...
    def madvise(self, option: int, start: int = 0, length: int = ..., /) -> None: ...
    def move(self, dest: int, src: int, count: int, /) -> None: ...
    def read(self, n: int | None = None, /) -> bytes: ...
    def read_byte(self) -> int: ...
    def readline(self) -> bytes: ...
    def resize(self, newsize: int, /) -> None: ...
    def seek(self, pos: int, whence: int = 0, /) -> int: ...
    def seekable(self) -> Literal[True]: ...
    def size(self) -> int: ...
    def tell(self) -> int: ...
    def write(self, bytes: ReadableBuffer, /) -> int: ...
    def write_byte(self, byte: int, /) -> None: ...
    def find(self, sub: ReadableBuffer, start: int = ..., end: int = ..., /) -> int: ...
    def rfind(self, sub: ReadableBuffer, start: int = ..., end: int = ..., /) -> int: ...
    # fastmmap extras
    def count(self, sub: ReadableBuffer, start: int = 0, end: int = ..., /) -> int: ...
    def find_all(
        self, sub: ReadableBuffer, start: int | None = None, end: int | None = None
    ) -> npt.NDArray[np.int64]: ...
    def lines(
        self, start: int | None = None, end: int | None = None, *, keepends: bool = True
    ) -> Iterator[bytes]: ...
    def readinto(self, buffer: WriteableBuffer) -> int: ...
    def as_array(
        self,
        dtype: npt.DTypeLike = None,
        shape: SupportsIndex | Sequence[SupportsIndex] | None = None,
        offset: SupportsIndex = 0,
        order: Literal["C", "F"] = "C",
    ) -> np.ndarray: ...
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
    def __exit__(self, *args: Unused) -> None: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __release_buffer__(self, buffer: memoryview, /) -> None: ...

def open(
    path: StrOrBytesPath | os.PathLike[str] | os.PathLike[bytes],
    mode: Literal["r", "r+", "c", "w+"] = "r",
    *,
    offset: int = 0,
    length: int | None = None,
) -> mmap: ...
