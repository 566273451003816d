"""The shipped search binding (fastmmap._search) carries no test hooks.

Apart from tests/test_search_kernels.py on purpose: these need no engine
sources, so they also run on a copy of tests/ beside an installed wheel,
which is where a test hook would ship.
"""
import ctypes

from fastmmap import _search


def test_no_test_hooks_in_the_module():
    # The C-level kernels (__pyx_capi__) and the ISA in use, nothing else.
    assert [n for n in dir(_search) if not n.startswith("__")] == ["isa"]


def test_no_test_entry_points_in_the_engine():
    # The engine's entry points of test builds (FM_TESTING: fm_anchors,
    # the exported byte ranks) are not compiled into the extension;
    # tests/search_engine.py compiles its own library for them.
    lib = ctypes.CDLL(_search.__file__)
    assert hasattr(lib, "fm_find")
    for name in ("fm_anchors", "fm_byte_rank"):
        assert not hasattr(lib, name), name
