"""The table of commands: each command's name, help, description, the
function adding its arguments to an argparse parser, the function that runs
it, and what the fast parser (_parse.py) needs to parse its plain form.
Adding a command means adding a row here and its run function (in
_commands.py or a module of its own)."""
from fastmmap._cli._report import Failure

DESCRIPTION = """\
Scan big files through fastmmap's memory maps and search kernels, with the
conventions of wc and grep.  Run "fastmmap COMMAND --help" for a command's
arguments.
"""

NEEDLE_NOTE = """\
NEEDLE is taken literally, bytes for bytes, after decoding Python-style
escapes: \\n, \\t, \\r, \\\\, \\xHH (a byte), \\uXXXX and \\UXXXXXXXX (a
character, as UTF-8); an unknown escape such as \\d stays as written.  Put
-- before a NEEDLE that starts with a dash."""

FILE_NOTE = """\
FILE "-", or no FILE at all, is standard input (a redirected file, a pipe or
a terminal).  Regular files are read whole when small and memory-mapped
when big; pipes, FIFOs, devices and files that report size 0 (/proc, /sys)
are read in large blocks."""

STATUS = """\
exit status:
  0    something was found or counted (lines, demo: success)
  1    nothing matched (count, find, grep); the answers disagreed (demo)
  2    an error: a file could not be read (the others are still scanned),
       or bad arguments
  141  the reader of standard output went away (like a tool killed by
       SIGPIPE; nothing is printed)
  130  interrupted (Ctrl-C)
"""

EXAMPLES = """\
examples:
  fastmmap lines *.log
  fastmmap count 'ERROR' app.log
  fastmmap find --all '\\x00\\x00' image.bin
  cat a.log | fastmmap grep -n 'timeout'
  fastmmap demo --size 1G
"""


def _needle_argument(parser):
    parser.add_argument("needle", metavar="NEEDLE", type=_needle_type,
                        help="the bytes to look for")


def _needle_type(text):
    import argparse

    from fastmmap._cli._parse import parse_needle

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
    from fastmmap._cli import _grep

    _grep.add_arguments(parser)


def _prepare_grep(argv):
    from fastmmap._cli import _grep

    return _grep.prepare_argv(argv)


def _demo_arguments(parser):
    from fastmmap._cli import _demo

    _demo.add_arguments(parser)


def _runs(module, function):
    """The run function ``fastmmap._cli.<module>.<function>``, imported on
    its first call, so that starting one command loads no other's code."""
    def run(args, out):
        return getattr(__import__("fastmmap._cli." + module, fromlist=[function]),
                       function)(args, out)
    return run


_run_lines = _runs("_commands", "run_lines")
_run_count = _runs("_commands", "run_count")
_run_find = _runs("_commands", "run_find")
_run_grep = _runs("_grep", "run_grep")
_run_demo = _runs("_demo", "run_demo")


# What argparse gives grep's options when none is given (the plain form
# `grep NEEDLE FILE...` has them all so).
_GREP_DEFAULTS = {
    "patterns": None, "pattern_files": None, "fixed_strings": False,
    "ignore_case": False, "invert_match": False, "word_regexp": False,
    "line_regexp": False, "count": False, "list_files": None,
    "only_matching": False, "quiet": False,
    "no_messages": False, "byte_offset": False, "line_number": False,
    "text": False, "recursive": False, "max_count": None,
    "with_filename": None, "color": "auto", "after_context": None,
    "before_context": None, "context": None, "globs": None,
    "exclude_dir": None, "threads": None,
}

# grep's one-letter switches that the fast parser takes too (alone or
# clustered, as in -rn, before NEEDLE): letter -> (dest, value), as the
# argparse parser of _grep.add_arguments sets them.
_GREP_LETTERS = {
    "F": ("fixed_strings", True), "i": ("ignore_case", True),
    "v": ("invert_match", True), "w": ("word_regexp", True),
    "x": ("line_regexp", True), "c": ("count", True),
    "o": ("only_matching", True), "q": ("quiet", True),
    "s": ("no_messages", True), "b": ("byte_offset", True),
    "n": ("line_number", True), "a": ("text", True), "r": ("recursive", True),
    "l": ("list_files", "with"), "L": ("list_files", "without"),
    "H": ("with_filename", True), "h": ("with_filename", False),
}


class Command:
    """One row of the table of commands.

    ``simple`` names the positional arguments of the command's plain form
    (no options), which _parse.parse_simple() reads without argparse:
    ("files",) or ("needle", "files"); None when every use needs argparse.
    ``defaults`` are the values argparse gives the command's options when
    none is given (the plain form has them all at their defaults); a test
    checks the two parsers agree.  ``letters`` are the one-letter switches
    the fast parser takes too (letter -> (dest, value)), and
    ``needle_options`` the options it takes with a NEEDLE after them, each
    appended to a list (option -> dest).  ``prepare`` rewrites the
    arguments before argparse reads them."""

    __slots__ = ("name", "help", "description", "notes", "arguments", "run",
                 "simple", "defaults", "letters", "needle_options", "prepare")

    def __init__(self, name, help, description, notes, arguments, run,
                 simple=None, defaults=None, letters=None, needle_options=None,
                 prepare=None):
        self.name = name
        self.help = help
        self.description = description
        self.notes = notes
        self.arguments = arguments
        self.run = run
        self.simple = simple
        self.defaults = defaults or {}
        self.letters = letters or {}
        self.needle_options = needle_options or {}
        # argv -> argv as argparse should see it (grep: GNU getopt's ways).
        self.prepare = prepare


COMMANDS = (
    Command("lines", "count lines, like wc -l", """\
Print the number of newline bytes in each FILE, like wc -l (a last line
without a newline is not counted), and a total when there are several.""",
            (FILE_NOTE,), _lines_arguments, _run_lines, simple=("files",)),
    Command("count", "count occurrences of NEEDLE", """\
Print how many times NEEDLE occurs in each FILE, counting every
non-overlapping occurrence (not matching lines, unlike grep -c): a bare
number for one FILE, FILE:N for several.""",
            (NEEDLE_NOTE, FILE_NOTE), _count_arguments, _run_count,
            simple=("needle", "files"), defaults={"recursive": False}),
    Command("find", "print byte offsets of NEEDLE", """\
Print the byte offset of the first occurrence of NEEDLE in each FILE
(0-based, from where the input starts), of every non-overlapping one with
--all, or of the last one with --last, one per line, as FILE:OFFSET when
there are several files.  Nothing is printed for a FILE without it.""",
            (NEEDLE_NOTE, FILE_NOTE), _find_arguments, _run_find),
    Command("grep", "print lines holding NEEDLE, like grep -F", """\
Print each line of FILE that NEEDLE (or any -e NEEDLE, or a line of a -f
FILE) occurs in, with GNU grep -F's options and output (as grep does with
LC_ALL=C: bytes, ASCII case and word characters).  A NEEDLE holding a
newline selects every line an occurrence spans, as rg -U -F does.  File
names are shown when there are several FILEs or -r walks a directory; FILE
operands are scanned on every CPU (-j N to choose) and printed in the order
given, each directory's files in name order.  Matches are coloured on a
terminal (--color).  For a binary file (a NUL byte in its first 32 KiB)
only "binary file FILE matches" is printed, unless -a is given.""",
            (NEEDLE_NOTE, FILE_NOTE), _grep_arguments, _run_grep,
            simple=("operands",), defaults=_GREP_DEFAULTS, letters=_GREP_LETTERS,
            needle_options={"-e": "patterns"}, prepare=_prepare_grep),
    Command("demo", "benchmark fastmmap against the stdlib mmap", """\
Generate a deterministic English-like text file in a temporary directory,
time fastmmap against the stdlib mmap module on it (find and rfind of an
absent needle, counting lines, iterating lines), print a table and check
that both give the same answers.  Progress goes to stderr, the table to
stdout.  Needs NumPy to generate the text.""",
            (), _demo_arguments, _run_demo),
)


def command_named(name):
    for command in COMMANDS:
        if command.name == name:
            return command
    return None
