"""The ``fastmmap`` command line.

``main(argv)`` runs one command and returns its exit status.  The package,
by concern:

_table.py     the table of commands (one row each) and their help texts
_parse.py     NEEDLE's escapes, the fast parser of plain forms, argparse
_commands.py  what lines, count and find do, and what every scan shares
_grep.py      grep's options
_report.py    the one-line error reports
_demo.py, _corpus.py   ``fastmmap demo`` and the text it generates

It uses fastmmap only through named APIs: the scanning layer
(``fastmmap._scan``: Pattern, Run, print_output) for every scan, and the
public ``fastmmap`` module for the demo; docs/architecture.rst lists the
layers.
"""
import errno
import os
import sys

from fastmmap._cli._parse import parse_arguments
from fastmmap._cli._report import Failure, report, why

__all__ = ["main"]


class _TextAsBinary:
    """Bytes writes onto a text stream without a .buffer (e.g. io.StringIO
    standing in for sys.stdout), decoding the way the OS encoded argv."""

    def __init__(self, text):
        self._text = text

    def write(self, data):
        self._text.write(os.fsdecode(bytes(data)))

    def flush(self):
        self._text.flush()


class _Output:
    """Binary standard output.  A failed write other than a broken pipe
    (e.g. ENOSPC) becomes a Failure, so it is never blamed on an input."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, data):
        try:
            self._stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise Failure("write error", exc.strerror or str(exc)) from None

    def flush(self):
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise Failure("write error", exc.strerror or str(exc)) from None


def _binary_stdout():
    out = sys.stdout
    out.flush()
    buffer = getattr(out, "buffer", None)
    return _Output(buffer if buffer is not None else _TextAsBinary(out))


def _silence_stdout():
    """After EPIPE: point fd 1 at /dev/null so the interpreter's final flush
    of whatever is still buffered cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv=None):
    """Run the command line; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    try:
        args = parse_arguments(argv)
    except SystemExit as exc:  # --help, --version, usage errors (status 2)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    try:
        out = _binary_stdout()
        status = args.func(args, out)
        out.flush()
        return status
    except Failure as exc:
        report(exc.what, exc.why)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _silence_stdout()
            return 141
        report(exc.filename, why(exc))
        return 2
    except Exception as exc:  # a bug: still one line, never a traceback
        report(None, "internal error: %s: %s" % (type(exc).__name__, exc))
        return 2
