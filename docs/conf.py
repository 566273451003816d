"""Sphinx configuration for the fastmmap documentation.

The API pages are generated with autodoc from the *installed* (compiled)
package, so build them in an environment where fastmmap is installed::

    python -m pip install ".[docs]"
    sphinx-build -W -b html docs docs/_build/html

Run sphinx-build from any directory; ``python -m sphinx`` from the
repository root would put the source tree (without compiled modules) first
on sys.path.
"""
import os
import re

import fastmmap

project = "fastmmap"
author = "fastmmap developers"
copyright = "2026, fastmmap developers"
release = fastmmap.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.extlinks", "sphinx.ext.intersphinx"]
# :gh:`12345` -> gh-12345, a link to that CPython issue.
extlinks = {"gh": ("https://github.com/python/cpython/issues/%s", "gh-%s")}
exclude_patterns = ["_build", "_inventories"]

# -- intersphinx: :mod:`mmap`, :class:`numpy.ndarray` link to their docs ------------
#
# The builds (CI included) have no network, so the two inventories are
# shipped in _inventories/, taken from Debian's python3.14-doc (Python 3.14)
# and python-numpy-doc (NumPy 2.4) packages: ``usr/share/doc/.../html/
# objects.inv``.  To refresh one, replace the file (or delete it: a missing
# inventory is then fetched from the site, which needs the network).
_INVENTORIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_inventories")


def _inventory(name):
    path = os.path.join(_INVENTORIES, name)
    return path if os.path.exists(path) else None


intersphinx_mapping = {
    # The inventory is 3.14's: link to 3.14's pages, where its paths hold.
    "python": ("https://docs.python.org/3.14", _inventory("python-objects.inv")),
    "numpy": ("https://numpy.org/doc/stable", _inventory("numpy-objects.inv")),
}
intersphinx_timeout = 10
html_static_path = ["_static"]
html_theme = "alabaster"
html_theme_options = {"description": "Python's mmap module, rebuilt in Cython"}
default_role = "code"
autodoc_member_order = "bysource"

# -- signatures from the compiled module's docstrings ----------------------------
#
# The extension's methods carry stdlib-style signatures on their docstrings'
# first line, which autodoc reads (autodoc_docstring_signature), either alone
# ("find(sub[, start[, end]]) -> int", then a blank line) or followed by the
# first sentence ("tell() -> int.  The current position.").  autodoc takes
# such a sentence for part of the return annotation and drops it from the
# text: the two hooks below split it off and put it back.
autodoc_docstring_signature = True

_SIGNATURE = re.compile(
    r"^(?P<name>\w+)\((?P<args>.*?)\)(?:\s*->\s*(?P<ret>[\w.\[\] ]+?))?"
    r"(?:\.\s+(?P<rest>\S.*))?\s*$"
)
_NEWLINE_LITERAL = re.compile(r"(?<!`)b'\\n'(?!`)")


def _sentence_after_signature(obj, name):
    """The text after "name(...) -> type." on the docstring's first line."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    match = _SIGNATURE.match(doc.lstrip().splitlines()[0])
    if match is None or match["name"] != name.rsplit(".", 1)[-1]:
        return None
    return match


def process_signature(app, what, name, obj, options, signature, return_annotation):
    match = _sentence_after_signature(obj, name)
    if match is None or not match["rest"]:
        return None
    return "(%s)" % match["args"], match["ret"].strip() if match["ret"] else None


def process_docstring(app, what, name, obj, options, lines):
    match = _sentence_after_signature(obj, name)
    if match is not None and match["rest"] and not (lines and lines[0] == match["rest"]):
        lines.insert(0, match["rest"])
    # b'\n' outside a literal would lose its backslash in reST.
    lines[:] = [_NEWLINE_LITERAL.sub(r"``b'\\n'``", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-signature", process_signature)
    app.connect("autodoc-process-docstring", process_docstring)
