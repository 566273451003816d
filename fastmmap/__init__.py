"""fastmmap: the stdlib ``mmap`` module, rebuilt for speed and safety.

``import fastmmap as mmap`` is a drop-in replacement (CPython 3.15 semantics
on Python 3.10-3.15).  Extras: ``mmap.count``, ``mmap.find_all``,
``mmap.lines``, ``mmap.readinto``, ``mmap.as_array`` and ``fastmmap.open``.

``fastmmap.open`` is not in ``__all__`` (the stdlib module has no ``open``):
``from fastmmap import *`` leaves the builtin ``open`` alone.
"""

try:
    from fastmmap._mmap import CONSTANTS as _CONSTANTS
except ModuleNotFoundError as exc:
    # A source checkout on sys.path (the current directory, say) shadows
    # the installed package, and holds no compiled modules until built.
    if not (exc.name or "").startswith("fastmmap."):
        raise
    import os as _os

    raise ImportError(
        "fastmmap's compiled extension is not built: %s (no module %r).  "
        "Python imported the source tree %s, not an installed fastmmap.  "
        "Build it in place with `python setup.py build_ext --inplace` "
        "(or `python -m pip install -e .`), or run from outside the source "
        "directory to use an installed fastmmap."
        % (exc, exc.name, _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))),
        name=exc.name, path=_os.path.dirname(_os.path.abspath(__file__)),
    ) from None
from fastmmap._mmap import TrackfdSizeError, mmap
from fastmmap._open import open as open  # re-exported, not in __all__ (see above)
from fastmmap._version import __version__

error = OSError

globals().update(_CONSTANTS)

__all__ = ["mmap", "error", "TrackfdSizeError", "__version__", *sorted(_CONSTANTS)]

del _CONSTANTS
