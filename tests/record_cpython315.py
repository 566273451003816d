"""Record CPython 3.15's ``mmap`` behaviour for the tests on older Pythons.

Run with CPython 3.15::

    python3.15 tests/record_cpython315.py [OUTPUT]

It runs every differential body (differential_*.py) and every case of the
integer-bounds scenario against the stdlib module and writes
tests/cpython315_oracle.json (see cpython315.py).  Nothing of fastmmap is
imported.
"""
import json
import mmap as stdlib_mmap
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cpython315  # noqa: E402
import differential  # noqa: E402
import reliability_integers  # noqa: E402


def record_differential(workdir):
    traces = {}
    for name, fn in sorted(differential.all_bodies().items()):
        events = differential.run_body(fn, stdlib_mmap, os.path.join(workdir, name))
        aborted = [e for e in events if e[0] == "BODY ABORTED"]
        if aborted:
            raise SystemExit("body %s aborted on the stdlib: %s" % (name, aborted))
        traces[name] = events
    return traces


def record_integers(workdir):
    tempfile.tempdir = workdir     # the integer cases' scratch files
    try:
        return reliability_integers.record_integer_cases()
    finally:
        tempfile.tempdir = None


def main():
    if sys.version_info[:2] != (3, 15):
        raise SystemExit("record with CPython 3.15, not %s" % sys.version.split()[0])
    out = sys.argv[1] if len(sys.argv) > 1 else cpython315.ORACLE_PATH
    # Some cases map descriptor 0: give it what the tests give their child
    # processes (subprocess.DEVNULL, /dev/null opened read-write).
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.close(null)
    with tempfile.TemporaryDirectory() as workdir:
        data = {
            "python": sys.version.split()[0],
            "platform": cpython315.this_platform(),
            "differential": record_differential(workdir),
            "module": differential.module_record(stdlib_mmap),
            "integers": record_integers(workdir),
        }
    with open(out, "w") as f:
        json.dump(data, f, indent=0, sort_keys=True)
        f.write("\n")
    print("recorded %d bodies and %d integer cases from CPython %s into %s"
          % (len(data["differential"]), len(data["integers"]), data["python"], out))


if __name__ == "__main__":
    main()
