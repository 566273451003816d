"""Timing whole processes for the command-line rows (test_bench_cli.py,
test_bench_files.py, test_bench_grep.py): the fastmmap command as the
suite measures it, runs whose exit status is checked, and output digests.
"""
import hashlib
import os
import subprocess

import about_fastmmap

ROUNDS = int(os.environ.get("FASTMMAP_BENCH_ROUNDS", 5))


def fastmmap_command():
    """(argv prefix, note) for running the fastmmap command line, with the
    fastmmap the suite measures."""
    return about_fastmmap.cli_command()


def cli_escape(needle):
    """NEEDLE as fastmmap's command line reads it (Python-style escapes)."""
    return os.fsdecode(needle.replace(b"\\", b"\\\\").replace(b"\n", b"\\n"))


def run(argv, statuses=(0, 1)):
    done = subprocess.run(argv, capture_output=True, check=False)
    assert done.returncode in statuses, (argv, done.returncode, done.stderr[-2000:])
    return done.stdout


def timed(benchmark, argv, statuses=(0, 1)):
    return benchmark.pedantic(run, args=(argv, statuses), rounds=ROUNDS,
                              warmup_rounds=1, iterations=1)


def run_to_file(argv, out_path, statuses=(0, 1)):
    with open(out_path, "wb") as out:
        done = subprocess.run(argv, stdout=out, stderr=subprocess.PIPE, check=False)
    assert done.returncode in statuses, (argv, done.returncode, done.stderr[-2000:])


def timed_to_file(benchmark, argv, out_path, statuses=(0, 1)):
    """Times argv with its output written to a file (as a user redirects
    it); returns the output."""
    benchmark.pedantic(run_to_file, args=(argv, out_path, statuses), rounds=ROUNDS,
                       warmup_rounds=1, iterations=1)
    with open(out_path, "rb") as fh:
        return fh.read()


def digest(data):
    return len(data), hashlib.sha256(data).hexdigest()
