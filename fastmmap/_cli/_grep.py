"""``fastmmap grep``: GNU grep -F's options and output, on the scanning
engine (fastmmap._scan).

The options mean what they mean to GNU grep run with LC_ALL=C (bytes, ASCII
case and word characters), with ripgrep's defaults where grep has none:
matches are coloured on a terminal, and the inputs are scanned on every
CPU (-j N to choose).  docs/cli.rst lists the differences.
"""
import os

import fastmmap._scan as _scan
from fastmmap._cli._commands import emit, operands, status, workers
from fastmmap._cli._report import Failure

# (dest, flags, help) of the options that are plain switches.
_SWITCHES = (
    ("matching", (
        ("fixed_strings", ("-F", "--fixed-strings"),
         "NEEDLE is a fixed string (it always is; accepted for grep's sake)"),
        ("ignore_case", ("-i", "--ignore-case"), "ASCII letters match either case"),
        ("invert_match", ("-v", "--invert-match"), "select the lines without a match"),
        ("word_regexp", ("-w", "--word-regexp"),
         "match only where letters, digits and _ do not continue the match"),
        ("line_regexp", ("-x", "--line-regexp"), "match only whole lines"),
    )),
    ("output", (
        ("count", ("-c", "--count"), "print only how many lines each FILE selects"),
        ("only_matching", ("-o", "--only-matching"),
         "print only the matches, each on its own line"),
        ("quiet", ("-q", "--quiet", "--silent"),
         "print nothing; exit 0 at the first selected line"),
        ("no_messages", ("-s", "--no-messages"),
         "say nothing about files that cannot be read"),
        ("byte_offset", ("-b", "--byte-offset"),
         "prefix each line with the byte offset of its start (of the match with -o)"),
        ("line_number", ("-n", "--line-number"), "prefix each line with its number"),
        ("text", ("-a", "--text"), "scan binary files as text"),
        ("recursive", ("-r", "--recursive"),
         "scan the files under each directory (FILE default: .)"),
    )),
)


def _count_type(text):
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("invalid number: %r" % (text,)) from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative: %r" % (text,))
    return value


def _needle_type(text):
    import argparse

    from fastmmap._cli._parse import parse_needle

    try:
        return parse_needle(text)
    except Failure as exc:
        raise argparse.ArgumentTypeError(exc.why) from None


def _include(glob):
    return os.fsencode(glob), True


def _exclude(glob):
    return os.fsencode(glob), False


def add_arguments(parser):
    parser.usage = "fastmmap grep [OPTION...] NEEDLE [FILE...]\n" \
                   "       fastmmap grep [OPTION...] -e NEEDLE... [-f FILE...] [FILE...]"
    for title, switches in _SWITCHES:
        group = parser.add_argument_group(title)
        if title == "matching":
            group.add_argument("-e", "--regexp", dest="patterns", action="append",
                               type=_needle_type, metavar="NEEDLE",
                               help="a NEEDLE (several: a line holding any of them)")
            group.add_argument("-f", "--file", dest="pattern_files", action="append",
                               metavar="FILE", help="the NEEDLEs of FILE, one per line")
        for dest, flags, text in switches:
            group.add_argument(*flags, dest=dest, action="store_true", help=text)
        if title == "output":
            # -l and -L: the last one given counts, as in GNU grep.
            group.add_argument("-l", "--files-with-matches", dest="list_files",
                               action="store_const", const="with",
                               help="print only the names of the FILEs with a selected line")
            group.add_argument("-L", "--files-without-match", dest="list_files",
                               action="store_const", const="without",
                               help="print only the names of the FILEs without one")
            group.add_argument("-m", "--max-count", type=_count_type, metavar="NUM",
                               help="stop after NUM selected lines per FILE")
            group.add_argument("-H", "--with-filename", dest="with_filename",
                               action="store_const", const=True,
                               help="print the file name before each line")
            group.add_argument("-h", "--no-filename", dest="with_filename",
                               action="store_const", const=False,
                               help="print no file names")
            # --color takes WHEN only after "=" (prepare_argv), as GNU's.
            group.add_argument("--color", "--colour", default="auto",
                               choices=("auto", "always", "never"), metavar="WHEN",
                               help="--color[=WHEN]: colour matches, names and numbers: "
                                    "auto (on a terminal; the default), always, never")
            group.add_argument("-A", "--after-context", type=_count_type, metavar="NUM",
                               help="print NUM lines after each selected line")
            group.add_argument("-B", "--before-context", type=_count_type, metavar="NUM",
                               help="print NUM lines before each selected line")
            group.add_argument("-C", "--context", type=_count_type, metavar="NUM",
                               help="print NUM lines before and after")
            # --include and --exclude: one list, in the order given.
            group.add_argument("--include", dest="globs", action="append",
                               type=_include, metavar="GLOB",
                               help="with -r: only files whose name matches GLOB")
            group.add_argument("--exclude", dest="globs", action="append",
                               type=_exclude, metavar="GLOB",
                               help="skip files whose name matches GLOB")
            group.add_argument("--exclude-dir", action="append", metavar="GLOB",
                               help="with -r: skip directories whose name matches GLOB")
            group.add_argument("-j", "--threads", type=_count_type, metavar="N",
                               help="scan on N threads (default: one per CPU)")
    parser.add_argument("operands", nargs="*", metavar="NEEDLE|FILE")


def _needles(args):
    """The needles (-e, -f, else the first operand) and the FILEs."""
    from fastmmap._cli._parse import parse_needle

    operands = list(args.operands)
    needles = []
    if args.patterns is None and args.pattern_files is None:
        if not operands:
            raise Failure("grep", "no NEEDLE given (see fastmmap grep --help)")
        needles.append(parse_needle(operands.pop(0)))
    needles.extend(args.patterns or ())
    for path in args.pattern_files or ():
        needles.extend(_needles_of_file(path))
    return needles, operands


def _needles_of_file(path):
    """-f FILE: one needle per line, taken as they are (no escapes)."""
    try:
        if path == "-":
            import sys

            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise Failure(path, exc.strerror or str(exc)) from None
    if not data:
        return []
    if data.endswith(b"\n"):
        data = data[:-1]
    return data.split(b"\n")


def _colour(args):
    if args.color == "always":
        return True
    if args.color == "never":
        return False
    try:
        return os.isatty(1) and os.environ.get("TERM", "dumb") != "dumb"
    except OSError:
        return False


def prepare_argv(argv):
    """grep's arguments as GNU getopt takes them, for argparse: a bare
    --color means --color=auto (WHEN only follows "="), -e/-f and the number
    options take the next argument even when it starts with "-", and -NUM
    is -C NUM."""
    out = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg in ("--color", "--colour"):
            arg = "--color=auto"
        elif arg in _TAKES_VALUE and i + 1 < len(argv):
            # --long=VALUE: argparse then takes VALUE as it is ("-x", "").
            arg = _TAKES_VALUE[arg] + "=" + argv[i + 1]
            i += 1
        elif len(arg) > 1 and arg[0] == "-" and arg[1:].isdigit():
            arg = "-C" + arg[1:]
        out.append(arg)
        i += 1
    return out


# Options whose value is the next argument, whatever it looks like, and
# their long names.
_TAKES_VALUE = {}
for _short, _long in (("-e", "--regexp"), ("-f", "--file"), ("-m", "--max-count"),
                      ("-A", "--after-context"), ("-B", "--before-context"),
                      ("-C", "--context"), ("-j", "--threads")):
    _TAKES_VALUE[_short] = _TAKES_VALUE[_long] = _long
del _short, _long


def _glob_verdict(name, globs, suffixes):
    """--include/--exclude on one name (GNU grep's rule): the last glob that
    matches decides; none matching, the file is taken unless the first
    glob is an --include.  For FILE operands (suffixes) a glob may match the
    name or any part of it after a slash."""
    import fnmatch

    candidates = [name]
    if suffixes:
        parts = name.split("/")
        candidates = ["/".join(parts[i:]) for i in range(len(parts))]
    verdict = None
    for glob, include in globs:
        glob = os.fsdecode(glob)
        if any(fnmatch.fnmatchcase(c, glob) for c in candidates):
            verdict = include
    return (not globs[0][1]) if verdict is None else verdict


def _operands_taken(args, files):
    """The FILE operands the globs leave (standard input always stays):
    files by --include/--exclude, directories by --exclude-dir."""
    globs = args.globs or []
    dir_globs = [(os.fsencode(d), False) for d in args.exclude_dir or ()]
    kept = []
    for name in files:
        if name != "-":
            if os.path.isdir(name):
                if args.recursive and dir_globs and not _glob_verdict(name, dir_globs, True):
                    continue
            elif globs and not _glob_verdict(name, globs, True):
                continue
        kept.append(name)
    return kept


def run_grep(args, out):
    needles, files = _needles(args)
    invert = args.invert_match
    word, line = args.word_regexp, args.line_regexp
    if not needles:
        # No needle at all (-f of an empty file) is GNU grep's empty needle
        # with -v turned round: nothing is selected, or with -v everything.
        needles, invert, word, line = [b""], not invert, False, False
    listing_without = args.list_files == "without"
    # GNU grep's shortcut when nothing can be selected: no file is read.
    if not listing_without and (args.max_count == 0 or (
            invert and b"" in needles and not word and not line)):
        return 1
    globs = args.globs or []
    args.files = files
    inputs, recursive, names = operands(args)
    if files and (globs or args.exclude_dir):
        kept = _operands_taken(args, files)
        if not kept:
            return 1
        inputs = [_scan.STDIN if f == "-" else os.fsencode(f) for f in kept]
    if args.with_filename is not None:
        names = args.with_filename
    colour = _colour(args)
    flags = [flag for dest, flag in _FLAGS if getattr(args, dest)]
    if invert:
        flags.append("invert")
    summary = None
    if args.quiet:
        flags.append("quiet")
    elif args.list_files == "with":
        flags.append("files_with_matches")
        summary = "files_with"
    elif listing_without:
        flags.append("files_without_match")
        summary = "files_without"
    elif args.count:
        flags.append("count")
        summary = "count"
    if names:
        flags.append("with_filename")
    if colour:
        flags.append("color")
    before = args.before_context if args.before_context is not None else args.context
    after = args.after_context if args.after_context is not None else args.context
    pattern = _scan.Pattern(needles, ignore_case=args.ignore_case, word=word,
                            line=line)
    run = _scan.Run(pattern, _scan.GREP, inputs, recursive=recursive,
                    workers=workers(args), names=names, text=args.text,
                    grep=flags, max_count=-1 if args.max_count is None else args.max_count,
                    before=-1 if before is None else before,
                    after=-1 if after is None else after, globs=globs,
                    exclude_dirs=[os.fsencode(d) for d in args.exclude_dir or ()],
                    bare_dot=recursive and not args.files)
    found, failed = emit(run, out, summary=summary, names=names, color=colour,
                         silent=args.no_messages)
    if args.quiet and found:
        return 0
    return status(found, failed)


# Switches passed to the engine as they are: (argument, engine flag).
_FLAGS = (("only_matching", "only_matching"), ("line_number", "line_number"),
          ("byte_offset", "byte_offset"))
