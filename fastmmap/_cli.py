"""The ``fastmmap`` command line: argument parsing and the table of commands.

Every command is one row of COMMANDS: its name, a one-line help, a
description, a function adding its arguments to an argparse parser, and the
function that runs it.  Adding a command means adding a row (and its run
function, in fastmmap._commands or a module of its own).
"""
import codecs
import errno
import os
import sys
import warnings

from fastmmap._inputs import Failure, report, why

_DESCRIPTION = """\
Scan big files through fastmmap's memory maps and search kernels, with the
conventions of wc and grep.  Run "fastmmap COMMAND --help" for a command's
arguments.
"""

_NEEDLE_NOTE = """\
NEEDLE is taken literally, bytes for bytes, after decoding Python-style
escapes: \\n, \\t, \\r, \\\\, \\xHH (a byte), \\uXXXX and \\UXXXXXXXX (a
character, as UTF-8); an unknown escape such as \\d stays as written.  Put
-- before a NEEDLE that starts with a dash."""

_FILE_NOTE = """\
FILE "-", or no FILE at all, is standard input (a redirected file, a pipe or
a terminal).  Regular files are memory-mapped; pipes, FIFOs, devices and
files that report size 0 (/proc, /sys) are read in large blocks."""

_STATUS = """\
exit status:
  0    something was found or counted (lines, demo: success)
  1    nothing matched (count, find, grep); the answers disagreed (demo)
  2    an error: a file could not be read (the others are still scanned),
       or bad arguments
  141  the reader of standard output went away (like a tool killed by
       SIGPIPE; nothing is printed)
  130  interrupted (Ctrl-C)
"""

_EXAMPLES = """\
examples:
  fastmmap lines *.log
  fastmmap count 'ERROR' app.log
  fastmmap find --all '\\x00\\x00' image.bin
  cat a.log | fastmmap grep -n 'timeout'
  fastmmap demo --size 1G
"""


# ----------------------------------------------------------------------------
# NEEDLE

def _decode_escapes(raw, text):
    try:
        return codecs.escape_decode(raw)[0]
    except ValueError as exc:
        raise Failure("NEEDLE %r" % (text,), "bad escape: %s" % (exc,)) from None


def parse_needle(text):
    """NEEDLE (a command-line str) -> bytes, with Python escapes decoded.

    \\uXXXX and \\UXXXXXXXX give the character's UTF-8 bytes; the other
    escapes are those of a bytes literal."""
    raw = os.fsencode(text)
    pieces = []
    start = i = 0
    with warnings.catch_warnings():
        # unknown escapes (\d) stay as written, as in a bytes literal
        warnings.simplefilter("ignore", DeprecationWarning)
        while True:
            i = raw.find(b"\\", i)
            if i < 0:
                break
            kind = raw[i + 1:i + 2]
            if kind not in (b"u", b"U"):
                i += 2      # an escape of a bytes literal (or \\): later
                continue
            digits = 4 if kind == b"u" else 8
            code = raw[i + 2:i + 2 + digits]
            try:
                if len(code) != digits or not code.isalnum():
                    raise ValueError
                char = chr(int(code, 16)).encode("utf-8")
            except (ValueError, OverflowError, UnicodeEncodeError):
                raise Failure("NEEDLE %r" % (text,), "bad escape: \\%s needs %d hex "
                              "digits of a character" % (kind.decode(), digits)) from None
            pieces.append(_decode_escapes(raw[start:i], text))
            pieces.append(char)
            i = start = i + 2 + digits
        pieces.append(_decode_escapes(raw[start:], text))
    return b"".join(pieces)


# ----------------------------------------------------------------------------
# Arguments of each command

def _needle_argument(parser):
    parser.add_argument("needle", metavar="NEEDLE", type=_needle_type,
                        help="the bytes to look for")


def _needle_type(text):
    import argparse

    try:
        return parse_needle(text)
    except Failure as exc:
        raise argparse.ArgumentTypeError(exc.why) from None


def _files_argument(parser, recursive=False):
    if recursive:
        parser.add_argument("-r", "--recursive", action="store_true",
                            help="scan the files under each directory (FILE "
                                 "default: .), printing their names")
    parser.add_argument("files", nargs="*", metavar="FILE")


def _lines_arguments(parser):
    _files_argument(parser)


def _count_arguments(parser):
    _needle_argument(parser)
    _files_argument(parser, recursive=True)


def _find_arguments(parser):
    _needle_argument(parser)
    _files_argument(parser, recursive=True)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="every non-overlapping occurrence, in order")
    which.add_argument("--last", action="store_true",
                       help="the last occurrence")


def _grep_arguments(parser):
    parser.add_argument("-n", "--line-number", action="store_true",
                        help="prefix each line with its 1-based number")
    parser.add_argument("-a", "--text", action="store_true",
                        help="print matching lines of binary files too")
    _needle_argument(parser)
    _files_argument(parser, recursive=True)


def _demo_arguments(parser):
    from fastmmap import _demo

    _demo.add_arguments(parser)


def _runs(module, function):
    """The run function ``fastmmap.<module>.<function>``, imported on its
    first call, so that starting one command loads no other's code."""
    def run(args, out):
        return getattr(__import__("fastmmap." + module, fromlist=[function]),
                       function)(args, out)
    return run


_run_lines = _runs("_commands", "run_lines")
_run_count = _runs("_commands", "run_count")
_run_find = _runs("_commands", "run_find")
_run_grep = _runs("_commands", "run_grep")
_run_demo = _runs("_demo", "run_demo")


class Command:
    """One row of the table of commands."""

    __slots__ = ("name", "help", "description", "notes", "arguments", "run")

    def __init__(self, name, help, description, notes, arguments, run):
        self.name = name
        self.help = help
        self.description = description
        self.notes = notes
        self.arguments = arguments
        self.run = run


COMMANDS = (
    Command("lines", "count lines, like wc -l", """\
Print the number of newline bytes in each FILE, like wc -l (a last line
without a newline is not counted), and a total when there are several.""",
            (_FILE_NOTE,), _lines_arguments, _run_lines),
    Command("count", "count occurrences of NEEDLE", """\
Print how many times NEEDLE occurs in each FILE, counting every
non-overlapping occurrence (not matching lines, unlike grep -c): a bare
number for one FILE, FILE:N for several.""",
            (_NEEDLE_NOTE, _FILE_NOTE), _count_arguments, _run_count),
    Command("find", "print byte offsets of NEEDLE", """\
Print the byte offset of the first occurrence of NEEDLE in each FILE
(0-based, from where the input starts), of every non-overlapping one with
--all, or of the last one with --last, one per line, as FILE:OFFSET when
there are several files.  Nothing is printed for a FILE without it.""",
            (_NEEDLE_NOTE, _FILE_NOTE), _find_arguments, _run_find),
    Command("grep", "print lines holding NEEDLE, like grep -F", """\
Print each line of FILE that an occurrence of NEEDLE touches, as rg -F
does (rg -U -F for a NEEDLE holding a newline: every line an occurrence
spans), prefixed with FILE: when there are several files and with the line
number with -n.  Lines are written as raw bytes.  For a binary file (a NUL
byte in its first 32 KiB) only "binary file FILE matches" is printed,
unless -a is given.""",
            (_NEEDLE_NOTE, _FILE_NOTE), _grep_arguments, _run_grep),
    Command("demo", "benchmark fastmmap against the stdlib mmap", """\
Generate a deterministic English-like text file in a temporary directory,
time fastmmap against the stdlib mmap module on it (find and rfind of an
absent needle, counting lines, iterating lines), print a table and check
that both give the same answers.  Progress goes to stderr, the table to
stdout.  Needs NumPy to generate the text.""",
            (), _demo_arguments, _run_demo),
)


def _command(name):
    for command in COMMANDS:
        if command.name == name:
            return command
    return None


# ----------------------------------------------------------------------------
# Parsers

def _version():
    from fastmmap._version import __version__
    return "fastmmap %s" % __version__


def build_parser():
    """The top-level parser: --help, --version and the list of commands."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="fastmmap", description=_DESCRIPTION, epilog=_STATUS + "\n" + _EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        sub.add_parser(command.name, help=command.help)
    return parser


def build_command_parser(command):
    """The parser of one command: its errors show its own usage."""
    import argparse

    description = "\n\n".join((command.description,) + command.notes)
    parser = argparse.ArgumentParser(
        prog="fastmmap " + command.name, description=description,
        epilog=_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter)
    command.arguments(parser)
    parser.set_defaults(command=command.name, func=command.run)
    return parser


class Arguments:
    """What parse_simple() returns: the fields argparse's Namespace has."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "Arguments(%s)" % ", ".join(
            "%s=%r" % item for item in sorted(self.__dict__.items()))


def parse_simple(argv):
    """``lines [--] FILE...``, ``count [--] NEEDLE FILE...`` and ``grep [--]
    NEEDLE FILE...`` (no options): the arguments argparse would give,
    without importing it.  Importing argparse (with re, enum and gettext)
    takes longer than the rest of start-up, and these commands are the
    ones run on big files from scripts, which put ``--`` before a needle
    that may start with a dash.  Without ``--`` no argument may look like
    an option; after it, any may, but another ``--`` may not (argparse
    versions treat that one differently).  None for anything else
    (options, missing arguments, a bad escape), which the full parser then
    handles, errors and help included."""
    if not argv or argv[0] not in ("lines", "count", "grep"):
        return None
    rest = argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
        if "--" in rest:
            return None
    elif any(arg.startswith("-") and arg != "-" for arg in rest):
        return None
    if argv[0] == "lines":
        return Arguments(command="lines", files=rest, func=_run_lines)
    if not rest:
        return None
    try:
        needle = parse_needle(rest[0])
    except Failure:
        return None
    if argv[0] == "grep":
        return Arguments(command="grep", needle=needle, files=rest[1:],
                         line_number=False, text=False, recursive=False,
                         func=_run_grep)
    return Arguments(command="count", needle=needle, files=rest[1:],
                     recursive=False, func=_run_count)


def parse_arguments(argv):
    """argv -> the arguments of one command; raises SystemExit for --help,
    --version and usage errors, as argparse does."""
    args = parse_simple(argv)
    if args is not None:
        return args
    command = _command(argv[0]) if argv else None
    if command is None:
        return build_parser().parse_args(argv)
    return build_command_parser(command).parse_args(argv[1:])


# ----------------------------------------------------------------------------
# Output and main

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
