"""How the command line reports a problem: ``fastmmap: WHAT: WHY`` on
stderr, one line, never a traceback."""
import sys


class Failure(Exception):
    """A one-line error: ``fastmmap: <what>: <why>`` on stderr."""

    def __init__(self, what, why):
        super().__init__(what, why)
        self.what = what
        self.why = why


def report(what, text):
    """``fastmmap: WHAT: TEXT`` on stderr (WHAT may be bytes: a file name
    as the OS gave it)."""
    prefix = "fastmmap: "
    if what:
        if isinstance(what, bytes):
            import os

            what = os.fsdecode(what)
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
