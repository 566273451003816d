"""Parsing the command line: NEEDLE's escapes, the fast parser of the
plain forms, and the argparse parsers built from the table of commands."""
import codecs
import os
import warnings

from fastmmap._cli._report import Failure
from fastmmap._cli._table import COMMANDS, DESCRIPTION, EXAMPLES, STATUS, command_named


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


def _version():
    from fastmmap._version import __version__
    return "fastmmap %s" % __version__


def build_parser():
    """The top-level parser: --help, --version and the list of commands."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="fastmmap", description=DESCRIPTION, epilog=STATUS + "\n" + EXAMPLES,
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
    # "resolve": a command may take -h for itself (grep's --no-filename);
    # --help stays.
    parser = argparse.ArgumentParser(
        prog="fastmmap " + command.name, description=description,
        epilog=STATUS, formatter_class=argparse.RawDescriptionHelpFormatter,
        conflict_handler="resolve")
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


def _letters(command, rest, fields):
    """Takes the leading switch clusters of rest (-rn: the command's
    ``letters`` only) and needle options (-e NEEDLE) into fields; the
    arguments after them, or None if an option is not one of those."""
    while rest and rest[0].startswith("-") and rest[0] not in ("-", "--"):
        arg = rest[0]
        dest = command.needle_options.get(arg)
        if dest is not None:
            if len(rest) < 2:
                return None
            try:
                needle = parse_needle(rest[1])
            except Failure:
                return None
            fields[dest] = (fields[dest] or []) + [needle]
            rest = rest[2:]
            continue
        if arg.startswith("--") or not all(c in command.letters for c in arg[1:]):
            return None
        for letter in arg[1:]:
            dest, value = command.letters[letter]
            fields[dest] = value
        rest = rest[1:]
    return rest


def parse_simple(argv):
    """The plain form of a command whose row has ``simple`` (``lines [--]
    FILE...``, ``count [--] NEEDLE FILE...``, ``grep [--] NEEDLE FILE...``,
    grep with one-letter switches and -e NEEDLE first): the arguments argparse
    would give, without importing it.  Importing argparse (with re, enum and gettext)
    takes longer than the rest of start-up, and these commands are the
    ones run on big files from scripts, which put ``--`` before a needle
    that may start with a dash.  Without ``--`` no argument may look like
    an option; after it, any may, but another ``--`` may not (argparse
    versions treat that one differently).  None for anything else
    (options, missing arguments, a bad escape), which the full parser then
    handles, errors and help included."""
    command = command_named(argv[0]) if argv else None
    if command is None or command.simple is None:
        return None
    fields = dict(command.defaults, command=command.name, func=command.run)
    rest = _letters(command, argv[1:], fields)
    if rest is None:
        return None
    if rest[:1] == ["--"]:
        rest = rest[1:]
        if "--" in rest:
            return None
    elif any(arg.startswith("-") and arg != "-" for arg in rest):
        return None
    if command.simple[0] == "needle":
        if not rest:
            return None
        try:
            fields["needle"] = parse_needle(rest[0])
        except Failure:
            return None
        rest = rest[1:]
    # The rest: FILEs ("files"), or operands the command sorts out itself.
    fields[command.simple[-1]] = rest
    return Arguments(**fields)


def parse_arguments(argv):
    """argv -> the arguments of one command; raises SystemExit for --help,
    --version and usage errors, as argparse does."""
    args = parse_simple(argv)
    if args is not None:
        return args
    command = command_named(argv[0]) if argv else None
    if command is None:
        return build_parser().parse_args(argv)
    rest = argv[1:] if command.prepare is None else command.prepare(argv[1:])
    return build_command_parser(command).parse_args(rest)
