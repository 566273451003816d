"""``python -m fastmmap`` and the ``fastmmap`` console script.

Commands: lines, count, find, grep (wc/grep-style scans of memory-mapped
files) and demo (fastmmap against the stdlib mmap on a generated corpus).
Run ``python -m fastmmap --help`` for the details.
"""
import sys


def main(argv=None):
    """Run the fastmmap command line with ``argv`` (default sys.argv[1:]);
    returns the exit status instead of exiting."""
    from fastmmap._cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
