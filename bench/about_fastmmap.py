"""Which fastmmap the benchmark suite measures.

Imported by conftest.py before anything else of the suite (corpus.py
imports fastmmap too), so importing this module imports fastmmap or stops
the session with a message that says what failed and how to install it.
``FASTMMAP_BENCH_STDLIB_ONLY=1`` is the one way round that: the stdlib
``mmap`` then fills both slots, to debug the suite itself.

``header_lines()`` is the top of the session summary: the version and file
of the fastmmap measured, whether it is an installed wheel or a source tree
(an editable install or an in-place build), and whether its Python modules
are byte-compiled.  ``cli_command()`` is how test_bench_cli.py runs the
``fastmmap`` command, checked to import the same fastmmap as the suite.
"""
import importlib.util
import json
import mmap
import os
import site
import subprocess
import sys
import sysconfig
from urllib.parse import unquote, urlparse

import pytest

#: The command bench/README.rst opens with (tests/test_packaging.py checks
#: that the README's first command is this one).
COMMAND = 'python -m pip install -e ".[bench]" && python -m pytest bench/ --benchmark-only'

STDLIB_ONLY_VAR = "FASTMMAP_BENCH_STDLIB_ONLY"
#: True when FASTMMAP_BENCH_STDLIB_ONLY is set (to anything but "" or "0")
STDLIB_ONLY = os.environ.get(STDLIB_ONLY_VAR, "") not in ("", "0")

_HOW = f"""From the repository root, in a virtual environment, run:

    {COMMAND}

(bench/README.rst has the details.  {STDLIB_ONLY_VAR}=1 runs the suite
with the stdlib mmap module in both slots, only to debug the suite itself:
its numbers are not fastmmap's.)"""


def _fail(what):
    raise pytest.UsageError(f"{what}\n\n{_HOW}")


def _import_fastmmap():
    if importlib.util.find_spec("pytest_benchmark") is None:
        _fail("pytest-benchmark is not installed in this Python "
              f"({sys.executable}): the suite's timings are pytest-benchmark's.")
    if STDLIB_ONLY:
        return None
    try:
        import fastmmap
    except Exception as exc:  # ImportError, or a half-built extension
        _fail(f"fastmmap did not import, and the benchmark suite measures it:\n"
              f"{type(exc).__name__}: {exc}")
    if not hasattr(fastmmap, "mmap"):
        _fail(f"{fastmmap.__file__} is not a working fastmmap (it has no mmap).")
    return fastmmap


#: The fastmmap measured; None in stdlib-only mode.
fastmmap = _import_fastmmap()


class _StdlibMmap(mmap.mmap):
    """The stdlib mmap in the fastmmap slot of stdlib-only mode: asking it
    for a method only fastmmap has skips the benchmark."""

    def __getattr__(self, name):  # called only for attributes mmap.mmap lacks
        pytest.skip(f"{STDLIB_ONLY_VAR} is set: the stdlib mmap has no {name}")


class StdlibStandIn:
    """The module that fills the fastmmap slot in stdlib-only mode."""

    ACCESS_READ = mmap.ACCESS_READ
    mmap = _StdlibMmap


# -- where it comes from -----------------------------------------------------------

def _real(path):
    return os.path.realpath(path)


def _site_dirs():
    dirs = set(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    dirs.add(site.getusersitepackages())
    dirs.update(sysconfig.get_path(key) for key in ("purelib", "platlib"))
    return {_real(d) for d in dirs if d}


def _editable_roots():
    """Source trees that pip installed fastmmap from in editable mode."""
    from importlib import metadata

    roots = []
    for dist in metadata.distributions(name="fastmmap"):
        try:
            info = json.loads(dist.read_text("direct_url.json") or "null")
        except ValueError:
            continue
        if info and info.get("dir_info", {}).get("editable"):
            url = urlparse(info.get("url", ""))
            if url.scheme == "file":
                roots.append(_real(unquote(url.path)))
    return roots


def package_dir():
    return os.path.dirname(_real(fastmmap.__file__))


def kind():
    """How the measured fastmmap was put where it is, in words."""
    pkg = package_dir()
    root = os.path.dirname(pkg)
    if root in _site_dirs():
        return "an installed wheel (site-packages)"
    tree = os.path.isfile(os.path.join(root, "setup.py"))
    where = f"the source tree {root}" if tree else root
    if root in _editable_roots():
        return f"an editable install (pip install -e) of {where}"
    return f"an in-place build in {where}, not installed"


# -- byte-compiled or not ----------------------------------------------------------

def _pyc_current(source):
    """True if the .pyc the import system would use for source is there and
    matches it (timestamp-based, as pip and compileall write them, or
    hash-based)."""
    try:
        with open(importlib.util.cache_from_source(source), "rb") as fh:
            head = fh.read(16)
        st = os.stat(source)
    except (OSError, NotImplementedError, ValueError):
        return False
    if len(head) < 16 or head[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(head[4:8], "little") & 1:  # hash-based: checked or not, it is there
        return True
    return (int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF)


def _why_no_bytecode_written(pkg):
    """Why a fresh fastmmap process cannot write the .pyc it lacks (None
    when it can)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return f"PYTHONDONTWRITEBYTECODE={os.environ['PYTHONDONTWRITEBYTECODE']} keeps them so"
    cache = os.path.dirname(importlib.util.cache_from_source(os.path.join(pkg, "x.py")))
    if not os.access(cache if os.path.isdir(cache) else os.path.dirname(cache), os.W_OK):
        return f"{cache} is not writable"
    return None


def bytecode(sources, what):
    """(line, warning or None) about the .pyc of sources (``what`` says
    which modules they are)."""
    pkg = package_dir()
    missing = [s for s in sources if not _pyc_current(s)]
    env = os.environ.get("PYTHONDONTWRITEBYTECODE")
    state = (f"PYTHONDONTWRITEBYTECODE={env}" if env else "PYTHONDONTWRITEBYTECODE unset")
    state += f", sys.dont_write_bytecode={sys.dont_write_bytecode}"
    line = (f"byte-compiled: {len(sources) - len(missing)} of the {len(sources)} "
            f"{what} have a current .pyc ({state})")
    why = _why_no_bytecode_written(pkg) if missing else None
    warning = None
    if why:
        warning = (f"WARNING: {len(missing)} of them have no .pyc and {why}: every fastmmap "
                   "process compiles them again (~10 ms), so the command-line rows look worse "
                   f"than a user's; python -m compileall -q {pkg} writes them")
    return line, warning


# -- the fastmmap command ----------------------------------------------------------

# Run in a child Python: which fastmmap it imports, and which of its Python
# modules the commands the suite times load (on a small mapped file, as
# some load only for a map).
_PROBE = r"""
import json, os, sys, tempfile
out = os.dup(1)
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
from fastmmap._cli import main
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "probe.txt")
    with open(path, "wb") as fh:
        fh.write(b"probe the command line\n" * 100)
    for argv in (["lines", path], ["count", "the", path], ["grep", "the", path]):
        main(argv)
    sys.stdout.flush()
os.dup2(out, 1)
mods = sorted(m.__file__ for name, m in list(sys.modules.items())
              if (name == "fastmmap" or name.startswith("fastmmap."))
              and str(getattr(m, "__file__", "")).endswith(".py"))
print(json.dumps({"file": sys.modules["fastmmap"].__file__, "modules": mods,
                  "ext": sys.modules["fastmmap._mmap"].__file__}))
"""

_CLI = {}


def _interpreter(script):
    """The interpreter a script's #! line names, when it names one."""
    try:
        with open(script, "rb") as fh:
            first = fh.readline().decode(errors="replace")
    except OSError:
        return None
    if first.startswith("#!"):
        words = first[2:].split()
        if len(words) == 1 and "python" in os.path.basename(words[0]):
            return words[0]
    return None


def _probe(python, cwd):
    done = subprocess.run([python, "-c", _PROBE], cwd=cwd, capture_output=True, text=True,
                          check=False, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        return None, done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
    return json.loads(done.stdout.splitlines()[-1]), None


def cli_command():
    """(argv prefix, note) that runs the fastmmap command with the fastmmap
    this suite imported.

    The console script installed next to this Python when there is one (so
    no pyenv shim or similar wrapper is timed), else ``python -m fastmmap``.
    A child Python is asked which fastmmap that command imports; when it is
    another one (a source tree measured while a different fastmmap is
    installed), PYTHONPATH is set, for every process the suite starts, to
    the measured tree.  Skips in stdlib-only mode."""
    if STDLIB_ONLY:
        pytest.skip(f"{STDLIB_ONLY_VAR} is set: no fastmmap command to measure")
    if _CLI:
        return _CLI["prefix"], _CLI["note"]
    script = os.path.join(sysconfig.get_path("scripts"), "fastmmap")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        prefix, note = [script], "console script " + script
        python, cwd = _interpreter(script) or sys.executable, os.path.dirname(script)
    else:
        prefix = [sys.executable, "-m", "fastmmap"]
        note = "python -m fastmmap (no console script next to this Python)"
        python, cwd = sys.executable, os.getcwd()
    want = [_real(fastmmap.__file__), _real(fastmmap._mmap.__file__)]
    same = lambda got: got is not None and [_real(got["file"]), _real(got["ext"])] == want
    got, err = _probe(python, cwd)
    if not same(got):
        root = os.path.dirname(package_dir())
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join([root] + ([old] if old else []))
        first = got["file"] if got else f"no fastmmap ({' '.join(err)})"
        got, err = _probe(python, cwd)
        if not same(got):
            pytest.fail(f"{' '.join(prefix)} imports {first}, and with PYTHONPATH={root} "
                        f"{got['file'] if got else ' '.join(err)}, not the measured "
                        f"{' and '.join(want)}")
        note += f" with PYTHONPATH={root} (it imported {first})"
    note += ": imports the measured fastmmap (checked)"
    modules = got["modules"]
    if prefix[1:2] == ["-m"]:
        modules.append(os.path.join(package_dir(), "__main__.py"))
    _CLI.update(prefix=prefix, note=note, modules=modules)
    return prefix, note


# -- the summary's header ----------------------------------------------------------

def header_lines():
    """What the session summary says about the fastmmap it measured."""
    if fastmmap is None:
        return [f"WARNING: {STDLIB_ONLY_VAR} is set: the stdlib mmap filled BOTH slots "
                "-- these are not fastmmap numbers."]
    out = [f"fastmmap {getattr(fastmmap, '__version__', '?')} from {fastmmap.__file__}: "
           f"{kind()}"]
    strays = sorted(f"{name} from {mod.__file__}" for name, mod in list(sys.modules.items())
                    if name.startswith("fastmmap.") and getattr(mod, "__file__", None)
                    and not _real(mod.__file__).startswith(package_dir() + os.sep))
    if strays:  # e.g. an editable install's finder filling in a tree's missing .so
        out.append("WARNING: modules of another fastmmap: " + ", ".join(strays))
    if _CLI:
        out.append(f"command line: {_CLI['note']}")
        line, warning = bytecode(_CLI["modules"], "Python modules the command line loads")
        out += [line] + ([warning] if warning else [])
    else:  # the command line did not run: its start-up does not matter
        sources = [os.path.join(package_dir(), n) for n in sorted(os.listdir(package_dir()))
                   if n.endswith(".py")]
        out.append(bytecode(sources, "Python modules of the package")[0])
    return out
