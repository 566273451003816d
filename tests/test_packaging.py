"""What the package says about itself when imported, star-imported, or used
without NumPy or without its compiled modules.

Each case runs in a subprocess (a fresh interpreter: NumPy and fastmmap's
NumPy module may already be imported in this one), with the directory that
holds the tested ``fastmmap`` package first on sys.path.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="about the fastmmap package itself")


def package_dir():
    return os.path.dirname(os.path.abspath(load_fastmmap().__file__))


def run_python(code, cwd, path_first=None, no_site=False):
    """Run code in a child Python in cwd.  no_site (-S): no site-packages,
    so no editable install's import hook can supply a module the tree
    lacks."""
    env = dict(os.environ)
    if path_first is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [path_first] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    flags = ["-S"] if no_site else []
    return subprocess.run([sys.executable, *flags, "-c", textwrap.dedent(code)],
                          cwd=str(cwd), env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_star_import_keeps_builtin_open(tmp_path):
    # fastmmap.open is there, but not in __all__: the builtin open() survives
    # `from fastmmap import *`, as after `from mmap import *`.
    result = run_python("""
        import builtins
        from fastmmap import *
        import fastmmap
        assert open is builtins.open, open
        assert callable(fastmmap.open) and fastmmap.open is not builtins.open
        assert "open" not in fastmmap.__all__
        assert mmap is fastmmap.mmap and ACCESS_READ == fastmmap.ACCESS_READ
        with open(__import__("sys").executable, "rb") as f:
            f.read(4)
        print("ok")
    """, tmp_path, os.path.dirname(package_dir()))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_numpy_methods_name_the_extra(tmp_path):
    # NumPy not found (a finder that says so, as for an environment without
    # it): as_array() and find_all() raise an ImportError that says which
    # extra to install; the rest works.
    result = run_python("""
        import sys

        class NoNumPy:
            def find_spec(self, name, path=None, target=None):
                if name == "numpy" or name.startswith("numpy."):
                    raise ModuleNotFoundError("No module named %r" % name, name=name)
                return None

        sys.meta_path.insert(0, NoNumPy())
        import fastmmap
        m = fastmmap.mmap(-1, 16)
        m.write(b"abcabc")
        assert m.find(b"c", 0) == 2 and m.count(b"a", 0) == 2
        for call in (lambda: m.find_all(b"a"), lambda: m.as_array()):
            try:
                call()
            except ImportError as exc:
                print("ImportError:", exc)
                assert exc.name == "numpy", exc.name
            else:
                raise AssertionError("no ImportError")
    """, tmp_path, os.path.dirname(package_dir()))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert "pip install 'fastmmap[numpy]'" in line, line
        assert "NumPy" in line


def test_source_tree_without_extension(tmp_path):
    # A checkout whose extension is not built (only the .py files), imported
    # from its root: the error says so and how to build it.
    tree = tmp_path / "checkout"
    (tree / "fastmmap").mkdir(parents=True)
    for name in os.listdir(package_dir()):
        if name.endswith((".py", ".pyi", ".pyx")):
            shutil.copy(os.path.join(package_dir(), name), tree / "fastmmap" / name)
    result = run_python("""
        try:
            import fastmmap
        except ImportError as exc:
            print(type(exc).__name__, exc)
        else:
            raise AssertionError("imported %s" % fastmmap.__file__)
    """, tree, no_site=True)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("ImportError "), out
    assert "not built" in out
    assert "python setup.py build_ext --inplace" in out
    assert "pip install -e ." in out
    assert str(tree) in out
