"""What the scanning commands do: lines, count, find and grep.

Each ``run_*`` takes the parsed arguments and the binary output, scans every
input it names (an error on one is reported and the others are still
scanned) and returns the exit status as grep's: 0 something found, 1
nothing, 2 an error.
"""
import os
import stat

import fastmmap._scan as _scan
from fastmmap._cli._inputs import Failure, open_input, report, why


def _walk(names, errors):
    """The names, with each directory replaced by the regular files under
    it (as grep -r: symbolic links, devices and FIFOs inside are skipped;
    names sorted).  An unreadable directory is reported and added to
    ``errors``."""
    for name in names:
        if name == "-" or not os.path.isdir(name):
            yield name
            continue
        def failed(exc, top=name):
            report(exc.filename or top, why(exc))
            errors.append(exc)
        for top, dirs, files in os.walk(name, onerror=failed):
            dirs.sort()
            for file in sorted(files):
                path = os.path.join(top, file)
                try:
                    regular = stat.S_ISREG(os.lstat(path).st_mode)
                except OSError:
                    regular = True      # vanished: opening it reports why
                if regular:
                    yield path


def _names(args):
    """The inputs a command scans, and whether to name each one."""
    if getattr(args, "recursive", False):
        if args.files:
            return list(_walk(args.files, args.walk_errors)), True
        # as grep -r with no FILE: the names are relative, without "./"
        return [path[2:] for path in _walk(["."], args.walk_errors)], True
    names = args.files or ["-"]
    return names, len(names) > 1


def _each_input(names, scan, args=None):
    """Run ``scan(input)`` for each name; returns False if any failed."""
    ok = not (args is not None and getattr(args, "walk_errors", None))
    for name in names:
        try:
            source = open_input(name)
        except Failure as exc:
            report(exc.what, exc.why)
            ok = False
            continue
        with source:
            try:
                scan(source)
            except BrokenPipeError:
                raise
            except OSError as exc:
                # e.g. the file was truncated under the map (EFAULT)
                report(source.label, why(exc))
                ok = False
    return ok


def _status(ok, found):
    if not ok:
        return 2
    return 0 if found else 1


def _scan_inputs(args, scan):
    """Run ``scan(source, prefix) -> found anything`` on each input the
    arguments name (prefix: the input's name and ":" when several are
    named, else empty); returns grep's exit status."""
    args.walk_errors = []
    names, several = _names(args)
    found = False

    def scan_one(source):
        nonlocal found
        prefix = os.fsencode(source.label) + b":" if several else b""
        found |= bool(scan(source, prefix))

    return _status(_each_input(names, scan_one, args), found)


def _count(source, needle):
    """Non-overlapping occurrences of needle in the input."""
    if source.map is not None and needle:
        return source.map.count(needle, workers=None)
    if not needle:
        return source.feed(lambda data, final: len(data)) + 1
    counter = _scan.Counter(needle)
    source.feed(counter.feed)
    return counter.total


# ----------------------------------------------------------------------------
# lines

def run_lines(args, out):
    names = args.files or ["-"]
    named = bool(args.files)
    results = []  # (label or None, count, bytes)

    def scan(source):
        n = _count(source, b"\n")
        size = source.stat_size if source.regular else None
        results.append((source.name if named else None, n, size))

    ok = _each_input(names, scan)
    # wc's layout: one file is printed unpadded; with several, counts are
    # right-aligned to the width of the regular files' combined size in
    # bytes (as fstat gives it), and to at least 7 when another kind of
    # input (a pipe, a device) is among them.
    width = 1
    if len(names) > 1:
        width = len(str(sum(r[2] or 0 for r in results)))
        if any(r[2] is None for r in results):
            width = max(width, 7)
    for label, n, _ in results:
        line = "%*d" % (width, n)
        out.write(os.fsencode(line if label is None else line + " " + label) + b"\n")
    if len(names) > 1:
        out.write(b"%*d total\n" % (width, sum(r[1] for r in results)))
    return 0 if ok else 2


# ----------------------------------------------------------------------------
# count

def run_count(args, out):
    def scan(source, prefix):
        n = _count(source, args.needle)
        out.write(prefix + b"%d\n" % n)
        return n > 0

    return _scan_inputs(args, scan)


# ----------------------------------------------------------------------------
# find

def _first_offset(source, needle, last):
    """Offset of the first (last) occurrence, or -1."""
    if source.map is not None:
        return source.map.rfind(needle) if last else source.map.find(needle)
    if not needle:
        size = source.feed(lambda data, final: len(data))
        return size if last else 0
    k = len(needle)
    base = 0
    result = -1

    def feed(data, final):
        nonlocal base, result
        if result >= 0 and not last:
            return len(data)
        hit = bytes(data).rfind(needle) if last else bytes(data).find(needle)
        if hit >= 0:
            result = base + hit
        # keep what a later occurrence may start in
        keep = len(data) if final else max(len(data) - k + 1, 0)
        if hit >= 0 and not last:
            keep = len(data)
        base += keep
        return keep

    source.feed(feed)
    return result


def run_find(args, out):
    needle = args.needle

    def scan(source, prefix):
        if not args.all:
            off = _first_offset(source, needle, args.last)
            if off >= 0:
                out.write(b"%s%d\n" % (prefix, off))
            return off >= 0
        if not needle:
            size = source.feed(lambda data, final: len(data))
            for off in range(size + 1):
                out.write(b"%s%d\n" % (prefix, off))
            return True
        engine = _scan.Offsets(needle, prefix)
        try:
            source.feed(lambda data, final: engine.feed(data, final, out.write))
        finally:
            # the offsets found before an error are still printed
            engine.finish(out.write)
        return engine.found > 0

    return _scan_inputs(args, scan)


# ----------------------------------------------------------------------------
# grep

def run_grep(args, out):
    def scan(source, prefix):
        binary = False

        def probe(head):
            nonlocal binary
            binary = not args.text and _scan.has_nul(head, len(head))

        # The probe runs before the engine is made, on the first block.
        engines = []

        def feed(data, final):
            if not engines:
                engines.append(_scan.Grep(args.needle, prefix, args.line_number,
                                          quiet=binary))
            engine = engines[0]
            if binary and engine.matched:
                return len(data)
            return engine.feed(data, final, out.write)

        source.feed(feed, probe)
        matched = bool(engines and engines[0].matched)
        if matched and binary:
            out.write(b"binary file %s matches\n" % os.fsencode(source.label))
        return matched

    return _scan_inputs(args, scan)
