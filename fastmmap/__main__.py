"""``python -m fastmmap``: the fastmmap command line (fastmmap/_cli/).

Commands: lines, count, find, grep (wc/grep-style scans of files, pipes and
standard input) and demo (fastmmap against the stdlib mmap on a generated
corpus).  Run ``python -m fastmmap --help`` for the details.
"""
import os
import sys


def main(argv=None):
    """Run the fastmmap command line with ``argv`` (default sys.argv[1:]);
    returns the exit status instead of exiting."""
    from fastmmap._cli import main as cli_main

    return cli_main(argv)


def _run_and_leave():
    """Run the command line, then leave without the interpreter's teardown
    (as bin/fastmmap does): every map is closed and every thread joined by
    now, and the output is flushed here."""
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)


if __name__ == "__main__":
    _run_and_leave()
