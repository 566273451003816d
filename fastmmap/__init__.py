"""fastmmap: the stdlib ``mmap`` module, rebuilt for speed and safety.

``import fastmmap as mmap`` is a drop-in replacement (CPython 3.15 semantics
on Python 3.10-3.15).  Extras: ``mmap.count``, ``mmap.find_all``,
``mmap.lines``, ``mmap.readinto``, ``mmap.as_array`` and ``fastmmap.open``.
"""

from fastmmap._mmap import CONSTANTS as _CONSTANTS
from fastmmap._mmap import TrackfdSizeError, mmap
from fastmmap._open import open
from fastmmap._version import __version__

error = OSError

globals().update(_CONSTANTS)

__all__ = ["mmap", "open", "error", "TrackfdSizeError", "__version__",
           *sorted(_CONSTANTS)]

del _CONSTANTS
