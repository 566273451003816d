"""The ``fastmmap`` command line: wc/grep-style scans of big files, and a demo.

Every input is memory-mapped read-only with fastmmap.open() and scanned by
fastmmap's own search (no reading through Python file objects), so the cost
is one pass over the page cache.
"""
import codecs
import errno
import os
import stat
import sys
import time
import warnings

STDIN_NAME = "(standard input)"

_DESCRIPTION = """\
Scan big files through fastmmap's memory maps (grep/wc conventions).

NEEDLE is taken literally, bytes for bytes, after decoding Python-style
escapes: \\n, \\t, \\r, \\\\, \\x00 ... (an unknown escape such as \\d stays as
written).  Put -- before a NEEDLE that starts with a dash.

FILE "-", or no FILE at all, is standard input; it must be a redirected
regular file (fastmmap lines < big.log), since a pipe cannot be mapped.  It
is scanned from its current position.
"""

_EPILOG = """\
exit status:
  0    something was found or counted (lines: success)
  1    nothing matched (count, find, grep); the answers disagreed (demo)
  2    an error: a file could not be read (the others are still scanned),
       or bad arguments
  141  the reader of standard output went away (like a tool killed by
       SIGPIPE; nothing is printed)
  130  interrupted (Ctrl-C)

examples:
  fastmmap lines *.log
  fastmmap count 'ERROR' app.log
  fastmmap find --all '\\x00\\x00' image.bin
  fastmmap grep 'timeout' a.log b.log
  fastmmap demo --size 1G
"""


class Failure(Exception):
    """A one-line error: ``fastmmap: <what>: <why>`` on stderr."""

    def __init__(self, what, why):
        super().__init__(what, why)
        self.what = what
        self.why = why


def _report(what, why):
    prefix = "fastmmap: "
    if what:
        prefix += "%s: " % (what,)
    sys.stderr.write(prefix + why + "\n")
    sys.stderr.flush()


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


# ----------------------------------------------------------------------------
# Inputs

def parse_needle(text):
    """NEEDLE (a command-line str) -> bytes, with Python escapes decoded."""
    raw = os.fsencode(text)
    with warnings.catch_warnings():
        # unknown escapes (\d) stay as written, as in a bytes literal
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return codecs.escape_decode(raw)[0]
        except ValueError as exc:
            raise Failure("NEEDLE %r" % (text,), "bad escape: %s" % (exc,)) from None


def _why(exc):
    """An OSError's reason for a ``fastmmap: NAME: why`` line.  fastmmap's
    own messages (the EFAULT of a file truncated under its map) start with
    "fastmmap: " already: that is dropped, so the line has the prefix once."""
    why = exc.strerror or str(exc)
    if why.startswith("fastmmap: "):
        why = why[len("fastmmap: "):]
    return why


def _os_failure(name, exc):
    return Failure(name, _why(exc))


def map_input(name):
    """Map the input called ``name`` ("-" is standard input) read-only.

    Returns a fastmmap.mmap; raises Failure with the reason it could not."""
    from fastmmap._mmap import ACCESS_READ, _map_file
    from fastmmap._open import open as fm_open

    if name == "-":
        try:
            st = os.fstat(0)
        except OSError as exc:
            raise _os_failure(STDIN_NAME, exc) from None
        if not stat.S_ISREG(st.st_mode):
            raise Failure(STDIN_NAME, "not a regular file, so it cannot be "
                          "memory-mapped; redirect a file (< FILE) or name it "
                          "as an argument instead of piping")
        try:
            offset = os.lseek(0, 0, os.SEEK_CUR)
        except OSError:
            offset = 0
        offset = max(0, min(offset, st.st_size))
        try:
            return _map_file(0, ACCESS_READ, offset, None)
        except OSError as exc:
            raise _os_failure(STDIN_NAME, exc) from None
    try:
        return fm_open(name, "r")
    except OSError as exc:
        raise _os_failure(name, exc) from None
    except ValueError as exc:  # e.g. an embedded NUL in the name
        raise Failure(name, str(exc)) from None


def _display(name):
    return STDIN_NAME if name == "-" else name


def _scan_files(files, scan):
    """Run ``scan(name, map)`` over each file, reporting failures and going
    on.  Returns True if every file could be mapped."""
    ok = True
    for name in files:
        try:
            m = map_input(name)
        except Failure as exc:
            _report(exc.what, exc.why)
            ok = False
            continue
        with m:
            try:
                scan(name, m)
            except BrokenPipeError:
                raise
            except OSError as exc:
                # e.g. the file was truncated under the map (EFAULT)
                _report(_display(name), _why(exc))
                ok = False
    return ok


# ----------------------------------------------------------------------------
# lines

def cmd_lines(args, out):
    files = args.files or ["-"]
    named = bool(args.files)
    results = []  # (label or None, count, bytes)

    from fastmmap._parallel import count

    def scan(name, m):
        results.append((name if named else None, count(m, b"\n"), len(m)))

    ok = _scan_files(files, scan)
    total = sum(r[1] for r in results)
    # wc's layout: one file is printed unpadded; with several, counts are
    # right-aligned to the width of the combined size in bytes.
    width = 1
    if len(files) > 1:
        width = len(str(sum(r[2] for r in results)))
    for label, n, _ in results:
        line = "%*d" % (width, n)
        out.write(os.fsencode(line if label is None else line + " " + label) + b"\n")
    if len(files) > 1:
        out.write(b"%*d total\n" % (width, total))
    return 0 if ok else 2


# ----------------------------------------------------------------------------
# count

def cmd_count(args, out):
    needle = parse_needle(args.needle)
    files = args.files or ["-"]
    found = [False]
    from fastmmap._parallel import count

    def scan(name, m):
        n = count(m, needle)
        found[0] |= n > 0
        if len(files) > 1:
            out.write(os.fsencode(_display(name)) + b":%d\n" % n)
        else:
            out.write(b"%d\n" % n)

    ok = _scan_files(files, scan)
    if not ok:
        return 2
    return 0 if found[0] else 1


# ----------------------------------------------------------------------------
# find

_WINDOW = 16 << 20


def _all_offsets(m, needle):
    """Yield every non-overlapping match offset, a window at a time so the
    offsets of a huge file are never all in memory at once."""
    size = len(m)
    k = len(needle)
    if k == 0:
        yield from range(size + 1)
        return
    try:
        m.find_all(needle, 0, 0)
        windowed = True
    except ImportError:  # no NumPy: plain find() steps
        windowed = False
    if not windowed:
        pos = m.find(needle)
        while pos >= 0:
            yield pos
            pos = m.find(needle, pos + k)
        return
    start = 0
    while start <= size - k:
        stop = min(start + _WINDOW, size)
        # matches *starting* in [start, stop): let them end up to k-1 later
        hits = m.find_all(needle, start, min(stop + k - 1, size))
        if len(hits):
            yield from hits.tolist()
            start = max(stop, int(hits[-1]) + k)
        else:
            start = stop


def cmd_find(args, out):
    needle = parse_needle(args.needle)
    name = args.file
    try:
        m = map_input(name)
    except Failure as exc:
        _report(exc.what, exc.why)
        return 2
    with m:
        try:
            return _find_in(m, needle, args, out)
        except BrokenPipeError:
            raise
        except OSError as exc:
            # e.g. the file was truncated under the map (EFAULT): name the
            # file, as every other input error does.  Offsets already
            # written stay written.
            _report(_display(name), _why(exc))
            return 2


def _find_in(m, needle, args, out):
    if args.all:
        found = False
        batch = []
        offsets = _all_offsets(m, needle)
        while True:
            try:
                off = next(offsets, None)
            except OSError:
                # The offsets found before the error are still printed.
                out.write(b"".join(batch))
                raise
            if off is None:
                break
            batch.append(b"%d\n" % off)
            if len(batch) >= 65536:
                out.write(b"".join(batch))
                batch.clear()
            found = True
        out.write(b"".join(batch))
        return 0 if found else 1
    off = m.rfind(needle) if args.last else m.find(needle)
    if off < 0:
        return 1
    out.write(b"%d\n" % off)
    return 0


# ----------------------------------------------------------------------------
# grep

def _grep_map(m, needle, prefix, out):
    """Write the lines of ``m`` holding ``needle`` as ``prefix + N:`` + line.
    Returns the number of lines written."""
    size = len(m)
    k = len(needle)
    last = max(k - 1, 0)  # offset of a match's last byte from its start
    pos = 0               # start of the next unprinted line
    counted = 0           # lineno is the number of the line starting here
    lineno = 1
    written = 0
    while pos < size:
        hit = m.find(needle, pos)
        if hit < 0 or hit >= size:
            break
        # pos starts a line, so the hit's line starts at pos or after the
        # last newline between them
        start = max(m.rfind(b"\n", pos, hit) + 1, pos)
        eol = m.find(b"\n", hit + last)
        end = size if eol < 0 else eol + 1
        lineno += m.count(b"\n", counted, start)
        counted = start
        block = m[start:end]
        if b"\n" in block[:-1]:
            # a needle spanning lines: every line it touches, numbered
            pieces = block.split(b"\n")
            if block.endswith(b"\n"):
                pieces.pop()
            for i, piece in enumerate(pieces):
                out.write(b"%s%d:%s\n" % (prefix, lineno + i, piece))
            written += len(pieces)
        else:
            out.write(b"%s%d:%s%s" % (prefix, lineno, block,
                                      b"" if block.endswith(b"\n") else b"\n"))
            written += 1
        pos = end
    return written


def cmd_grep(args, out):
    needle = parse_needle(args.needle)
    files = args.files or ["-"]
    found = [False]

    def scan(name, m):
        prefix = os.fsencode(_display(name)) + b":" if len(files) > 1 else b""
        if _grep_map(m, needle, prefix, out):
            found[0] = True

    ok = _scan_files(files, scan)
    if not ok:
        return 2
    return 0 if found[0] else 1


# ----------------------------------------------------------------------------
# demo

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
# compiled on first use (by re's cache), not at import: most runs never need it
_SIZE_PATTERN = r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*"


def parse_size(text):
    """'256M', '1G', '1.5GiB', '4096' -> bytes (binary units)."""
    import argparse
    import re

    match = re.fullmatch(_SIZE_PATTERN, text, re.I)
    if not match:
        raise argparse.ArgumentTypeError(
            "invalid size %r (examples: 64M, 1G, 1048576)" % (text,))
    number, unit = match.groups()
    size = int(float(number) * _UNITS[unit.lower()])
    if size <= 0:
        raise argparse.ArgumentTypeError("size must be positive: %r" % (text,))
    return size


def format_size(n):
    """1 << 28 -> '256 MiB', 268435478 -> '256 MiB', 1000 -> '1000 bytes'."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return ("%.0f %s" if value >= 100 else "%.3g %s") % (value, unit)
    return "%d bytes" % n


def _best_time(fn, setup=None, min_runs=3, budget=0.25, max_runs=50):
    """(best seconds, result) over at least ``min_runs`` runs, more while
    they take under ``budget`` seconds in all."""
    best = None
    result = None
    spent = 0.0
    runs = 0
    while runs < min_runs or (spent < budget and runs < max_runs):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        spent += dt
        runs += 1
        best = dt if best is None else min(best, dt)
    return max(best, 1e-9), result


DEMO_NEEDLE = b"ERROR 504"   # upper case and digits: never in the corpus
_CHUNK = 1 << 20


def _stdlib_line_count(m):
    # The fastest pure-stdlib way found: count newlines a 1 MiB slice at a
    # time (a find(b"\n", pos) loop is ~4x slower; bytes(m) copies it all).
    return sum(m[i:i + _CHUNK].count(b"\n") for i in range(0, len(m), _CHUNK))


def _count_readline(m):
    m.seek(0)
    n = 0
    for _ in iter(m.readline, b""):
        n += 1
    return n


def _count_lines_iter(m):
    n = 0
    for _ in m.lines():
        n += 1
    return n


def cmd_demo(args, out):
    import mmap as stdlib_mmap
    import shutil
    import tempfile

    import fastmmap
    from fastmmap import _corpus

    try:
        _corpus._numpy()
    except ImportError as exc:
        raise Failure("demo", str(exc)) from None

    def progress(text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    size = args.size
    workdir = tempfile.mkdtemp(prefix="fastmmap-demo-", dir=args.dir)
    path = os.path.join(workdir, "corpus.txt")
    keep = args.keep
    try:
        progress("generating %s corpus in %s ..." % (format_size(size), workdir))
        t0 = time.perf_counter()
        nbytes, nlines = _corpus.write_corpus(path, size)
        progress("  %d bytes, %d lines in %.1f s"
                 % (nbytes, nlines, time.perf_counter() - t0))

        with open(path, "rb") as fh:
            std = stdlib_mmap.mmap(fh.fileno(), 0, access=stdlib_mmap.ACCESS_READ)
        fast = fastmmap.open(path)
        rows = []
        mismatches = []
        try:
            ops = [
                ("find (absent needle)",
                 lambda: std.find(DEMO_NEEDLE), lambda: fast.find(DEMO_NEEDLE),
                 -1, None),
                ("rfind (absent needle)",
                 lambda: std.rfind(DEMO_NEEDLE), lambda: fast.rfind(DEMO_NEEDLE),
                 -1, None),
                ("count lines",
                 lambda: _stdlib_line_count(std), lambda: fast.count(b"\n"),
                 nlines, None),
                ("iterate lines",
                 lambda: _count_readline(std), lambda: _count_lines_iter(fast),
                 nlines, 2),
            ]
            for label, std_fn, fast_fn, expected, min_runs in ops:
                progress("timing %s ..." % label)
                kw = {} if min_runs is None else {"min_runs": min_runs, "budget": 0}
                t_std, r_std = _best_time(std_fn, **kw)
                t_fast, r_fast = _best_time(fast_fn, **kw)
                if not (r_std == r_fast == expected):
                    mismatches.append("%s: stdlib %r, fastmmap %r, expected %r"
                                      % (label, r_std, r_fast, expected))
                rows.append((label, nbytes / t_std / 1e9, nbytes / t_fast / 1e9,
                             t_std / t_fast))
        finally:
            std.close()
            fast.close()

        lines = [
            "fastmmap %s vs stdlib mmap on %s of English-like text"
            % (fastmmap.__version__, format_size(nbytes)),
            "(%d bytes, %d lines, page cache warm; Python %s;"
            % (nbytes, nlines, sys.version.split()[0]),
            " best of several runs; GB/s = 10^9 bytes per second)",
            "",
        ]
        head = ("operation", "stdlib GB/s", "fastmmap GB/s", "speed-up")
        width = max(len(head[0]), *(len(r[0]) for r in rows))
        lines.append("%-*s  %11s  %13s  %8s" % ((width,) + head))
        lines.append("%s  %s  %s  %s" % ("-" * width, "-" * 11, "-" * 13, "-" * 8))
        for label, g_std, g_fast, ratio in rows:
            lines.append("%-*s  %11.2f  %13.2f  %7.1fx"
                         % (width, label, g_std, g_fast, ratio))
        lines += [
            "",
            "find, rfind:   needle %r, absent (the text is lowercase words)"
            % DEMO_NEEDLE,
            "count lines:   stdlib: sum(m[i:i+2**20].count(b'\\n')), 1 MiB slices"
            " (the fastest",
            "               stdlib way; a m.find(b'\\n', pos) loop is slower);"
            " fastmmap: m.count(b'\\n')",
            "iterate lines: stdlib: for line in iter(m.readline, b'');"
            " fastmmap: for line in m.lines()",
        ]
        if mismatches:
            lines.append("ANSWERS DISAGREE:")
            lines += ["  " + text for text in mismatches]
        else:
            lines.append("all answers agree (%d lines; the needle is absent)" % nlines)
        if keep:
            lines.append("corpus kept: %s" % path)
        out.write(("\n".join(lines) + "\n").encode())
        return 1 if mismatches else 0
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


# ----------------------------------------------------------------------------
# argument parsing and main

# (name, one-line help, description wrapped to 78 columns, notes?): the
# notes are _DESCRIPTION's paragraphs on NEEDLE and FILE.
_COMMANDS = (
    ("lines", "count lines, like wc -l", """\
Print the number of newline bytes in each FILE, like wc -l (a last line
without a newline is not counted), and a total when there are several.""",
     True),
    ("count", "count occurrences of NEEDLE", """\
Print how many times NEEDLE occurs in each FILE, counting every
non-overlapping occurrence (not matching lines, unlike grep -c): a bare
number for one FILE, FILE:N for several.""", True),
    ("find", "print byte offsets of NEEDLE", """\
Print the byte offset of the first occurrence of NEEDLE in FILE (offsets from
where the input starts; 0-based), of every non-overlapping one with --all, or
of the last one with --last, one per line.  Nothing is printed (status 1)
when it is absent.""", True),
    ("grep", "print lines holding NEEDLE, like grep -F -n", """\
Print each line of FILE holding NEEDLE, with its 1-based number (LINE:text),
and the file name too when there are several (FILE:LINE:text), like grep -F
-n.  Lines are written as raw bytes; a NEEDLE holding a newline prints every
line it spans.""", True),
    ("demo", "benchmark fastmmap against the stdlib mmap", """\
Generate a deterministic English-like text file in a temporary directory,
time fastmmap against the stdlib mmap module on it (find and rfind of an
absent needle, counting lines, iterating lines), print a table and check
that both give the same answers.  Progress goes to stderr, the table to
stdout.  Needs NumPy to generate the text.""", False),
)


def _add_arguments(name, p):
    if name in ("count", "find", "grep"):
        p.add_argument("needle", metavar="NEEDLE", help="the bytes to look for")
    if name in ("lines", "count", "grep"):
        p.add_argument("files", nargs="*", metavar="FILE")
    elif name == "find":
        p.add_argument("file", nargs="?", default="-", metavar="FILE")
        which = p.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true",
                           help="every non-overlapping occurrence, in order")
        which.add_argument("--last", action="store_true",
                           help="the last occurrence")
    elif name == "demo":
        p.add_argument("--size", type=parse_size, default=256 << 20,
                       help="corpus size: bytes, or with a binary unit such "
                            "as 64M, 1G, 512KiB (default 256M)")
        p.add_argument("--keep", action="store_true",
                       help="keep the corpus and print its path")
        p.add_argument("--dir", metavar="DIR", default=None,
                       help="where to make the temporary directory "
                            "(default: the system temp dir)")
    p.set_defaults(func=globals()["cmd_" + name])


def build_parser(command=None):
    """The argument parser; with ``command`` (a command's name) only that
    command's subparser is built, which is all parsing its arguments needs
    (building them all costs more than a small file's scan)."""
    import argparse

    from fastmmap._version import __version__

    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="fastmmap", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=raw)
    parser.add_argument("--version", action="version",
                        version="fastmmap %s" % __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    notes = "\n\n" + _DESCRIPTION.split("\n\n", 1)[1]
    for name, help_text, description, with_notes in _COMMANDS:
        if command is not None and name != command:
            continue
        p = sub.add_parser(name, help=help_text, epilog=_EPILOG,
                           description=description + (notes if with_notes else ""),
                           formatter_class=raw)
        _add_arguments(name, p)
    return parser


class Arguments:
    """What parse_simple() returns: the fields argparse's Namespace has."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "Arguments(%s)" % ", ".join(
            "%s=%r" % item for item in sorted(self.__dict__.items()))


def parse_simple(argv):
    """``lines [--] FILE...`` and ``count [--] NEEDLE FILE...``: the
    arguments argparse would give, without importing it.  Importing
    argparse (with re, enum and gettext) takes longer than the rest of
    start-up, and these two commands are the ones run on big files from
    scripts, which put ``--`` before a needle that may start with a dash.
    Without ``--`` no argument may look like an option; after it, any may,
    but another ``--`` may not (argparse versions treat that one
    differently).  None for anything else (options, missing arguments),
    which the full parser then handles, errors and help included."""
    if not argv or argv[0] not in ("lines", "count"):
        return None
    rest = argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
        if "--" in rest:
            return None
    elif any(arg.startswith("-") and arg != "-" for arg in rest):
        return None
    if argv[0] == "lines":
        return Arguments(command="lines", files=rest, func=cmd_lines)
    if not rest:
        return None
    return Arguments(command="count", needle=rest[0], files=rest[1:],
                     func=cmd_count)


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
    args = parse_simple(argv)
    if args is None:
        first = argv[0] if argv else None
        known = any(first == spec[0] for spec in _COMMANDS)
        parser = build_parser(first if known else None)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, usage errors (status 2)
            code = exc.code
            return code if isinstance(code, int) else (0 if code is None else 2)
    try:
        out = _binary_stdout()
        status = args.func(args, out)
        out.flush()
        return status
    except Failure as exc:
        _report(exc.what, exc.why)
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
        _report(exc.filename, _why(exc))
        return 2
    except Exception as exc:  # a bug: still one line, never a traceback
        _report(None, "internal error: %s: %s" % (type(exc).__name__, exc))
        return 2
