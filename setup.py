"""Build script: only the extension list and the Cython directives.

Everything else (metadata, extras, tool configuration) is in pyproject.toml.

Release builds (the default, wheels included) compile with -g0: no debug
information in the .so files (CPython's own CFLAGS usually carry -g, which
would triple their size); .ci/run checks the built wheel for it.

Environment switches:
  FASTMMAP_DEBUG=1     -O0 -g3, C asserts on
  FASTMMAP_SANITIZE=1  adds -fsanitize=address,undefined (run the tests with
                       LD_PRELOAD=$(gcc -print-file-name=libasan.so))
  FASTMMAP_PORTABLE=1  the search engine with its portable (scalar) kernels
                       only: no SSE2, AVX2 or NEON code is compiled
"""
import glob
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

# One extension per .pyx file.  FASTMMAP_MODULES=_search,_mmap builds a subset
# (handy while developing one module; installs always build everything).
MODULES = sorted(
    os.path.splitext(os.path.basename(path))[0]
    for path in glob.glob(os.path.join("fastmmap", "*.pyx"))
)
if os.environ.get("FASTMMAP_MODULES"):
    MODULES = os.environ["FASTMMAP_MODULES"].split(",")

# -g0 comes after the interpreter's CFLAGS (extra_compile_args are last), so
# it wins over their -g.
compile_args = ["-O3", "-fno-strict-aliasing", "-g0"]
link_args = []
if os.environ.get("FASTMMAP_DEBUG"):
    compile_args = ["-O0", "-g3", "-UNDEBUG"]
if os.environ.get("FASTMMAP_SANITIZE"):
    sanitize = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"]
    compile_args += sanitize
    link_args += sanitize

# The search engine and the scanning engine (hand-written C, a directory
# each) are compiled into the extension that binds them.
SEARCH_DIR = os.path.join("fastmmap", "csrc", "search")
SCAN_DIR = os.path.join("fastmmap", "csrc", "scan")
C_SOURCES = {"_search": sorted(glob.glob(os.path.join(SEARCH_DIR, "*.c"))),
             "_scan": sorted(glob.glob(os.path.join(SCAN_DIR, "*.c")))}
C_INCLUDES = {"_search": [SEARCH_DIR], "_scan": [SCAN_DIR]}
C_DEPENDS = {"_search": sorted(glob.glob(os.path.join(SEARCH_DIR, "*.h"))),
             "_scan": sorted(glob.glob(os.path.join(SCAN_DIR, "*.h")))}
C_MACROS = {"_search": [("FM_PORTABLE", "1")] if os.environ.get("FASTMMAP_PORTABLE") else []}

extensions = [
    Extension(
        f"fastmmap.{name}",
        [f"fastmmap/{name}.pyx"] + C_SOURCES.get(name, []),
        include_dirs=["fastmmap"] + C_INCLUDES.get(name, []),
        define_macros=C_MACROS.get(name, []),
        # Headers and declarations every module may include: editing one
        # must rebuild (setuptools only tracks the .pyx by default).
        depends=sorted(glob.glob(os.path.join("fastmmap", "*.h"))
                       + glob.glob(os.path.join("fastmmap", "*.pxd"))
                       + glob.glob(os.path.join("fastmmap", "*.pxi")))
        + C_DEPENDS.get(name, []),
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
    for name in MODULES
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": 3,
            "embedsignature": True,
            # Argument Clinic style docstrings give inspect.signature() a
            # __text_signature__ for the plain (non-binding) methods below.
            "embedsignature.format": "clinic",
            # Plain C methods, as CPython's own types have: METH_NOARGS /
            # METH_VARARGS calls are cheaper than cyfunction objects, and
            # arity errors then read exactly like the stdlib's.
            "binding": False,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
