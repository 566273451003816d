"""Shared fixtures for the fastmmap test suite.

Kept small and generic on purpose:

* ``stdlib_mmap`` / ``fastmmap_module``: the two implementations;
* ``mmap_modules``: both, as a ``(stdlib, fastmmap)`` pair;
* ``mmap_module``: parametrised over both (ids ``stdlib`` and ``fastmmap``);
* ``make_file``: a factory for temporary files with given contents.

Setting ``FASTMMAP_TEST_AGAINST_STDLIB=1`` puts the stdlib ``mmap`` module in
the fastmmap slot too.  That is only meant for developing tests without a
built extension (and for checking that a test is self-consistent); it is
reported in the pytest header so a green run with it cannot pass unnoticed.
"""
import mmap as _stdlib_mmap
import os

import pytest

AGAINST_STDLIB = bool(os.environ.get("FASTMMAP_TEST_AGAINST_STDLIB"))


def load_fastmmap():
    """Return the module under test (``fastmmap``, or stdlib ``mmap`` when
    FASTMMAP_TEST_AGAINST_STDLIB is set).  An import failure is an error, not
    a skip: a suite that silently skips because the extension was not built
    proves nothing."""
    if AGAINST_STDLIB:
        return _stdlib_mmap
    import fastmmap

    return fastmmap


def pytest_report_header(config):
    if AGAINST_STDLIB:
        return ("fastmmap: FASTMMAP_TEST_AGAINST_STDLIB is set -- the stdlib mmap "
                "module stands in for fastmmap; nothing of fastmmap is tested")
    try:
        mod = load_fastmmap()
    except Exception as exc:  # reported again, as errors, by the fixtures
        return "fastmmap: import failed: %r" % (exc,)
    return "fastmmap: %s (%s)" % (getattr(mod, "__file__", "?"),
                                  getattr(mod, "__version__", "?"))


@pytest.fixture(scope="session")
def stdlib_mmap():
    return _stdlib_mmap


@pytest.fixture(scope="session")
def fastmmap_module():
    return load_fastmmap()


@pytest.fixture(scope="session")
def mmap_modules(stdlib_mmap, fastmmap_module):
    return stdlib_mmap, fastmmap_module


@pytest.fixture(params=["stdlib", "fastmmap"])
def mmap_module(request):
    if request.param == "stdlib":
        return _stdlib_mmap
    return load_fastmmap()


@pytest.fixture
def make_file(tmp_path):
    """``make_file(data=b"", name=None) -> str``: create a file holding
    ``data`` under the test's tmp_path and return its path."""
    counter = [0]

    def make(data=b"", name=None):
        if name is None:
            counter[0] += 1
            name = "file%d.bin" % counter[0]
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(data))
        return str(path)

    return make


# -- the command line's tests (helpers in cli_support.py) --------------------------

@pytest.fixture
def files(tmp_path):
    """make(name, data) -> path of a new file in tmp_path."""
    from cli_support import file_maker
    return file_maker(tmp_path)


@pytest.fixture
def inproc(capsysbinary):
    """Run the command line in this process; see cli_support.in_process."""
    from cli_support import in_process
    return in_process(capsysbinary)
