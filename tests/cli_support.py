"""Helpers shared by the command-line tests (tests/test_cli*.py,
tests/test_grep_*.py).

The tests drive ``python -m fastmmap`` as a user does, or ``_cli.main`` in
the test's process, and compare with the tools the commands mimic (wc, GNU
grep, ripgrep).
"""
import bisect
import os
import random
import shutil
import subprocess
import sys

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap
from support import env_with_package_path, naive_find_all

#: every CLI test module's pytestmark
SKIP_AGAINST_STDLIB = pytest.mark.skipif(
    AGAINST_STDLIB, reason="the command line needs fastmmap itself")

if not AGAINST_STDLIB:
    load_fastmmap()
    from fastmmap import _cli
    from fastmmap._cli import _parse

try:
    import numpy  # noqa: F401  (the corpus generator needs it)
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False
needs_numpy = pytest.mark.skipif(not HAVE_NUMPY, reason="the corpus generator needs NumPy")

TEXT = b"hello world\nfoo bar\nbaz hello\n\nlast hello line"   # no final newline


def run(*args, stdin=None, input=None, cwd=None, timeout=120):
    """Run ``python -m fastmmap ARGS``; returns the CompletedProcess (bytes)."""
    env = env_with_package_path()
    cmd = [sys.executable, "-m", "fastmmap"] + [os.fsdecode(a) for a in args]
    kw = {"input": input} if input is not None else {"stdin": stdin if stdin is not None
                                                      else subprocess.DEVNULL}
    return subprocess.run(cmd, capture_output=True, env=env, cwd=cwd,
                          timeout=timeout, **kw)


def call(capsysbinary, *args):
    """Run the command line in this process: (status, stdout, stderr) bytes."""
    status = _cli.main([os.fsdecode(a) for a in args])
    out, err = capsysbinary.readouterr()
    return status, out, err


def in_process(capsysbinary):
    """Like run(), but in this process through main() (no stdin): the
    variants of a behaviour a subprocess test already covers end to end.
    (Each test module makes it its ``inproc`` fixture.)"""
    def run_here(*args):
        status, out, err = call(capsysbinary, *args)
        return subprocess.CompletedProcess(args, status, out, err)
    return run_here


def assert_clean_error(proc, *fragments):
    """Exit 2, one line on stderr starting 'fastmmap: ', no traceback."""
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


def write_files(directory, files):
    """Writes {name: bytes} under directory (a pathlib.Path; subdirectories
    made as needed); returns the names, sorted."""
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return sorted(files)


def file_maker(tmp_path):
    """``make(name, data) -> path`` of a file under tmp_path (the
    ``files`` fixture of conftest.py)."""
    def make(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return make


def rg_oracle(data, needle, numbers=True, prefix=b""):
    """The lines ``rg -U -F`` prints: every line an occurrence touches,
    occurrences taken left to right without overlapping."""
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    if not needle:
        touched = set(range(len(lines)))
    else:
        touched = set()
        for hit in naive_find_all(data, needle):
            first = bisect.bisect_right(starts, hit) - 1
            last = bisect.bisect_right(starts, hit + len(needle) - 1) - 1
            touched.update(range(first, last + 1))
    return b"".join(b"%s%s%s\n" % (prefix, b"%d:" % (i + 1) if numbers else b"", lines[i])
                    for i in sorted(touched))


def tool(*argv, input=None, stdin=None):
    """stdout of a system tool (GNU grep, wc, ripgrep)."""
    kw = {"input": input} if input is not None else {"stdin": stdin or subprocess.DEVNULL}
    return subprocess.run(list(argv), capture_output=True, **kw).stdout


def big_text():
    """A few MiB of lines (more than one read block), with occurrences of
    the needles below at every distance from the block edges."""
    rng = random.Random(17)
    words = [b"ERROR", b"a;", b"};", b"}x", b"the", b"e", b"x" * 300, b"", b"\xc3\xa9"]
    lines = [b" ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
             for _ in range(120_000)]
    return b"\n".join(lines) + b"\n"


NEEDLES = ["ERROR", "e", "the", ";\\n}", "x\\nth", "\\u00e9"]


def needle_bytes(text):
    return _parse.parse_needle(text)


# -- grep against GNU grep and ripgrep (tests/test_grep_*.py) ----------------------

def _gnu_grep():
    path = shutil.which("grep")
    if path is None:
        return None
    try:
        version = subprocess.run([path, "--version"], capture_output=True).stdout
    except OSError:
        return None
    return path if version.startswith(b"grep (GNU grep)") else None


GNU_GREP = _gnu_grep()
RG = shutil.which("rg")
needs_gnu_grep = pytest.mark.skipif(GNU_GREP is None, reason="needs GNU grep")
needs_rg = pytest.mark.skipif(RG is None, reason="needs ripgrep (rg)")


def _pattern_works(needles, **options):
    """Whether fastmmap._scan.Pattern takes these needles and options: the
    set engine (several needles, ignoring case) is wired in separately."""
    if AGAINST_STDLIB:
        return False
    from fastmmap import _scan
    try:
        _scan.Pattern(needles, **options)
    except NotImplementedError:
        return False
    return True


#: several needles (-e A -e B, -f FILE of several lines)
needs_sets = pytest.mark.skipif(
    not _pattern_works([b"a", b"b"]),
    reason="several needles need the set engine: _scan.Pattern([a, b]) raises "
           "NotImplementedError")
#: -i
needs_ignore_case = pytest.mark.skipif(
    not _pattern_works([b"a"], ignore_case=True),
    reason="-i needs the set engine: _scan.Pattern(..., ignore_case=True) raises "
           "NotImplementedError")


def tool_env():
    """The environment GNU grep and ripgrep run in: the C locale (bytes,
    ASCII case and word characters), no colour or config settings."""
    env = dict(os.environ, LC_ALL="C")
    for name in ("GREP_COLOR", "GREP_COLORS", "RIPGREP_CONFIG_PATH"):
        env.pop(name, None)
    return env


def _completed(executable, argv, cwd=None, input=None):
    kw = {"input": input} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([os.fsencode(a) for a in argv], executable=executable,
                          capture_output=True, cwd=cwd, env=tool_env(), timeout=120,
                          **kw)


def gnu_grep(*args, cwd=None, input=None):
    """``LC_ALL=C grep -F ARGS``: the CompletedProcess (bytes).  Its
    messages start with "grep: " (argv[0]), whatever its path."""
    return _completed(GNU_GREP, ["grep", "-F", *args], cwd=cwd, input=input)


def ripgrep(*args, cwd=None, input=None):
    """``rg --no-config ARGS``: the CompletedProcess (bytes)."""
    return _completed(RG, ["rg", "--no-config", *args], cwd=cwd, input=input)


def escaped(args):
    """GNU grep's arguments for fastmmap grep: a NEEDLE (after -e) has its
    backslashes doubled, as fastmmap decodes escapes in it."""
    args = [os.fsencode(a) for a in args]
    return [a.replace(b"\\", b"\\\\") if i and args[i - 1] == b"-e" else a
            for i, a in enumerate(args)]


def fastmmap_grep(*args, cwd=None, input=None, stdin=None):
    """``python -m fastmmap grep ARGS`` (needles as GNU grep takes them)."""
    return run("grep", *escaped(args), cwd=cwd, input=input, stdin=stdin)


def gnu_messages(stderr):
    """GNU grep's stderr as fastmmap words it: ``grep: X: why`` becomes
    ``fastmmap: X: why``; its binary-file notes are dropped (fastmmap says
    that on stdout)."""
    lines = [line for line in stderr.splitlines(True)
             if not line.rstrip(b"\n").endswith(b": binary file matches")]
    return b"".join(b"fastmmap: " + line[len(b"grep: "):]
                    if line.startswith(b"grep: ") else line for line in lines)


def assert_like_gnu(ours, gnu):
    """Same stdout, exit status and error messages (each naming its file)."""
    __tracebackhide__ = True
    got = (ours.stdout, ours.returncode, ours.stderr)
    want = (gnu.stdout, gnu.returncode, gnu_messages(gnu.stderr))
    if got != want:
        raise AssertionError(
            "fastmmap grep differs from %s\n"
            "  fastmmap (stdout, status, stderr): %r\n"
            "  GNU grep (stdout, status, stderr): %r" % (
                b" ".join(gnu.args).decode("ascii", "backslashreplace"), got, want))


def grep_in_process(capsysbinary, *args):
    """fastmmap grep ARGS through _cli.main in this process (its output
    goes through Python's sys.stdout, not straight to descriptor 1)."""
    status, out, err = call(capsysbinary, "grep", *escaped(args))
    return subprocess.CompletedProcess(args, status, out, err)


def grep_like_gnu(*args, cwd=None, input=None):
    """Runs fastmmap grep and GNU grep -F on the same arguments, asserts
    they agree (assert_like_gnu), and returns fastmmap's CompletedProcess."""
    __tracebackhide__ = True
    ours = fastmmap_grep(*args, cwd=cwd, input=input)
    assert_like_gnu(ours, gnu_grep(*args, cwd=cwd, input=input))
    return ours
