"""Every kind of input (files, pipes, FIFOs, devices, /proc and /sys,
directories) against wc, grep and ripgrep; the engines fed block by block."""
import os
import shutil
import subprocess

import pytest
from cli_support import (
    NEEDLES,
    SKIP_AGAINST_STDLIB,
    TEXT,
    assert_clean_error,
    big_text,
    needle_bytes,
    rg_oracle,
    run,
    tool,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AGAINST_STDLIB, load_fastmmap
from support import naive_find_all

pytestmark = SKIP_AGAINST_STDLIB

if not AGAINST_STDLIB:
    load_fastmmap()
    from fastmmap import _scan


BLOCK_DATA = st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"\n\n"]),
                      max_size=80).map(b"".join)


def scanned(data, tmp_path, kind, needles, block=None, **options):
    """A Run of ``kind`` over a file holding data: its one result."""
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    run = _scan.Run(_scan.Pattern(needles), kind, [os.fsencode(str(path))],
                    block=block, **options)
    try:
        (result,) = run.results()
    finally:
        run.close()
    return result


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=BLOCK_DATA, needle=st.sampled_from([b"a", b"aa", b"aba", b"ab\n", b"b\na", b"\n"]),
       block=st.integers(1, 9))
def test_engines_in_blocks_match_once_at_block_edges(tmp_path, data, needle, block):
    """Occurrences straddling the edge of two blocks are found exactly once."""
    count = scanned(data, tmp_path, _scan.COUNT, [needle], block)
    assert count[3] == data.count(needle)
    offsets = scanned(data, tmp_path, _scan.OFFSETS, [needle], block, names=True)
    name = offsets[0]
    assert offsets[-1] == b"".join(b"%s:%d\n" % (name, o) for o in naive_find_all(data, needle))
    for numbers in (False, True):
        grep = scanned(data, tmp_path, _scan.GREP, [needle], block, text=True,
                       grep=["line_number"] if numbers else [])
        assert grep[-1] == rg_oracle(data, needle, numbers)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=BLOCK_DATA, needle=st.sampled_from([b"a", b"ab", b"b\na", b"", b"bb"]),
       block=st.integers(1, 9),
       flags=st.sets(st.sampled_from(["invert", "only_matching", "line_number",
                                      "byte_offset", "count", "files_with_matches"])),
       word=st.booleans(), line=st.booleans(),
       context=st.tuples(st.integers(-1, 2), st.integers(-1, 2)),
       max_count=st.integers(-1, 3))
def test_grep_in_blocks_as_in_one_piece(tmp_path, data, needle, block, flags, word, line,
                                        context, max_count):
    """Every grep option gives the same output read a few bytes at a time
    (as from a pipe) as in one piece (the whole file, compared with GNU grep
    in test_grep_options.py)."""
    def grep(block):
        path = tmp_path / "data.bin"
        path.write_bytes(data)
        pattern = _scan.Pattern([needle], word=word, line=line)
        run = _scan.Run(pattern, _scan.GREP, [os.fsencode(str(path))], block=block,
                        text=True, grep=sorted(flags), max_count=max_count,
                        before=context[0], after=context[1])
        try:
            (result,) = run.results()
        finally:
            run.close()
        return result[3], result[-1]

    assert grep(block) == grep(None)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=BLOCK_DATA, needle=st.sampled_from([b"a", b"ab", b"b\na", b"", b"bb"]),
       window=st.integers(1, 9),
       flags=st.sets(st.sampled_from(["invert", "only_matching", "line_number",
                                      "byte_offset", "count"])),
       word=st.booleans(), context=st.tuples(st.integers(-1, 2), st.integers(-1, 2)))
def test_mapped_windows_from_map_and_read_in_turn(tmp_path, data, needle, window, flags,
                                                  word, context):
    """A mapped input scanned a few bytes at a time, each window from the
    map and from a read() copy in turn (window.c switches between the two
    on big files): the same answers as one piece."""
    path = tmp_path / "data.bin"
    path.write_bytes(data)

    def scan(kind, **options):
        pattern = _scan.Pattern([needle], word=word)
        run = _scan.Run(pattern, kind, [os.fsencode(str(path))], text=True, **options)
        try:
            (result,) = run.results()
        finally:
            run.close()
        return result[1], result[3], result[-1]

    grep = dict(grep=sorted(flags), before=context[0], after=context[1])
    assert scan(_scan.GREP, map_min=0, window=window, **grep) == scan(_scan.GREP, **grep)
    for kind in (_scan.COUNT, _scan.OFFSETS):
        assert scan(kind, map_min=0, window=window) == scan(kind)


def test_grep_output_larger_than_its_chunks(tmp_path):
    """Output handed over in many chunks, and one line larger than a chunk."""
    data = b"x" * (9 << 20) + b"\n" + b"ab\n" * 3_000_000
    out = scanned(data, tmp_path, _scan.GREP, [b"x"], grep=["line_number"])[-1]
    assert out == b"1:" + b"x" * (9 << 20) + b"\n"
    out = scanned(data, tmp_path, _scan.GREP, [b"b"], grep=["line_number"])[-1]
    assert out == b"".join(b"%d:ab\n" % i for i in range(2, 3_000_002))


# -- every kind of input, against the tools the commands mimic --------------------

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
        assert offsets == b"".join(b"%d\n" % o for o in naive_find_all(data, needle))
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
