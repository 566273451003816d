"""fastmmap.open(): map a file by its path."""
import errno
import operator
import os
import stat

from fastmmap._mmap import ACCESS_COPY, ACCESS_READ, ACCESS_WRITE, _map_file

__all__ = ["open"]

# mode -> (os.open flags, access)
_MODES = {
    "r": (os.O_RDONLY, ACCESS_READ),
    "r+": (os.O_RDWR, ACCESS_WRITE),
    "c": (os.O_RDONLY, ACCESS_COPY),
    "w+": (os.O_RDWR | os.O_CREAT | os.O_TRUNC, ACCESS_WRITE),
}

# Never hang on a FIFO (a non-blocking open returns at once; the FIFO is then
# refused as not a regular file) and never make a terminal ours.  Neither
# flag changes anything for a regular file.
_COMMON_FLAGS = (os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_NOCTTY", 0))


def open(path, mode="r", *, offset=0, length=None):
    """open(path, mode="r", *, offset=0, length=None) -> fastmmap.mmap

    Map the file at ``path`` (str, bytes or os.PathLike) into memory and
    return the map; ``with fastmmap.open(path) as m:`` closes it at the end
    of the block.  ``path`` may also be the integer descriptor of an open
    regular file, as for the builtin open(): the file is mapped through it
    (it must be open for what ``mode`` needs) and the descriptor is left
    open -- the map holds a duplicate of its own.

    ``mode`` takes numpy.memmap's names:

    ``"r"``
        read only (ACCESS_READ); writing raises TypeError.
    ``"r+"``
        read and write, shared (ACCESS_WRITE): writes reach the file and
        every other map of it.
    ``"c"``
        copy-on-write (ACCESS_COPY): writes change this map only, never the
        file.  The file only needs to be readable.
    ``"w+"``
        create the file, or truncate an existing one, to exactly ``length``
        bytes of zeros (its permissions as builtins.open gives them: 0o666
        less the umask), then map it read-write and shared.  ``length`` is
        required; ``offset`` must then be 0.

    The map covers ``length`` bytes of the file from byte ``offset``, or
    everything from ``offset`` to the end when ``length`` is None.  Unlike
    ``mmap.mmap``, ``offset`` need not be a multiple of ALLOCATIONGRANULARITY
    (the map starts at the page below and shows only the bytes asked for:
    ``m[0]`` is the file's byte ``offset``; ``m.tell()`` starts at 0), and
    an empty file or an empty range gives an open, zero-length map
    (``len(m) == 0``, ``m.read() == b""``, ``m.find(x) == -1``) instead of
    an error.  The map never reaches past the end of the file, and it does
    not grow with the file: take a new map to see appended bytes.  A
    "r+" or "w+" map can still be resized (``m.resize``), changing the file
    too.

    The file is opened (close-on-exec) and its descriptor closed again
    before this returns: the map keeps a private duplicate for size() and
    resize(), released by close().  A descriptor given as ``path`` is
    neither closed nor moved.

    Errors:

    * ValueError: an unknown ``mode``; a negative ``offset`` or ``length``;
      ``offset`` or ``offset + length`` past the end of the file; "w+"
      without ``length`` or with an ``offset``.
    * TypeError: a path, offset or length of the wrong type (a bool is
      not taken for a descriptor).
    * OSError from opening the file, exactly as builtins.open raises it,
      with ``errno`` and ``filename`` set: FileNotFoundError,
      PermissionError, IsADirectoryError (also for "r" and "c", which on
      their own would open a directory), and so on.  Any other file that is
      not a regular one (a FIFO, a device, a socket) raises OSError with
      errno ENODEV: only regular files can be mapped this way.
    """
    try:
        flags, access = _MODES[mode]
    except (KeyError, TypeError):
        raise ValueError(
            "invalid mode %r; expected 'r', 'r+', 'c' or 'w+'" % (mode,)) from None
    given_fd = isinstance(path, int) and not isinstance(path, bool)
    if not given_fd:
        path = os.fspath(path)
    offset = operator.index(offset)
    if offset < 0:
        raise ValueError("offset must be >= 0, not %d" % offset)
    if length is not None:
        length = operator.index(length)
        if length < 0:
            raise ValueError("length must be >= 0, not %d" % length)
    if mode == "w+":
        if length is None:
            raise ValueError("mode 'w+' needs a length: the size of the new file")
        if offset != 0:
            raise ValueError("mode 'w+' maps a new file from its start: "
                             "offset must be 0")

    if given_fd:
        return _map_open_file(path, path, mode, access, offset, length)
    fd = os.open(path, flags | _COMMON_FLAGS, 0o666)
    try:
        return _map_open_file(fd, path, mode, access, offset, length)
    finally:
        os.close(fd)


def _map_open_file(fd, path, mode, access, offset, length):
    """The map of the file open as ``fd`` (``path`` names it in errors)."""
    st = os.fstat(fd)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.ENODEV,
                      "not a regular file; only regular files can be mapped",
                      path)
    try:
        if mode == "w+":
            # Zeros only, also through a descriptor (not opened O_TRUNC).
            os.ftruncate(fd, 0)
            os.ftruncate(fd, length)
        return _map_file(fd, access, offset, length)
    except OSError as exc:
        # ftruncate() or mmap() failing (ENOSPC, ENOMEM, ...): name the
        # file, as the errors from opening it do.
        if exc.filename is None:
            exc.filename = path
        raise
