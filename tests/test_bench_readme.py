"""The benchmark suite's one command (issue 25): bench/README.rst opens with

    python -m pip install -e ".[bench]" && python -m pytest bench/ --benchmark-only

which installs the ``bench`` extra.  It is an extra, not only a dependency
group, because ``pip install --group`` needs pip 25.1 and the venvs of
Python 3.10-3.12 ship an older pip.  These checks read the repository's
files only (no network, no install); they skip where the tests run without
the source tree beside them.
"""
import ast
import os
import re

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMAND = 'python -m pip install -e ".[bench]" && python -m pytest bench/ --benchmark-only'


def read(relpath, mode="r"):
    path = os.path.join(ROOT, relpath)
    if not os.path.exists(path):
        pytest.skip(f"no {relpath} beside the tests")
    with open(path, mode) as fh:
        return fh.read()


def requirement_names(reqs):
    return {re.match(r"[A-Za-z0-9._-]+", r).group().lower() for r in reqs}


def test_bench_extra_is_the_bench_group():
    meta = tomllib.loads(read("pyproject.toml"))
    extra = meta["project"]["optional-dependencies"]["bench"]
    group = meta["dependency-groups"]["bench"]
    assert sorted(extra) == sorted(group)
    assert {"pytest", "pytest-benchmark", "numpy"} <= requirement_names(extra)


def test_readme_opens_with_the_command():
    text = read("bench/README.rst")
    # The first literal block (``::`` then indented lines) is the command.
    block = re.search(r"::\n\n((?:    .*\n)+)", text)
    assert block, "bench/README.rst has no literal block"
    first = block.group(1).strip()
    assert first == COMMAND
    assert '".[bench]"' in first and "--group" not in first
    # ... right under the title, before the first section: it opens the README.
    headings = [m.start() for m in re.finditer(r"^\S.*\n([-=~^])\1{2,}$", text, re.M)]
    assert headings and headings[0] < block.start()
    assert len(headings) == 1 or block.start() < headings[1]
    assert "flock" not in text


def test_suite_prints_the_same_command():
    # What the suite says when fastmmap does not import (about_fastmmap.COMMAND).
    tree = ast.parse(read("bench/about_fastmmap.py"))
    values = [node.value.value for node in tree.body
              if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == "COMMAND" for t in node.targets)]
    assert values == [COMMAND]
