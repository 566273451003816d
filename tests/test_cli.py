"""The command line, driven as a user drives it: ``python -m fastmmap``."""
import argparse
import bisect
import functools
import io
import os
import random
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = pytest.mark.skipif(
    AGAINST_STDLIB, reason="the command line needs fastmmap itself")

if not AGAINST_STDLIB:
    fastmmap = load_fastmmap()
    from fastmmap import _cli, _demo, _inputs, _scan
    PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap.__file__)))

try:
    import numpy  # noqa: F401  (the corpus generator needs it)
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False
needs_numpy = pytest.mark.skipif(not HAVE_NUMPY, reason="the corpus generator needs NumPy")

TEXT = b"hello world\nfoo bar\nbaz hello\n\nlast hello line"   # no final newline


def run(*args, stdin=None, input=None, cwd=None, timeout=120):
    """Run ``python -m fastmmap ARGS``; returns the CompletedProcess (bytes)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
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


@pytest.fixture
def inproc(capsysbinary):
    """Like run(), but in this process through main() (no stdin): the
    variants of a behaviour a subprocess test already covers end to end."""
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


@pytest.fixture
def files(tmp_path):
    def make(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return make


# -- general ----------------------------------------------------------------------

def test_help():
    proc = run("--help")
    assert proc.returncode == 0
    out = proc.stdout.decode()
    for word in ("lines", "count", "find", "grep", "demo", "exit status", "141"):
        assert word in out


def test_usage_error():
    proc = run("frobnicate")
    assert proc.returncode == 2
    assert b"Traceback" not in proc.stderr
    assert b"usage:" in proc.stderr


@pytest.mark.parametrize("args", [(), ("find",), ("count",),
                                  ("find", "x", "f", "--all", "--last"),
                                  ("demo", "--size", "lots"), ("lines", "--bogus")])
def test_usage_errors_in_process(capsysbinary, args):
    status, out, err = call(capsysbinary, *args)
    assert status == 2 and out == b""
    assert b"usage:" in err and b"Traceback" not in err


def test_version():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == "fastmmap " + fastmmap.__version__


def test_main_returns_status(files, capsys):
    from fastmmap.__main__ import main
    path = files("a.txt", TEXT)
    assert main(["lines", path]) == 0
    assert capsys.readouterr().out == "4 %s\n" % path
    assert main(["count", "absent", path]) == 1
    assert capsys.readouterr().out == "0\n"
    assert main(["count", "x", path + ".missing"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "fastmmap: %s.missing: No such file or directory\n" % path
    assert main(["--help"]) == 0


# -- lines ------------------------------------------------------------------------

def test_lines_one_file(files):
    path = files("a.txt", TEXT)
    proc = run("lines", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"4 %s\n" % path.encode(), b"")


def test_lines_several_files_like_wc(files, inproc):
    paths = [files("a.txt", TEXT), files("b.txt", b"x\n" * 1234), files("c.txt", b"")]
    proc = inproc("lines", *paths)
    assert proc.returncode == 0
    width = len(str(len(TEXT) + 2468))
    expected = "".join("%*d %s\n" % (width, n, p) for n, p in zip((4, 1234, 0), paths))
    expected += "%*d total\n" % (width, 1238)
    assert proc.stdout.decode() == expected
    if shutil.which("wc"):
        wc = subprocess.run(["wc", "-l"] + paths, capture_output=True)
        assert proc.stdout == wc.stdout


def test_lines_empty_file(files, inproc):
    path = files("e.txt", b"")
    proc = inproc("lines", path)
    assert (proc.returncode, proc.stdout) == (0, b"0 %s\n" % path.encode())


def test_lines_stdin_redirect(files):
    path = files("a.txt", TEXT)
    with open(path, "rb") as fh:
        proc = run("lines", stdin=fh)
    assert (proc.returncode, proc.stdout) == (0, b"4\n")
    with open(path, "rb") as fh:
        proc = run("lines", "-", stdin=fh)
    assert (proc.returncode, proc.stdout) == (0, b"4 -\n")


def test_stdin_from_current_position(files):
    path = files("a.txt", TEXT)
    with open(path, "rb") as fh:
        fh.seek(len(b"hello world\n"))
        proc = run("lines", stdin=fh)
    assert proc.stdout == b"3\n"


def test_lines_stdin_pipe():
    proc = run("lines", input=b"a\nb\n")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"2\n", b"")


def test_lines_errors_keep_going(files, tmp_path, inproc):
    good = files("a.txt", TEXT)
    missing = str(tmp_path / "missing.txt")
    proc = inproc("lines", missing, good, str(tmp_path))
    err = assert_clean_error(proc)
    assert err.splitlines() == [
        "fastmmap: %s: No such file or directory" % missing,
        "fastmmap: %s: Is a directory" % tmp_path]
    assert proc.stdout.decode().splitlines()[-2:] == [
        "%*d %s" % (len(str(len(TEXT))), 4, good), "%*d total" % (len(str(len(TEXT))), 4)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root bypasses file permissions")
def test_permission_denied(files):
    path = files("secret.txt", b"x\n")
    os.chmod(path, 0)
    assert_clean_error(run("lines", path), "fastmmap: %s: Permission denied" % path)


def test_fifo(tmp_path):
    path = str(tmp_path / "fifo")
    os.mkfifo(path)
    writer = subprocess.Popen(["sh", "-c", 'printf "x\\nxx\\n" > "$1"', "sh", path])
    try:
        proc = run("count", "x", path)
    finally:
        writer.wait(timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"3\n", b"")


# -- count ------------------------------------------------------------------------

def test_count_one_file(files):
    proc = run("count", "hello", files("a.txt", TEXT))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"3\n", b"")


def test_count_non_overlapping_every_match(files, inproc):
    path = files("a.txt", b"aaaa aa\naaa\n")
    assert inproc("count", "aa", path).stdout == b"4\n"   # not 2 lines: 4 matches


def test_count_several_files(files, inproc):
    a = files("a.txt", TEXT)
    b = files("b.txt", b"nothing here\n")
    proc = inproc("count", "hello", a, b)
    assert proc.returncode == 0
    assert proc.stdout == b"%s:3\n%s:0\n" % (a.encode(), b.encode())


def test_count_nothing(files, inproc):
    a = files("a.txt", TEXT)
    proc = inproc("count", "absent", a, files("e.txt", b""))
    assert proc.returncode == 1
    assert proc.stdout.endswith(b":0\n")


def test_count_empty_file(files, inproc):
    proc = inproc("count", "x", files("e.txt", b""))
    assert (proc.returncode, proc.stdout) == (1, b"0\n")


@pytest.mark.parametrize("needle,expected", [
    (r"\n", b"4\n"), (r"o\nb", b"1\n"), (r"\x00", b"2\n"), (r"\t", b"1\n"),
    (r"\\", b"1\n"), (r"\x00\x00", b"1\n"), (r"a\tb", b"1\n")])
def test_count_escapes(files, capsysbinary, needle, expected):
    path = files("a.txt", b"a\tb\\c\nfoo\nbar\x00\x00\nbaz\n")
    status, out, err = call(capsysbinary, "count", needle, path)
    assert (status, out, err) == (0, expected, b"")


def test_count_escapes_subprocess(files):
    path = files("a.txt", b"a\tb\nbar\x00\x00\n")
    assert run("count", r"\x00\n", path).stdout == b"1\n"
    assert run("count", r"\t", path).stdout == b"1\n"


def test_count_bad_escape(files):
    proc = run("count", r"\x4", files("a.txt", TEXT))
    err = assert_clean_error(proc, "usage: fastmmap count", "bad escape")
    assert err.count("\n") == 2


def test_count_unknown_escape_kept(files, inproc):
    path = files("a.txt", b"match \\d here\n")
    proc = inproc("count", r"\d", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"1\n", b"")


def test_count_needle_starting_with_dash(files, inproc):
    path = files("a.txt", b"a --flag b --flag\n")
    assert inproc("count", "--", "--flag", path).stdout == b"2\n"


def test_count_stdin_and_files(files):
    a = files("a.txt", TEXT)
    with open(a, "rb") as fh:
        proc = run("count", "hello", "-", a, stdin=fh)
    assert proc.stdout == b"(standard input):3\n%s:3\n" % a.encode()
    with open(a, "rb") as fh:
        proc = run("count", "hello", stdin=fh)
    assert proc.stdout == b"3\n"


def test_count_error_wins_over_match(files, tmp_path, inproc):
    proc = inproc("count", "hello", files("a.txt", TEXT), str(tmp_path / "nope"))
    assert_clean_error(proc, "No such file or directory")
    assert proc.stdout.endswith(b":3\n")


def test_non_utf8_file_names(tmp_path, inproc):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(name, "wb") as fh:
        fh.write(b"x\nx\n")
    other = os.path.join(str(tmp_path), "b.txt")
    with open(other, "wb") as fh:
        fh.write(b"x\n")
    proc = inproc("count", "x", name, other)
    assert proc.returncode == 0
    assert proc.stdout.splitlines()[0] == name + b":2"


# -- find -------------------------------------------------------------------------

def test_find_first_all_last(files, inproc):
    path = files("a.txt", TEXT)
    first = TEXT.find(b"hello")
    last = TEXT.rfind(b"hello")
    assert run("find", "hello", path).stdout == b"%d\n" % first
    assert inproc("find", "hello", path, "--last").stdout == b"%d\n" % last
    proc = inproc("find", "--all", "hello", path)
    assert proc.returncode == 0
    assert proc.stdout == b"0\n24\n36\n"


def test_find_absent(files, capsysbinary):
    path = files("a.txt", TEXT)
    proc = run("find", "absent", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, b"", b"")
    for extra in ((), ("--all",), ("--last",)):
        assert call(capsysbinary, "find", "absent", path, *extra) == (1, b"", b"")


def test_find_empty_file(files, inproc):
    path = files("e.txt", b"")
    proc = inproc("find", "x", path, "--all")
    assert (proc.returncode, proc.stdout) == (1, b"")


def test_find_escapes_and_stdin(files):
    path = files("a.txt", b"ab\r\ncd\r\n")
    with open(path, "rb") as fh:
        proc = run("find", "--all", r"\r\n", stdin=fh)
    assert proc.stdout == b"2\n6\n"


def test_find_missing_file(tmp_path, inproc):
    path = str(tmp_path / "missing")
    proc = inproc("find", "x", path)
    assert_clean_error(proc, "fastmmap: %s: No such file or directory" % path)


TRUNCATED = ("the mapped file is shorter than the map (truncated underneath?); "
             "these bytes cannot be accessed")


@pytest.mark.parametrize("args", [["find"], ["find", "--last"], ["find", "--all"],
                                  ["count"], ["lines"], ["grep"]])
def test_file_truncated_under_the_map_is_named_once(files, monkeypatch, inproc, args):
    page = fastmmap.PAGESIZE
    path = files("t.bin", b"ab\n" * page)
    real = _inputs._try_map

    def map_then_truncate(fd, st):
        m = real(fd, st)
        os.truncate(path, 0)
        return m
    monkeypatch.setattr(_inputs, "_try_map", map_then_truncate)
    needle = [] if args == ["lines"] else ["x"]
    proc = inproc(*args, *needle, path)
    err = assert_clean_error(proc)
    assert err == "fastmmap: %s: %s\n" % (path, TRUNCATED)


BLOCK_DATA = st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"\n\n"]),
                      max_size=80).map(b"".join)


def feed_in_blocks(engine_feed, data, block):
    """Feed data to an engine of fastmmap._scan ``block`` bytes at a time,
    keeping what it asks for, as fastmmap._inputs does with a pipe."""
    buf = bytearray()
    pos = 0
    while True:
        chunk = data[pos:pos + block]
        pos += len(chunk)
        buf += chunk
        keep = engine_feed(buf, not chunk)
        del buf[:keep]
        if not chunk:
            return


def naive_offsets(data, needle):
    found = []
    pos = data.find(needle)
    while pos >= 0:
        found.append(pos)
        pos = data.find(needle, pos + len(needle))
    return found


@settings(max_examples=200, deadline=None)
@given(data=BLOCK_DATA, needle=st.sampled_from([b"a", b"aa", b"aba", b"ab\n", b"b\na", b"\n"]),
       block=st.integers(1, 9))
def test_engines_in_blocks_match_once_at_block_edges(data, needle, block):
    """Occurrences straddling the edge of two blocks are found exactly once."""
    counter = _scan.Counter(needle)
    feed_in_blocks(counter.feed, data, block)
    assert counter.total == data.count(needle)
    out = io.BytesIO()
    offsets = _scan.Offsets(needle, b"f:")
    feed_in_blocks(lambda buf, final: offsets.feed(buf, final, out.write), data, block)
    assert out.getvalue() == b"".join(b"f:%d\n" % o for o in naive_offsets(data, needle))
    for numbers in (False, True):
        out = io.BytesIO()
        grep = _scan.Grep(needle, b"", numbers)
        feed_in_blocks(functools.partial(grep.feed, write=out.write), data, block)
        assert out.getvalue() == rg_oracle(data, needle, numbers)


def test_grep_output_larger_than_its_buffer():
    """Many flushes of the output buffer, and one line larger than it."""
    data = b"x" * (9 << 20) + b"\n" + b"ab\n" * 3_000_000
    out = io.BytesIO()
    grep = _scan.Grep(b"x", b"", True)
    grep.feed(data, True, out.write)
    assert out.getvalue() == b"1:" + b"x" * (9 << 20) + b"\n"
    out = io.BytesIO()
    grep = _scan.Grep(b"b", b"", True)
    grep.feed(data, True, out.write)
    assert out.getvalue() == b"".join(b"%d:ab\n" % i for i in range(2, 3_000_002))


# -- grep -------------------------------------------------------------------------

def test_grep_one_file(files):
    proc = run("grep", "-n", "hello", files("a.txt", TEXT))
    assert proc.returncode == 0
    assert proc.stdout == b"1:hello world\n3:baz hello\n5:last hello line\n"
    proc = run("grep", "hello", files("a.txt", TEXT))
    assert proc.stdout == b"hello world\nbaz hello\nlast hello line\n"


def test_grep_several_files(files, inproc):
    a = files("a.txt", TEXT)
    b = files("b.txt", b"one\ntwo hello\n")
    proc = inproc("grep", "-n", "hello", a, b)
    assert proc.stdout.decode().splitlines() == [
        a + ":1:hello world", a + ":3:baz hello", a + ":5:last hello line",
        b + ":2:two hello"]


def test_grep_nothing_and_empty(files, inproc):
    proc = inproc("grep", "absent", files("a.txt", TEXT), files("e.txt", b""))
    assert (proc.returncode, proc.stdout) == (1, b"")


def test_grep_binary_file(files, capsysbinary):
    data = b"\xff\xfe bin\x00ary\r\n plain\n\x80match\xff\n"
    path = files("b.bin", data)
    proc = run("grep", r"\x00", path)
    assert proc.stdout == b"binary file %s matches\n" % path.encode()
    assert call(capsysbinary, "grep", "absent", path) == (1, b"", b"")
    assert call(capsysbinary, "grep", "-a", "-n", r"\x00", path) == (
        0, b"1:\xff\xfe bin\x00ary\r\n", b"")
    assert call(capsysbinary, "grep", "-n", "--text", "match", path) == (
        0, b"3:\x80match\xff\n", b"")
    text = files("t.txt", b"match\n")
    proc = run("grep", "match", path, text)
    assert proc.stdout == b"binary file %s matches\n%s:match\n" % (path.encode(), text.encode())


def test_grep_needle_spanning_lines(files, inproc):
    proc = inproc("grep", "-n", r"bar\nbaz", files("a.txt", TEXT))
    assert proc.stdout == b"2:foo bar\n3:baz hello\n"


def test_grep_crlf(files, inproc):
    proc = inproc("grep", "-n", "b", files("a.txt", b"a\r\nb\r\nc\r\nab"))
    assert proc.stdout == b"2:b\r\n4:ab\n"


def test_grep_stdin(files):
    path = files("a.txt", TEXT)
    with open(path, "rb") as fh:
        proc = run("grep", "-n", "foo", stdin=fh)
    assert proc.stdout == b"2:foo bar\n"
    proc = run("grep", "-n", "foo", input=b"x\nfoo\n")
    assert (proc.returncode, proc.stdout) == (0, b"2:foo\n")


@needs_numpy
@pytest.mark.skipif(shutil.which("grep") is None, reason="needs grep")
def test_grep_matches_gnu_grep(files, inproc):
    from fastmmap import _corpus
    buf = io.BytesIO()
    _corpus.generate(buf, 200_000)
    a = files("a.txt", buf.getvalue())
    b = files("b.txt", buf.getvalue()[:5000] + b"tail without newline the")
    for needle in ("the", "zzzz"):
        for paths in ([a], [a, b]):
            ours = inproc("grep", "-n", needle, *paths)
            gnu = subprocess.run(["grep", "-F", "-n", "-e", needle] + paths,
                                 capture_output=True)
            assert ours.returncode == gnu.returncode
            assert ours.stdout == gnu.stdout


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
        for hit in naive_offsets(data, needle):
            first = bisect.bisect_right(starts, hit) - 1
            last = bisect.bisect_right(starts, hit + len(needle) - 1) - 1
            touched.update(range(first, last + 1))
    return b"".join(b"%s%s%s\n" % (prefix, b"%d:" % (i + 1) if numbers else b"", lines[i])
                    for i in sorted(touched))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"\n\n", b"\r"]),
                     max_size=60).map(b"".join),
       needle=st.sampled_from([b"a", b"ab", b"b", b"ba", b"\r", b"aa", b"a\nb", b"\n"]))
def test_grep_line_numbers_random(files, data, needle):
    out = io.BytesIO()
    with fastmmap.open(files("g.bin", data)) as m:
        _scan.Grep(needle, b"f:", True).feed(m, True, out.write)
    assert out.getvalue() == rg_oracle(data, needle, True, b"f:")


def test_grep_empty_needle_prints_every_line(files, inproc):
    proc = inproc("grep", "-n", "", files("g.bin", b"a\n\nb"))
    assert (proc.returncode, proc.stdout) == (0, b"1:a\n2:\n3:b\n")
    proc = inproc("grep", "", files("e.bin", b""))
    assert (proc.returncode, proc.stdout) == (1, b"")


def test_broken_pipe_is_quiet(files):
    path = files("big.txt", b"a line that matches\n" * 200_000)
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_PARENT
    proc = subprocess.Popen([sys.executable, "-m", "fastmmap", "grep", "-n", "matches", path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    assert proc.stdout.readline() == b"1:a line that matches\n"
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert err == b""


# -- demo -------------------------------------------------------------------------

def test_parse_size():
    assert _demo.parse_size("4096") == 4096
    assert _demo.parse_size("64M") == 64 << 20
    assert _demo.parse_size("1G") == 1 << 30
    assert _demo.parse_size("1.5g") == 3 << 29
    assert _demo.parse_size("512KiB") == 512 << 10
    assert _demo.parse_size("2MB") == 2 << 20
    for bad in ("", "M", "-1M", "0", "1X", "one"):
        with pytest.raises(argparse.ArgumentTypeError):
            _demo.parse_size(bad)


@needs_numpy
def test_demo_small(tmp_path):
    proc = run("demo", "--size", "4M", "--dir", str(tmp_path))
    out = proc.stdout.decode()
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "generating 4 MiB corpus" in err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("operation"))
    assert lines[header].split() == ["operation", "stdlib", "GB/s", "fastmmap", "GB/s",
                                     "speed-up"]
    rows = lines[header + 2:header + 6]
    assert [r.split("  ")[0] for r in rows] == [
        "find (absent needle)", "rfind (absent needle)", "count lines", "iterate lines"]
    for row in rows:
        *_, g_std, g_fast, ratio = row.split()
        assert float(g_std) > 0 and float(g_fast) > 0 and ratio.endswith("x")
    assert "all answers agree" in out
    assert os.listdir(tmp_path) == []      # the corpus is gone


@needs_numpy
def test_demo_keep(tmp_path, inproc):
    proc = inproc("demo", "--size", "300K", "--keep", "--dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    kept = [line for line in proc.stdout.decode().splitlines()
            if line.startswith("corpus kept: ")]
    assert len(kept) == 1
    path = kept[0][len("corpus kept: "):]
    assert os.path.dirname(os.path.dirname(path)) == str(tmp_path)
    size = os.path.getsize(path)
    assert 300 << 10 <= size < (300 << 10) + 200
    with open(path, "rb") as fh:
        data = fh.read()
    assert data.endswith(b"\n") and set(data) <= set(b"abcdefghijklmnopqrstuvwxyz \n")


@pytest.mark.skipif(HAVE_NUMPY, reason="checks the message shown without NumPy")
def test_demo_without_numpy(tmp_path):
    proc = run("demo", "--size", "1M", "--dir", str(tmp_path))
    assert_clean_error(proc, "NumPy")
    assert os.listdir(tmp_path) == []


# -- the corpus generator ------------------------------------------------------------

@needs_numpy
def test_corpus_deterministic_and_shaped():
    from fastmmap import _corpus
    a, b = io.BytesIO(), io.BytesIO()
    size, lines = _corpus.generate(a, 100_000)
    assert _corpus.generate(b, 100_000) == (size, lines)
    assert a.getvalue() == b.getvalue()
    data = a.getvalue()
    assert len(data) == size >= 100_000 and data.count(b"\n") == lines
    assert size - 100_000 < 200 and data.endswith(b"\n")
    assert set(data) <= _corpus.ALLOWED
    lengths = [len(line) for line in data.split(b"\n")[:-1]]
    assert 70 < sum(lengths) / len(lengths) < 90
    assert max(lengths) < 100
    assert b"  " not in data
    assert not data.startswith(b" ")
    # a prefix of a bigger corpus is the smaller one
    c = io.BytesIO()
    _corpus.generate(c, 300_000)
    assert c.getvalue().startswith(data)
    other = io.BytesIO()
    _corpus.generate(other, 100_000, seed=1)
    assert other.getvalue() != data


@needs_numpy
def test_corpus_word_frequencies_are_zipf_like():
    from fastmmap import _corpus
    buf = io.BytesIO()
    _corpus.generate(buf, 400_000)
    words = buf.getvalue().split()
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    # Zipf with exponent 1: the top word ~ twice the 2nd, ~ 10x the 10th
    assert 1.3 < ranked[0] / ranked[1] < 3
    assert 5 < ranked[0] / ranked[9] < 20
    vocab = _corpus.make_vocabulary()
    assert len(vocab) == len(set(vocab)) == _corpus.VOCAB_SIZE
    assert max(counts, key=counts.get) == vocab[0]


@needs_numpy
def test_corpus_nothing_for_nonpositive_size():
    from fastmmap import _corpus
    buf = io.BytesIO()
    assert _corpus.generate(buf, 0) == (0, 0) and buf.getvalue() == b""


@needs_numpy
def test_corpus_random_sizes_end_on_line():
    from fastmmap import _corpus
    rng = random.Random(5)
    for size in [1, 2, 79, 80, 81] + [rng.randrange(1, 50_000) for _ in range(5)]:
        buf = io.BytesIO()
        written, lines = _corpus.generate(buf, size)
        data = buf.getvalue()
        assert written >= size and data.endswith(b"\n")
        # the shortest run of whole lines holding size bytes
        assert data[:-1].rfind(b"\n") + 1 < size


# -- the argparse-free path for lines/count ---------------------------------------

ARG_WORDS = st.sampled_from(["lines", "count", "find", "grep", "a.log", "-", "--", "-n",
                             "-x", "--all", "-5", "", "\\n", "needle with space",
                             "--help", "-h", "--version"])
COMMANDS = st.sampled_from(["lines", "count", "grep"])


@settings(max_examples=600, deadline=None)
@given(argv=st.one_of(
    st.lists(ARG_WORDS, max_size=5),
    st.tuples(COMMANDS, st.lists(ARG_WORDS, max_size=4)).map(
        lambda t: [t[0], "--"] + t[1])))
def test_parse_simple_agrees_with_argparse(argv):
    """Where parse_simple answers, argparse (the full parser) gives the same
    arguments; where it does not, the full parser is used."""
    simple = _cli.parse_simple(argv)
    if simple is None:
        return
    full = _cli.build_command_parser(_cli._command(argv[0])).parse_args(argv[1:])
    assert vars(simple) == vars(full), argv


def test_parse_simple_scope():
    assert vars(_cli.parse_simple(["lines"])) == {
        "command": "lines", "files": [], "func": _cli._run_lines}
    assert _cli.parse_simple(["count", "x", "-", "f"]).files == ["-", "f"]
    assert _cli.parse_simple(["count", "-", "f"]).needle == b"-"
    # after a leading --, anything is an argument (as scripts pass needles)
    simple = _cli.parse_simple(["count", "--", "-x", "f", "--all"])
    assert (simple.needle, simple.files) == (b"-x", ["f", "--all"])
    assert _cli.parse_simple(["lines", "--", "-h"]).files == ["-h"]
    for argv in ([], ["count"], ["count", "--"], ["count", "--", "x", "--", "f"],
                 ["count", "x", "--", "f"], ["lines", "--help"],
                 ["lines", "-x"], ["find", "x", "f"], ["grep", "-n", "x"], ["demo"],
                 ["count", "-5", "f"]):
        assert _cli.parse_simple(argv) is None, argv


def test_lines_and_count_do_not_import_argparse(make_file):
    # Start-up time: argparse and re cost about 10 ms, and collections.abc
    # (which Cython's typed memoryviews import) 3.5 ms.
    path = make_file(TEXT)
    code = ("import sys; from fastmmap._cli import main; "
            "status = main(sys.argv[1:]); "
            "sys.stdout.flush(); "
            "heavy = [m for m in ('argparse', 're', 'collections.abc') "
            "         if m in sys.modules]; "
            "assert not heavy, heavy; "
            "sys.exit(status)")
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    for args in (["lines", path], ["count", "hello", path], ["grep", "--", "hello", path]):
        done = subprocess.run([sys.executable, "-S", "-c", code] + args,
                              capture_output=True, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[0] in (b"4", b"3", b"hello")


def installed_script():
    import sysconfig

    script = os.path.join(sysconfig.get_path("scripts"), "fastmmap")
    return script if os.path.isfile(script) else None


@pytest.mark.skipif(installed_script() is None,
                    reason="fastmmap is not installed into this Python")
def test_installed_script(make_file):
    path = make_file(TEXT)
    done = subprocess.run([installed_script(), "lines", path], capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == os.fsencode("4 %s\n" % path)
    done = subprocess.run([installed_script(), "--version"], capture_output=True)
    assert done.returncode == 0 and done.stdout.startswith(b"fastmmap ")


# -- every kind of input, against the tools the commands mimic --------------------

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
    return _cli.parse_needle(text)


@pytest.mark.parametrize("how", ["file", "pipe", "stdin-file"])
def test_lines_count_find_against_wc_and_grep(files, how):
    data = big_text()
    path = files("big.txt", data)

    def ours(*args):
        if how == "file":
            return run(*args, path)
        if how == "pipe":
            return run(*args, input=data)
        with open(path, "rb") as fh:
            return run(*args, stdin=fh)

    proc = ours("lines")
    assert proc.returncode == 0
    assert int(proc.stdout.split()[0]) == int(tool("wc", "-l", input=data).split()[0])
    for text in NEEDLES:
        needle = needle_bytes(text)
        assert int(ours("count", "--", text).stdout) == data.count(needle)
        offsets = ours("find", "--all", "--", text).stdout
        assert offsets == b"".join(b"%d\n" % o for o in naive_offsets(data, needle))
        if b"\n" not in needle:
            gnu = tool("grep", "-b", "-o", "-F", "-e", needle, input=data)
            assert offsets == b"".join(line.split(b":")[0] + b"\n"
                                       for line in gnu.splitlines())
            grep_c = tool("grep", "-c", "-F", "-e", needle, input=data)
            assert ours("grep", "--", text).stdout.count(b"\n") == int(grep_c)


@pytest.mark.skipif(shutil.which("rg") is None, reason="needs ripgrep (rg)")
@pytest.mark.parametrize("how", ["file", "pipe"])
def test_grep_prints_what_ripgrep_prints(files, how):
    data = big_text() + b"last line without newline e"
    path = files("big.txt", data)
    other = files("small.txt", b"the end\n}x\n")
    for text in NEEDLES:
        needle = needle_bytes(text)
        multiline = ["-U"] if b"\n" in needle else []
        rg = ["rg", "--no-config", "-j1", "-F", *multiline, "-e", needle]
        if how == "pipe":
            for extra in ([], ["-n"]):
                proc = run("grep", *extra, "--", text, input=data)
                assert proc.stdout == tool(*rg, *extra, "-", input=data), (text, extra)
        else:
            proc = run("grep", "-n", "--", text, path, other)
            expected = tool(*rg, "-n", "--no-heading", "--with-filename", path, other)
            assert proc.stdout == expected, text
            assert proc.returncode == (0 if expected else 1)


def test_grep_against_gnu_grep_on_a_pipe():
    data = big_text()
    for text in ("ERROR", "the", "absent"):
        proc = run("grep", "-n", text, input=data)
        assert proc.stdout == tool("grep", "-n", "-F", "-e", text, input=data)


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="needs procfs")
def test_proc_files_are_read():
    """procfs files report size 0 but have lines."""
    proc = run("lines", "/proc/cpuinfo")
    assert proc.stdout == tool("wc", "-l", "/proc/cpuinfo")
    proc = run("count", "processor", "/proc/cpuinfo")
    assert int(proc.stdout) == int(tool("grep", "-c", "-F", "processor", "/proc/cpuinfo"))
    proc = run("grep", "processor", "/proc/cpuinfo")
    assert proc.stdout == tool("grep", "-F", "processor", "/proc/cpuinfo")


@pytest.mark.skipif(not os.path.exists("/sys/kernel/mm"), reason="needs sysfs")
def test_sysfs_file():
    path = next((p for p in ("/sys/kernel/mm/transparent_hugepage/enabled",
                             "/sys/kernel/kexec_loaded") if os.path.exists(p)), None)
    if path is None:
        pytest.skip("no readable sysfs file known here")
    assert run("lines", path).stdout == tool("wc", "-l", path)


def test_char_devices_and_empty_stdin():
    assert run("lines", "/dev/null").stdout == b"0 /dev/null\n"
    proc = run("grep", "x", "/dev/null")
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, b"", b"")
    proc = run("count", "x")
    assert (proc.returncode, proc.stdout) == (1, b"0\n")


def test_find_several_files(files, inproc):
    a = files("a.txt", b"xax\n")
    b = files("b.txt", b"nothing\n")
    proc = inproc("find", "x", a, b)
    assert (proc.returncode, proc.stdout) == (0, b"%s:0\n" % a.encode())
    proc = inproc("find", "--all", "x", a, b)
    assert proc.stdout == b"%s:0\n%s:2\n" % (a.encode(), a.encode())
    proc = inproc("find", "--last", "x", b, a)
    assert proc.stdout == b"%s:2\n" % a.encode()


def test_find_first_and_last_on_a_pipe():
    data = b"ab" * 1_000_000 + b"XYZ" + b"ab" * 1_000_000 + b"XYZ"
    assert run("find", "XYZ", input=data).stdout == b"2000000\n"
    assert run("find", "--last", "XYZ", input=data).stdout == b"%d\n" % (len(data) - 3)
    assert run("find", "--last", "", input=b"abc").stdout == b"3\n"


def test_each_command_help_says_what_it_takes():
    lines_help = run("lines", "--help").stdout.decode()
    assert "NEEDLE" not in lines_help and "FILE" in lines_help
    grep_help = run("grep", "--help").stdout.decode()
    assert "NEEDLE" in grep_help and "\\u" in grep_help and "-n" in grep_help
    assert "FILE" not in run("demo", "--help").stdout.decode()


def test_unicode_escapes(files, inproc):
    path = files("u.txt", "café\nnaïve 😀\n".encode())
    assert inproc("count", r"\u00e9", path).stdout == b"1\n"
    assert inproc("count", r"\U0001F600", path).stdout == b"1\n"
    assert inproc("count", r"\\u00e9", path).stdout == b"0\n"
    err = assert_clean_error(inproc("count", r"\u00", path), "usage: fastmmap count")
    assert "bad escape" in err


def test_unknown_flag_shows_the_command_usage(inproc):
    proc = inproc("lines", "--bogus")
    assert proc.returncode == 2
    assert proc.stderr.startswith(b"usage: fastmmap lines ")
    proc = inproc("grep", "-Q", "x")
    assert proc.stderr.startswith(b"usage: fastmmap grep ")


def test_demo_dir_missing_names_it(tmp_path, inproc):
    missing = str(tmp_path / "nonexistent")
    proc = inproc("demo", "--size", "1M", "--dir", missing)
    assert_clean_error(proc, "fastmmap: %s: No such file or directory" % missing)


def test_recursive_like_grep_r(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "1.txt").write_bytes(b"x\n")
    (tmp_path / "a" / "b" / "2.txt").write_bytes(b"yx\nx\n")
    (tmp_path / "a" / "3.txt").write_bytes(b"no\n")
    os.symlink(str(tmp_path / "1.txt"), str(tmp_path / "a" / "link.txt"))
    for args in ([], ["."], ["a"]):
        ours = run("grep", "-r", "-n", "x", *args, cwd=str(tmp_path))
        gnu = subprocess.run(["grep", "-r", "-n", "-F", "x", *args], cwd=str(tmp_path),
                             capture_output=True)
        assert ours.returncode == gnu.returncode == 0
        assert sorted(ours.stdout.splitlines()) == sorted(gnu.stdout.splitlines())
    proc = run("count", "-r", "x", "a", cwd=str(tmp_path))
    assert proc.stdout == b"a/3.txt:0\na/b/2.txt:2\n"


def test_lines_widths_like_wc(files):
    path = files("a.txt", TEXT)
    for others in (["-"], ["/dev/null"], ["/proc/cpuinfo"]):
        if not os.path.exists(others[0]) and others[0] != "-":
            continue
        ours = run("lines", *others, path, input=b"a\n")
        assert ours.stdout == tool("wc", "-l", *others, path, input=b"a\n"), others
