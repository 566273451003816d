"""What lines, count and find do, and what every scanning command shares:
turning FILE operands into the inputs of one fastmmap._scan.Run, and
handing its output to standard output.

Each ``run_*`` takes the parsed arguments and the binary output, scans every
input it names (an error on one is reported and the others are still
scanned) and returns grep's exit status: 0 something found, 1 nothing, 2 an
error.
"""
import os
import sys

import fastmmap._scan as _scan
from fastmmap._cli._report import Failure, report


def workers(args):
    """-j N, else one worker per CPU this process may run on."""
    wanted = getattr(args, "threads", None)
    if wanted:
        return wanted
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def operands(args):
    """(inputs for the run, whether they are walked, whether output names
    them): "-" is standard input; with -r and no FILE, the current
    directory (named without "./", as grep -r names it)."""
    files = list(args.files)
    recursive = getattr(args, "recursive", False)
    if recursive and not files:
        return [b"."], True, True
    if not files:
        files = ["-"]
    inputs = [_scan.STDIN if f == "-" else os.fsencode(f) for f in files]
    names = len(files) > 1 or (recursive and os.path.isdir(files[0]))
    return inputs, recursive, names


def _stdout_target(out):
    """(fd, write): the engine's workers write straight to descriptors 1
    and 2 when sys.stdout and sys.stderr are the process's own (flushed
    first), else everything goes through ``out`` and report()."""
    if sys.stdout is sys.__stdout__ and sys.stderr is sys.__stderr__ \
            and sys.stdout is not None and sys.stderr is not None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            if sys.stderr.fileno() == 2:
                return sys.stdout.fileno(), None
        except (OSError, ValueError, AttributeError):
            pass
    return -1, out.write


def emit(run, out, **options):
    """Prints a run's output (fastmmap._scan.print_output); returns
    (inputs where something was found, inputs that failed)."""
    fd, write = _stdout_target(out)
    try:
        return _scan.print_output(run, fd, write, report, **options)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise Failure("write error", exc.strerror or str(exc)) from None
    finally:
        run.close()


def status(found, failed):
    if failed:
        return 2
    return 0 if found else 1


def one_pattern(needle):
    return _scan.Pattern([needle])


# ----------------------------------------------------------------------------
# lines

def run_lines(args, out):
    files = args.files or ["-"]
    named = bool(args.files)
    inputs = [_scan.STDIN if f == "-" else os.fsencode(f) for f in files]
    run = _scan.Run(one_pattern(b"\n"), _scan.COUNT, inputs, workers=workers(args))
    results = []  # (label or None, count, size)
    failed = False
    try:
        for index, result in enumerate(run.results()):
            name, fail, err, count, _, _, size, regular, _, _ = result
            if fail:
                report(name, _scan.failure_text(fail, err))
                failed = True
                continue
            # wc names an input as it was given ("-" for standard input).
            label = None
            if named:
                label = b"-" if files[index] == "-" else name
            results.append((label, count, size if regular else None))
    finally:
        run.close()
    # wc's layout: one file is printed unpadded; with several, counts are
    # right-aligned to the width of the regular files' combined size in
    # bytes (as fstat gives it), and to at least 7 when another kind of
    # input (a pipe, a device) is among them.
    width = 1
    if len(files) > 1:
        width = len(str(sum(r[2] or 0 for r in results)))
        if any(r[2] is None for r in results):
            width = max(width, 7)
    lines = []
    for label, n, _ in results:
        line = b"%*d" % (width, n)
        lines.append(line if label is None else line + b" " + label)
    if len(files) > 1:
        lines.append(b"%*d total" % (width, sum(r[1] for r in results)))
    if lines:
        out.write(b"\n".join(lines) + b"\n")
    return 0 if not failed else 2


# ----------------------------------------------------------------------------
# count

def run_count(args, out):
    inputs, recursive, names = operands(args)
    run = _scan.Run(one_pattern(args.needle), _scan.COUNT, inputs,
                    recursive=recursive, workers=workers(args), names=names,
                    bare_dot=recursive and not args.files)
    found, failed = emit(run, out, summary="count", names=names)
    return status(found, failed)


# ----------------------------------------------------------------------------
# find

def run_find(args, out):
    inputs, recursive, names = operands(args)
    kind = _scan.OFFSETS if args.all else _scan.LAST if args.last else _scan.FIRST
    run = _scan.Run(one_pattern(args.needle), kind, inputs, recursive=recursive,
                    workers=workers(args), names=names,
                    bare_dot=recursive and not args.files)
    found, failed = emit(run, out, summary=None if args.all else kind, names=names)
    return status(found, failed)
