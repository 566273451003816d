"""CPython 3.15's ``mmap``, the specification fastmmap follows, as test data.

On CPython 3.15 the tests compare fastmmap with the running stdlib.  On
older interpreters, whose stdlib behaves differently in places, they compare
it with what the real 3.15 stdlib did, recorded once in
``cpython315_oracle.json`` by ``record_cpython315.py``:

* ``differential``: the trace of every differential body (differential_*.py);
* ``integers``: the outcome of every call of the integer-bounds scenario
  (reliability_integers.py).

The record holds the platform it was made on (machine, page size); on any
other platform the recorded cases are skipped, with that reason, unless the
interpreter is 3.15 itself.  On 3.15, test_differential.py and the
integer-bounds test also check that the record still equals the live stdlib,
so it cannot drift from the bodies.

To record again (after adding or changing a body), with CPython 3.15 and
pytest: ``python3.15 tests/record_cpython315.py`` (in CI's Debian chroot:
``.ci/sid run``; see .ci/run).
"""
import json
import mmap
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE_PATH = os.path.join(HERE, "cpython315_oracle.json")
PY = sys.version_info
IS_315 = PY[:2] >= (3, 15)


def this_platform():
    return {"system": sys.platform, "machine": platform.machine(),
            "pagesize": mmap.PAGESIZE, "maxsize": sys.maxsize}


#: Wording the interpreter itself writes for every type, not mmap's: 3.13
#: added this tail to AttributeError for objects without a __dict__.
INTERPRETER_WORDING = [" and no __dict__ for setting new attributes"]


def norm_text(s):
    """Messages and reprs name the type fastmmap.mmap where the stdlib says
    mmap.mmap; wording that depends on the interpreter, not on the module,
    is left out."""
    s = s.replace("fastmmap.mmap", "mmap.mmap")
    for tail in INTERPRETER_WORDING:
        s = s.replace(tail, "")
    return s


def type_name(tp):
    """A type's name for comparison.  An exception class of fastmmap's own
    that bridges two stdlib versions (fastmmap.TrackfdSizeError: ValueError
    as in 3.15, OSError as before) is compared as its first base, the one
    3.15 raises."""
    if tp.__module__.split(".")[0] == "fastmmap" and issubclass(tp, BaseException):
        return type_name(tp.__bases__[0])
    if tp.__module__ == "builtins":
        return tp.__qualname__
    return "%s.%s" % (tp.__module__, tp.__qualname__)


def _tuples(value):
    """JSON lists back into the tuples the tests build."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


class Oracle:
    def __init__(self, path=ORACLE_PATH):
        self.path = path
        self.data = None
        if os.path.exists(path):
            with open(path) as f:
                self.data = json.load(f)

    def unusable_reason(self):
        """None if the record applies here, else why not."""
        if self.data is None:
            return "no record at %s (run record_cpython315.py)" % self.path
        if self.data["platform"] != this_platform():
            return ("the CPython 3.15 record was made on %s; this is %s"
                    % (self.data["platform"], this_platform()))
        return None

    def trace(self, body):
        """The recorded events of one differential body (tuples)."""
        traces = self.data["differential"]
        if body not in traces:
            raise KeyError("body %r is not in the CPython 3.15 record: run "
                           "tests/record_cpython315.py with CPython 3.15" % body)
        return [_tuples(e) for e in traces[body]]

    def bodies(self):
        return set(self.data["differential"])

    def integers(self):
        """{case label: (status, result)} of the integer-bounds scenario."""
        return {k: _tuples(v) for k, v in self.data["integers"].items()}


ORACLE = Oracle()
