"""Run CPython's ``test_mmap`` against a chosen module.

Used by test_cpython_suite.py in a subprocess, so that replacing
``sys.modules["mmap"]`` never leaks into the pytest process::

    python cpython_suite_runner.py --module fastmmap --json results.json
    python cpython_suite_runner.py --module fastmmap --json results.json
                                   --file /path/to/3.15/test_mmap.py

``--module fastmmap`` installs ``sys.modules["mmap"] = fastmmap`` *before*
the suite is imported; ``--module mmap`` runs the suite unchanged (the
control run).  Without ``--file`` the suite is this interpreter's own
``test.test_mmap``; with it, that file (a newer CPython's suite) is imported
as module ``test_mmap``, after cpython_support_shim has added the
``test.support`` helpers it needs and this interpreter lacks (and the shim
then skips the tests this interpreter cannot pass: "shimmed" lists both).  The tests run
in the current directory (TESTFN is relative): the caller passes a fresh
temporary one.

The JSON file holds {"python": ..., "module": ..., "module_file": ...,
"suite_file": ..., "shimmed": [...], "results": [{"id", "outcome",
"detail"}]}, one entry per test method, with outcome one of passed / failed
/ error / skipped / expected_failure / unexpected_success ("collected" with
--collect-only, which imports the suite but runs nothing).  A skip also says
whether a decorator decided it at import time ("import_skip"): those may
depend on the module's attributes, the others on the environment.  A test
with a failing subTest is "failed"; the detail then lists every failing
subTest with its traceback.
"""
import argparse
import importlib
import importlib.util
import json
import sys
import traceback
import unittest


class CollectingResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.records = {}
        self.order = []

    def _record(self, test, outcome, detail=""):
        key = test.id()
        if key not in self.records:
            self.order.append(key)
            self.records[key] = {"id": key, "outcome": outcome,
                                 "detail": detail}
            return
        rec = self.records[key]
        # a failing subTest wins over the parent's later verdict
        if rec["outcome"] in ("failed", "error") and outcome == "passed":
            return
        if outcome in ("failed", "error") and rec["outcome"] in ("failed",
                                                                  "error"):
            rec["detail"] += "\n" + detail
            return
        rec["outcome"] = outcome
        rec["detail"] = detail

    def _fmt(self, err):
        return "".join(traceback.format_exception(*err))

    def startTest(self, test):
        super().startTest(test)
        self.stream.write(test.id() + " ... ")
        self.stream.flush()

    def stopTest(self, test):
        super().stopTest(test)
        rec = self.records.get(test.id())
        self.stream.write((rec["outcome"] if rec else "?") + "\n")
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._record(test, "failed", self._fmt(err))

    def addError(self, test, err):
        super().addError(test, err)
        # errors in setUpClass/module fixtures come as _ErrorHolder objects
        self._record(test, "error", self._fmt(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)
        # a skipping setUpClass comes as an _ErrorHolder, with no method
        self.records[test.id()]["import_skip"] = (
            hasattr(test, "_testMethodName")
            and import_time_skip(test) is not None)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._record(test, "expected_failure", self._fmt(err))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._record(test, "unexpected_success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            kind = ("failed" if issubclass(err[0], test.failureException)
                    else "error")
            self._record(test, kind, "%s\n%s" % (subtest, self._fmt(err)))


def import_time_skip(test):
    """The reason a skip decorator on test or its class gave when the suite
    was imported (it may depend on the mmap module's attributes), or None."""
    method = getattr(test, test._testMethodName, None)
    for obj in (type(test), method):
        if getattr(obj, "__unittest_skip__", False):
            return obj.__unittest_skip_why__
    return None


def collect(suite):
    """Records for the tests of suite without running them: outcome
    "skipped" when a skip decorator already decided so, else "collected"."""
    records = []
    for test in iter_tests(suite):
        reason = import_time_skip(test)
        if reason is not None:
            records.append({"id": test.id(), "outcome": "skipped",
                            "detail": reason, "import_skip": True})
        else:
            # a loader failure (unittest.loader._FailedTest) is no test
            failed = type(test).__module__ == "unittest.loader"
            records.append({"id": test.id(),
                            "outcome": "error" if failed else "collected",
                            "detail": ""})
    return records


def iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iter_tests(item)
        else:
            yield item


def import_suite(path):
    """Import the test_mmap.py at path (None: this interpreter's own);
    return (module, what the shim did: the test.support helpers it added
    and the tests it skipped as needing a newer Python)."""
    if path is None:
        import test.test_mmap as suite_module
        return suite_module, []
    import cpython_support_shim  # beside this script, so on sys.path
    shimmed = cpython_support_shim.install()
    # a plain module name, so test ids read test_mmap.MmapTests.test_x as
    # the own suite's do, and test.test_mmap is left alone
    spec = importlib.util.spec_from_file_location("test_mmap", path)
    suite_module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = suite_module
    spec.loader.exec_module(suite_module)
    shimmed += cpython_support_shim.skip_inapplicable(suite_module)
    return suite_module, shimmed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", default="fastmmap",
                        help="module to install as sys.modules['mmap']")
    parser.add_argument("--json", required=True, help="where to write results")
    parser.add_argument("--file", default=None,
                        help="a test_mmap.py to run instead of this "
                             "interpreter's own (a newer CPython's)")
    parser.add_argument("--collect-only", action="store_true",
                        help="import the suite and list its tests without "
                             "running them")
    parser.add_argument("-k", dest="patterns", action="append", default=None,
                        help="only tests whose id contains this")
    args = parser.parse_args()

    mod = importlib.import_module(args.module)
    if args.module != "mmap":
        if "mmap" in sys.modules and sys.modules["mmap"] is not mod:
            # someone imported the real one already: make sure the suite
            # cannot pick it up through test.support
            del sys.modules["mmap"]
        sys.modules["mmap"] = mod
    suite_module, shimmed = import_suite(args.file)
    if shimmed:
        sys.stderr.write("shimmed: %s\n"
                         % ", ".join(shimmed))

    if suite_module.mmap is not mod:
        raise SystemExit("test.test_mmap did not pick up %r" % (mod,))

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    suite = loader.loadTestsFromModule(suite_module)
    if args.collect_only:
        records = collect(suite)
    else:
        result = CollectingResult(sys.stderr)
        suite.run(result)
        records = [result.records[k] for k in result.order]

    with open(args.json, "w") as f:
        json.dump({
            "python": sys.version,
            "module": args.module,
            "module_file": getattr(mod, "__file__", None),
            "suite_file": suite_module.__file__,
            "shimmed": shimmed,
            "results": records,
        }, f, indent=1)


if __name__ == "__main__":
    main()
