"""The command line, driven as a user drives it: ``python -m fastmmap``."""
import io
import os
import shutil
import subprocess
import sys

import pytest
from cli_support import (
    SKIP_AGAINST_STDLIB,
    TEXT,
    assert_clean_error,
    call,
    needs_numpy,
    rg_oracle,
    run,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap
from support import cut_once_mapped

pytestmark = SKIP_AGAINST_STDLIB

if not AGAINST_STDLIB:
    fastmmap = load_fastmmap()
    from fastmmap import _scan
    from fastmmap._cli import _parse, _table
    PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap.__file__)))



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


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
@pytest.mark.parametrize("args", [["find"], ["find", "--last"], ["find", "--all"],
                                  ["count"], ["lines"], ["grep"], ["grep", "-c"]])
def test_file_truncated_under_the_map_is_named_once(tmp_path, inproc, args):
    # A sparse 2 GiB file, cut to one page as soon as the command maps it.
    path = str(tmp_path / "sparse.bin")
    with open(path, "wb") as f:
        f.truncate(2 << 30)
    needle = [] if args == ["lines"] else ["x"]
    with cut_once_mapped(path, fastmmap.PAGESIZE) as cut:
        proc = inproc(*args, *needle, path)
    assert cut, "the file was never mapped"
    err = assert_clean_error(proc)
    assert err == "fastmmap: %s: %s\n" % (path, TRUNCATED)


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
    from fastmmap._cli import _corpus
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


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"\n\n", b"\r"]),
                     max_size=60).map(b"".join),
       needle=st.sampled_from([b"a", b"ab", b"b", b"ba", b"\r", b"aa", b"a\nb", b"\n"]))
def test_grep_line_numbers_random(files, data, needle):
    path = files("g.bin", data)
    run = _scan.Run(_scan.Pattern([needle]), _scan.GREP, [os.fsencode(path)],
                    names=True, text=True, grep=["line_number", "with_filename"])
    (result,) = run.results()
    assert result[-1] == rg_oracle(data, needle, True, os.fsencode(path) + b":")


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


# -- the argparse-free path for lines/count ---------------------------------------

ARG_WORDS = st.sampled_from(["lines", "count", "find", "grep", "a.log", "-", "--", "-n",
                             "-x", "--all", "-5", "", "\\n", "needle with space",
                             "--help", "-h", "--version", "-rn", "-c", "-il", "-Lc",
                             "-hH", "-wvx", "-obq", "-sFa", "-nm", "-5n", "-n-", "-e",
                             "-ne", "\\x"])
COMMANDS = st.sampled_from(["lines", "count", "grep"])


@settings(max_examples=600, deadline=None)
@given(argv=st.one_of(
    st.lists(ARG_WORDS, max_size=5),
    st.tuples(COMMANDS, st.lists(ARG_WORDS, max_size=4)).map(
        lambda t: [t[0], "--"] + t[1])))
def test_parse_simple_agrees_with_argparse(argv):
    """Where parse_simple answers, argparse (the full parser) gives the same
    arguments; where it does not, the full parser is used."""
    simple = _parse.parse_simple(argv)
    if simple is None:
        return
    command = _table.command_named(argv[0])
    rest = argv[1:] if command.prepare is None else command.prepare(argv[1:])
    full = _parse.build_command_parser(command).parse_args(rest)
    assert vars(simple) == vars(full), argv


def test_parse_simple_scope():
    assert vars(_parse.parse_simple(["lines"])) == {
        "command": "lines", "files": [], "func": _table.command_named("lines").run}
    assert _parse.parse_simple(["count", "x", "-", "f"]).files == ["-", "f"]
    assert _parse.parse_simple(["count", "-", "f"]).needle == b"-"
    # after a leading --, anything is an argument (as scripts pass needles)
    simple = _parse.parse_simple(["count", "--", "-x", "f", "--all"])
    assert (simple.needle, simple.files) == (b"-x", ["f", "--all"])
    assert _parse.parse_simple(["lines", "--", "-h"]).files == ["-h"]
    for argv in ([], ["count"], ["count", "--"], ["count", "--", "x", "--", "f"],
                 ["count", "x", "--", "f"], ["lines", "--help"],
                 ["lines", "-x"], ["find", "x", "f"], ["demo"],
                 ["grep", "-n", "x", "-c"], ["grep", "-nm", "1", "x"], ["count", "-r", "x"],
                 ["count", "-5", "f"]):
        assert _parse.parse_simple(argv) is None, argv


def test_parse_simple_takes_grep_switches():
    simple = _parse.parse_simple(["grep", "-rn", "-i", "x", "d"])
    assert (simple.recursive, simple.line_number, simple.ignore_case) == (True, True, True)
    assert simple.operands == ["x", "d"]
    assert _parse.parse_simple(["grep", "-lL", "x"]).list_files == "without"
    assert _parse.parse_simple(["grep", "-c", "--", "-x", "f"]).operands == ["-x", "f"]
    simple = _parse.parse_simple(["grep", "-e", "x", "-c", "-e", "-y", "f"])
    assert (simple.patterns, simple.count, simple.operands) == ([b"x", b"-y"], True, ["f"])
    for argv in (["grep", "-e"], ["grep", "-e", "\\x"], ["grep", "-ex", "f"]):
        assert _parse.parse_simple(argv) is None, argv


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
    for args in (["lines", path], ["count", "hello", path], ["grep", "--", "hello", path],
                 ["grep", "-n", "-e", "hello", "-e", "absent", path]):
        done = subprocess.run([sys.executable, "-S", "-c", code] + args,
                              capture_output=True, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[0] in (b"4", b"3", b"hello", b"1:hello")


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
