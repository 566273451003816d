"""Run this interpreter's own ``test.test_mmap`` against a chosen module.

Used by test_cpython_suite.py in a subprocess, so that replacing
``sys.modules["mmap"]`` never leaks into the pytest process::

    python cpython_suite_runner.py --module fastmmap --json results.json

``--module fastmmap`` installs ``sys.modules["mmap"] = fastmmap`` *before*
``test.test_mmap`` is imported; ``--module mmap`` runs the suite unchanged
(the control run).  The tests run in the current directory (TESTFN is
relative): the caller passes a fresh temporary one.

The JSON file holds {"python": ..., "module": ..., "module_file": ...,
"results": [{"id", "outcome", "detail"}]}, one entry per test method, with
outcome one of passed / failed / error / skipped / expected_failure /
unexpected_success.  A test with a failing subTest is "failed"; the detail
then lists every failing subTest with its traceback.
"""
import argparse
import importlib
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", default="fastmmap",
                        help="module to install as sys.modules['mmap']")
    parser.add_argument("--json", required=True, help="where to write results")
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
    import test.test_mmap as suite_module

    if suite_module.mmap is not mod:
        raise SystemExit("test.test_mmap did not pick up %r" % (mod,))

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    suite = loader.loadTestsFromModule(suite_module)
    result = CollectingResult(sys.stderr)
    suite.run(result)

    with open(args.json, "w") as f:
        json.dump({
            "python": sys.version,
            "module": args.module,
            "module_file": getattr(mod, "__file__", None),
            "results": [result.records[k] for k in result.order],
        }, f, indent=1)


if __name__ == "__main__":
    main()
