"""The layer list of docs/architecture.rst against the package's imports:
every module imports only from its own layer and the layers it uses."""
import fnmatch
import glob
import os
import re

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
DOC = os.path.join(ROOT, "docs", "architecture.rst")

pytestmark = pytest.mark.skipif(not os.path.exists(DOC) or
                                not os.path.isdir(os.path.join(ROOT, "fastmmap")),
                                reason="needs the source tree (docs/ and fastmmap/)")

# import x / from x import y / cimport x / from x cimport y / include "x.pxi"
IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+c?import\s+([\w\s,()*]+)|c?import\s+([\w.]+))",
                    re.M)


def layers():
    """[(name, [glob...], [used layer...])] from the doc's layer block."""
    with open(DOC) as fh:
        text = fh.read()
    block = text.split(":caption: layers (checked by tests/test_layers.py)", 1)[1]
    out = []
    for line in block.splitlines()[1:]:
        if not line.strip():
            if out:
                break
            continue
        if not line.startswith("   "):
            break
        words = line.split()
        if words[0] == "uses:":
            out[-1][2].extend(words[1:])
        else:
            # a name of one or two words, then globs
            split = next(i for i, w in enumerate(words) if w.startswith("fastmmap/"))
            out.append((" ".join(words[:split]), words[split:], []))
    return out


def layer_of(path, table):
    rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
    for name, globs, _ in table:
        if any(fnmatch.fnmatch(rel, g) for g in globs):
            return name
    return None


def module_file(module):
    """The source file (any of them) of a fastmmap module name."""
    parts = module.split(".")
    base = os.path.join(ROOT, *parts)
    for candidate in (base + ".py", base + ".pyx", base + ".pxd",
                      os.path.join(base, "__init__.py")):
        if os.path.exists(candidate):
            return candidate
    return None


def imports(path):
    """fastmmap modules a source file imports or cimports."""
    with open(path) as fh:
        text = fh.read()
    out = set()
    for match in IMPORT.finditer(text):
        frm, names, plain = match.groups()
        if plain:
            if plain.startswith("fastmmap"):
                out.add(plain)
            continue
        if not frm.startswith("fastmmap"):
            continue
        if frm == "fastmmap":
            # from fastmmap import _scan: each name (before any "as") is a
            # module or a name of the package itself
            for item in names.replace("(", " ").replace(")", " ").split(","):
                words = item.split()
                if not words:
                    continue
                if module_file("fastmmap." + words[0]):
                    out.add("fastmmap." + words[0])
                else:
                    out.add("fastmmap")
        else:
            out.add(frm)
    return out


SOURCES = sorted(glob.glob(os.path.join(ROOT, "fastmmap", "**", "*.py"), recursive=True)
                 + glob.glob(os.path.join(ROOT, "fastmmap", "*.pyx"))
                 + glob.glob(os.path.join(ROOT, "fastmmap", "*.pxd"))
                 + glob.glob(os.path.join(ROOT, "fastmmap", "*.pxi")))


def test_every_module_has_a_layer():
    table = layers()
    assert [name for name, _, _ in table] == [
        "command line", "public", "scanning", "map", "engine", "system"]
    missing = [os.path.relpath(p, ROOT) for p in SOURCES if layer_of(p, table) is None]
    assert not missing, "modules in no layer of docs/architecture.rst: %s" % missing


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: os.path.relpath(p, ROOT))
def test_imports_follow_the_layers(path):
    table = layers()
    uses = {name: set(used) | {name} for name, _, used in table}
    mine = layer_of(path, table)
    for module in sorted(imports(path)):
        target = module_file(module)
        if target is None:
            continue            # a compiled-only name (none today)
        theirs = layer_of(target, table)
        assert theirs in uses[mine], "%s (%s) imports %s (%s)" % (
            os.path.relpath(path, ROOT), mine, module, theirs)


def test_only_the_guard_includes_the_fault_handler():
    """One SIGBUS guard per process: _fault.h is compiled into _guard only."""
    users = []
    for path in SOURCES:
        with open(path) as fh:
            text = fh.read()
        if path.endswith(("_fault.pxd", "_guard.pyx")):
            continue
        if "fastmmap._fault" in imports(path) or 'extern from "_fault.h"' in text:
            users.append(os.path.relpath(path, ROOT))
    assert users == [], users
