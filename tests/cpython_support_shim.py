"""What a newer CPython's test_mmap.py needs to run on an older Python.

cpython_suite_runner.py runs CPython 3.15's test_mmap.py on Python 3.10-3.14,
whose ``test.support`` lacks some of the helpers it uses.  ``install()`` adds
those, and only those: a name the running interpreter already has is never
replaced, so its own (possibly more exact) version always wins.

A few tests exercise an interpreter feature, not an mmap one, that older
Pythons lack; ``skip_inapplicable()`` skips them there, saying why.

Each helper behaves as CPython 3.15's does on the platforms fastmmap supports;
none of them touches mmap, so a test that fails with them fails for mmap's
sake.
"""
import functools
import os
import sys


def subTests(arg_names, arg_values, /, **_options):
    """The decorated test runs once per entry of ``arg_values``, each in a
    subTest, the entry passed as keyword argument(s) named by ``arg_names``
    (a name, or several separated by commas or spaces).  Only what the 3.15
    test_mmap.py uses; extra options of CPython's helper are ignored."""
    names = arg_names.replace(",", " ").split() if isinstance(arg_names, str) \
        else list(arg_names)
    rows = [(v,) if len(names) == 1 else tuple(v) for v in arg_values]

    def decorate(test):
        @functools.wraps(test)
        def run_each(self, *args, **kwargs):
            for row in rows:
                params = dict(zip(names, row))
                with self.subTest(**params):
                    test(self, *args, **kwargs, **params)
        return run_each
    return decorate


def linked_to_musl():
    """True if the interpreter is linked to musl libc (it asks ldd, as
    CPython does)."""
    if sys.platform != 'linux':
        return False
    import subprocess
    exe = getattr(sys, '_base_executable', sys.executable)
    try:
        stdout = subprocess.check_output(['ldd', exe], text=True,
                                         stderr=subprocess.STDOUT)
    except (OSError, subprocess.CalledProcessError):
        return False
    return 'musl' in stdout


def in_systemd_nspawn_sync_suppressed():
    """True inside systemd-nspawn --suppress-sync=true, where msync() and
    friends succeed whatever their arguments (so test_flush_return_value
    must not expect EINVAL)."""
    try:
        with open('/run/systemd/container', 'rb') as fp:
            if fp.read().rstrip() != b'systemd-nspawn':
                return False
    except FileNotFoundError:
        return False
    # there, O_SYNC is refused with EINVAL
    import errno
    try:
        fd = os.open(__file__, os.O_RDONLY | os.O_SYNC)
    except OSError as err:
        return err.errno == errno.EINVAL
    os.close(fd)
    return False


HELPERS = {
    'subTests': subTests,
    'linked_to_musl': linked_to_musl,
    'in_systemd_nspawn_sync_suppressed': in_systemd_nspawn_sync_suppressed,
    # platform flags 3.10 (is_emscripten) and 3.10-3.12 (is_apple) lack
    'is_emscripten': sys.platform == 'emscripten',
    'is_apple': sys.platform in {'darwin', 'ios', 'tvos', 'watchos'},
}


def install():
    """Add the missing helpers to test.support; return their names."""
    from test import support
    added = []
    for name, value in HELPERS.items():
        if not hasattr(support, name):
            setattr(support, name, value)
            added.append(name)
    return added


#: {"Class.test_name": (first Python it can pass on, why)}: tests that no
#: mmap module can pass on an older interpreter.  A name missing from the
#: suite is an error, so the table stays exact.
NEEDS_PYTHON = {
    "MmapTests.test_setitem_slice_resize_reentrancy": (
        (3, 12), "its value gets a buffer from a Python-level __buffer__ "
                 "(PEP 688, Python 3.12+)"),
}


def skip_inapplicable(suite_module):
    """Skip the NEEDS_PYTHON tests of suite_module this interpreter cannot
    pass; return their names."""
    import unittest
    skipped = []
    for name, (version, why) in NEEDS_PYTHON.items():
        cls_name, meth_name = name.split(".")
        cls = getattr(suite_module, cls_name, None)
        if cls is None or not hasattr(cls, meth_name):
            raise LookupError("cpython_support_shim.NEEDS_PYTHON: %s is not "
                              "in %s" % (name, suite_module.__file__))
        if sys.version_info < version:
            reason = "needs Python %d.%d: %s" % (version + (why,))
            setattr(cls, meth_name,
                    unittest.skip(reason)(getattr(cls, meth_name)))
            skipped.append(name)
    return skipped
