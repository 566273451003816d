"""The command line's inputs: every file a user can name, as bytes to scan.

A regular file with a non-zero size is memory-mapped read-only.  Anything
else -- standard input as a pipe or a terminal, FIFOs, character devices
such as /dev/null, procfs and sysfs files (which report size 0 but have
contents), or a file whose map fails -- is read in large blocks.  Either
way an engine of fastmmap._scan sees one buffer (the map) or a growing
buffer of blocks, so the same kernels give the same answers.
"""
import os
import stat
import sys

import fastmmap

STDIN_NAME = "(standard input)"

# read() size for inputs that are not mapped.
BLOCK = 1 << 20

# Bytes looked at for a NUL to call a file binary, as grep does with its
# first buffer.
BINARY_PROBE = 32 << 10


class Failure(Exception):
    """A one-line error: ``fastmmap: <what>: <why>`` on stderr."""

    def __init__(self, what, why):
        super().__init__(what, why)
        self.what = what
        self.why = why


def report(what, text):
    """``fastmmap: WHAT: TEXT`` on stderr."""
    prefix = "fastmmap: "
    if what:
        prefix += "%s: " % (what,)
    sys.stderr.write(prefix + text + "\n")
    sys.stderr.flush()


def why(exc):
    """An OSError's reason for a ``fastmmap: NAME: why`` line.  fastmmap's
    own messages (the EFAULT of a file truncated under its map) start with
    "fastmmap: " already: that is dropped, so the line has the prefix once."""
    text = exc.strerror or str(exc)
    if text.startswith("fastmmap: "):
        text = text[len("fastmmap: "):]
    return text


def display(name):
    """The name printed for an input ("-" is standard input)."""
    return STDIN_NAME if name == "-" else name


class Input:
    """One opened input: ``map`` (a fastmmap.mmap) or ``fd`` to read."""

    def __init__(self, name, fd, owns_fd, mapped, st):
        self.name = name
        # what fstat() said: wc sizes its columns from these
        self.regular = stat.S_ISREG(st.st_mode)
        self.stat_size = st.st_size
        self.label = display(name)
        self.fd = fd
        self._owns_fd = owns_fd
        self.map = mapped

    def close(self):
        if self.map is not None:
            self.map.close()
            self.map = None
        if self._owns_fd and self.fd is not None:
            os.close(self.fd)
        self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def feed(self, engine_feed, probe=None):
        """Run ``engine_feed(buffer, final) -> bytes no longer needed``
        over the whole input; returns the total size in bytes.  ``probe``,
        if given, is called once with the first block (a memoryview) and
        may return False to stop before anything is fed."""
        if self.map is not None:
            with memoryview(self.map) as view:
                if probe is not None and probe(view[:BINARY_PROBE]) is False:
                    return len(view)
                engine_feed(view, True)
                return len(view)
        return self._feed_blocks(engine_feed, probe)

    def _feed_blocks(self, engine_feed, probe):
        buf = bytearray(BLOCK)
        filled = 0
        total = 0
        first = True
        while True:
            if len(buf) - filled < BLOCK // 2:
                # A long line (or a long stretch without an occurrence of a
                # periodic needle) is still kept: make room after it.
                buf.extend(bytes(len(buf)))
            with memoryview(buf) as view:
                got = os.readv(self.fd, [view[filled:]])
            total += got
            filled += got
            final = got == 0
            with memoryview(buf) as view, view[:filled] as data:
                if first and probe is not None:
                    first = False
                    if probe(data) is False:
                        return total
                keep = engine_feed(data, final)
            if final:
                return total
            if keep:
                buf[:filled - keep] = buf[keep:filled]
                filled -= keep


def open_input(name):
    """Open the input called ``name`` ("-" is standard input, read from
    its current position).  Raises Failure with the reason it cannot."""
    label = display(name)
    if name == "-":
        fd, owns = 0, False
    else:
        try:
            fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise Failure(label, why(exc)) from None
        except ValueError as exc:  # e.g. an embedded NUL in the name
            raise Failure(label, str(exc)) from None
        owns = True
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise Failure(label, os.strerror(21))   # EISDIR, as read() says
        mapped = _try_map(fd, st) if stat.S_ISREG(st.st_mode) else None
    except OSError as exc:
        if owns:
            os.close(fd)
        raise Failure(label, why(exc)) from None
    except BaseException:
        if owns:
            os.close(fd)
        raise
    return Input(name, fd, owns, mapped, st)


def _try_map(fd, st):
    """A read-only map of the regular file open as fd, from its current
    position; None when it should be read instead (size 0, as procfs and
    sysfs files report, or a file system that cannot map)."""
    if st.st_size == 0:
        return None
    try:
        offset = os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        offset = 0
    if offset >= st.st_size:
        return None
    try:
        return fastmmap.open(fd, "r", offset=offset)
    except (OSError, ValueError):     # ValueError: shrunk meanwhile
        return None
