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
        ("files_with_matches", ("-l", "--files-with-matches"),
         "print only the names of the FILEs with a selected line"),
        ("files_without_match", ("-L", "--files-without-match"),
         "print only the names of the FILEs without one"),
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
            group.add_argument("-m", "--max-count", type=_count_type, metavar="NUM",
                               help="stop after NUM selected lines per FILE")
            group.add_argument("-H", "--with-filename", dest="with_filename",
                               action="store_const", const=True,
                               help="print the file name before each line")
            group.add_argument("-h", "--no-filename", dest="with_filename",
                               action="store_const", const=False,
                               help="print no file names")
            group.add_argument("--color", "--colour", nargs="?", const="auto",
                               default="auto", choices=("auto", "always", "never"),
                               metavar="WHEN",
                               help="colour matches, names and numbers: auto "
                                    "(on a terminal; the default), always, never")
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


def _excluded_operand(name, globs):
    """--exclude on a FILE operand (not a directory): GNU grep's rule, a
    glob matching the name or a part of it after a slash."""
    import fnmatch

    for glob, include in globs:
        if include:
            continue
        glob = os.fsdecode(glob)
        parts = name.split("/")
        if any(fnmatch.fnmatchcase("/".join(parts[i:]), glob) for i in range(len(parts))):
            return True
    return False


def run_grep(args, out):
    needles, files = _needles(args)
    if args.max_count == 0:
        return 1                # GNU grep -m 0 reads nothing at all
    globs = args.globs or []
    args.files = files
    inputs, recursive, names = operands(args)
    if files and any(not include for _, include in globs):
        # --exclude drops FILE operands too (names are shown as for all).
        inputs = [i for i, f in zip(inputs, files)
                  if os.path.isdir(f) or not _excluded_operand(f, globs)]
        if not inputs:
            return 1
    if args.with_filename is not None:
        names = args.with_filename
    colour = _colour(args)
    flags = [flag for dest, flag in _FLAGS if getattr(args, dest)]
    summary = None
    if args.quiet:
        flags.append("quiet")
    elif args.files_with_matches:
        flags.append("files_with_matches")
        summary = "files_with"
    elif args.files_without_match:
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
    # No needle at all (-f of an empty file) is a pattern that never occurs.
    pattern = _scan.Pattern(needles, ignore_case=args.ignore_case,
                            word=args.word_regexp, line=args.line_regexp)
    run = _scan.Run(pattern, _scan.GREP, inputs, recursive=recursive,
                    workers=workers(args), names=names, text=args.text,
                    grep=flags, max_count=-1 if args.max_count is None else args.max_count,
                    before=-1 if before is None else before,
                    after=-1 if after is None else after, globs=globs,
                    exclude_dirs=[os.fsencode(d) for d in args.exclude_dir or ()],
                    bare_dot=recursive and not args.files)
    context = summary is None and not args.quiet and (before is not None
                                                     or after is not None)
    found, failed = emit(run, out, summary=summary, names=names, color=colour,
                         silent=args.no_messages, context=context)
    if args.quiet and found:
        return 0
    return status(found, failed)


# Switches passed to the engine as they are: (argument, engine flag).
_FLAGS = (("invert_match", "invert"), ("only_matching", "only_matching"),
          ("line_number", "line_number"), ("byte_offset", "byte_offset"))
