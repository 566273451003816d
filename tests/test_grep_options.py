"""fastmmap grep's options against GNU grep (``LC_ALL=C grep -F``) and
ripgrep: every flag and the combinations GNU grep documents, run by both
tools on the same generated files, comparing stdout, exit status and the
error messages (tests/test_grep_files.py: the kinds of input)."""
import os
import pty
import subprocess
import sys

import pytest
from cli_support import (
    GNU_GREP,
    SKIP_AGAINST_STDLIB,
    assert_like_gnu,
    gnu_grep,
    gnu_messages,
    grep_in_process,
    grep_like_gnu,
    needs_gnu_grep,
    needs_ignore_case,
    needs_rg,
    needs_sets,
    ripgrep,
    tool_env,
    write_files,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from support import env_with_package_path

pytestmark = [SKIP_AGAINST_STDLIB, needs_gnu_grep]

# The files every option runs on: the needle ("ab", or the single byte "a")
# at the start of the file and of lines, at their ends, inside words and
# alone, several times in a line, next to CR and to bytes >= 0x80; groups of
# lines far enough apart for "--" between them; a last line without a
# newline; an empty file and one without the needle.
CORPUS = {
    "a.txt": (b"ab at the start\n"
              b"plain line\n"
              b"xab\n"
              b"abab ab\n"
              b"cab_ ab_x ab\n"
              b"\n"
              b"ab\n"
              b"ab\r\n"
              b"one\n"
              b"two\n"
              b"three\n"
              b"four\n"
              b"\xc3\xa9ab\xff\n"
              b"tail\n"
              b"five\n"
              b"six\n"
              b"end ab"),
    "b.txt": b"line\nab\n",
    "empty.txt": b"",
    "none.txt": b"nothing\nhere\n",
}
ALL = sorted(CORPUS)


@pytest.fixture
def corpus(tmp_path):
    """tmp_path holding CORPUS (run the tools there: short names)."""
    write_files(tmp_path, CORPUS)
    return tmp_path


# Each set of flags, with each needle, on all the files and on a.txt alone.
FLAGS = [
    "", "-n", "-b", "-n -b -H", "-H", "-h", "-h -n",
    "-c", "-c -v", "-c -m 2", "-c -v -m 3", "-c -h",
    "-l", "-L", "-l -v", "-L -v", "-l -c", "-L -c", "-L -l", "-l -m 1", "-l -n -b",
    "-o", "-o -b", "-o -n -b -H", "-o -v", "-o -v -c", "-o -m 2", "-o -w", "-o -x",
    "-o -c",
    "-v", "-v -n -b",
    "-w", "-w -v -n", "-w -c", "-x", "-x -v", "-x -c -v",
    "-m 1", "-m 2 -n", "-m 1 -A 2", "-m 2 -C 1 -n", "-m 1 -v -A 1 -n", "-m 0",
    "-m 0 -c", "-m 0 -l",
    "-A 1", "-B 1", "-C 1", "-A 0", "-B 0", "-C 0", "-A 2 -B 1 -n", "-C 1 -v -n",
    "-C 2 -b -H", "-C 1 -A 0", "-C 1 -c", "-C 1 -l", "-C 1 -m 1 -v", "-C 3 -n",
    "-s", "-q", "-q -v", "-q -c", "-q -l", "-s -q",
    "--color=always", "--color=always -n -b -H", "--color=always -v -C 1 -n",
    "--color=always -C 1 -n", "--color=always -o -b", "--color=always -c",
    "--color=always -l", "--color=always -L", "--color=always -x",
    "--color=always -w", "--color=always -m 1 -A 1", "--colour=always -h -A 1",
    "--color=never -n",
    "-F", "-F -n",
]


@pytest.mark.parametrize("needle", [b"ab", b"a"])
@pytest.mark.parametrize("flags", FLAGS)
def test_flags_like_gnu(corpus, capsysbinary, monkeypatch, flags, needle):
    args = flags.split() + ["-e", needle]
    grep_like_gnu(*args, *ALL, cwd=corpus)
    if needle == b"ab":
        grep_like_gnu(*args, "a.txt", cwd=corpus)
    if "-q" not in flags:       # see test_quiet_status_in_process
        monkeypatch.chdir(corpus)
        assert_like_gnu(grep_in_process(capsysbinary, *args, *ALL),
                        gnu_grep(*args, *ALL, cwd=corpus))


LONG = [
    "--count", "--files-with-matches", "--files-without-match", "--only-matching",
    "--invert-match --line-number", "--word-regexp --byte-offset",
    "--line-regexp", "--max-count=1 --after-context=1", "--before-context=1",
    "--context=1 --with-filename", "--no-filename", "--quiet", "--silent",
    "--no-messages", "--fixed-strings", "--regexp=ab", "--max-count 2",
]


@pytest.mark.parametrize("flags", LONG)
def test_long_options_like_gnu(corpus, flags):
    args = flags.split()
    if not any(a.startswith("--regexp") for a in args):
        args += ["-e", "ab"]
    grep_like_gnu(*args, *ALL, "missing.txt", cwd=corpus)


def test_plain_needle_operand_and_options_after_files(corpus):
    grep_like_gnu("ab", *ALL, cwd=corpus)
    grep_like_gnu("ab", "a.txt", "-n", cwd=corpus)
    grep_like_gnu("-nH", "ab", "a.txt", cwd=corpus)
    grep_like_gnu("-e", "ab", "--", "a.txt", cwd=corpus)
    grep_like_gnu("-eab", "-m1", "-A1", "a.txt", cwd=corpus)


# -- exit status --------------------------------------------------------------------

@pytest.mark.parametrize("flags", ["", "-c", "-l", "-L", "-q", "-s", "-q -s", "-v",
                                   "-o", "-s -c"])
@pytest.mark.parametrize("files", [["a.txt"], ["none.txt"], ["missing"],
                                   ["a.txt", "missing"], ["missing", "a.txt"],
                                   ["missing", "none.txt"], ["empty.txt"]])
def test_exit_status_like_gnu(corpus, flags, files):
    """0 a line selected, 1 none, 2 an error (even with a match, unless -q
    found one: GNU grep -q exits 0 at once, even after an error)."""
    grep_like_gnu(*flags.split(), "-e", "ab", *files, cwd=corpus)


def test_quiet_stops_at_the_first_match(corpus):
    # grep -q exits at the first selected line: a missing file after it is
    # never opened (no message), one before it is reported.
    proc = grep_like_gnu("-q", "-e", "ab", "a.txt", "missing1", "missing2", cwd=corpus)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, b"", b"")
    proc = grep_like_gnu("-q", "-e", "ab", "missing", "a.txt", cwd=corpus)
    assert proc.returncode == 0 and b"missing" in proc.stderr


def test_quiet_status_in_process(corpus, capsysbinary, monkeypatch):
    monkeypatch.chdir(corpus)
    proc = grep_in_process(capsysbinary, "-q", "-e", "ab", "a.txt")
    assert (proc.returncode, proc.stdout) == (0, b"")


def test_max_count_zero_reads_nothing(corpus):
    # GNU grep -m 0 stops before opening any file: no error for a missing one.
    for flags in ([], ["-c"], ["-l"], ["-v"], ["-A", "1"]):
        proc = grep_like_gnu(*flags, "-m", "0", "-e", "ab", "a.txt", "missing", cwd=corpus)
        assert (proc.returncode, proc.stdout, proc.stderr) == (1, b"", b"")


def test_files_without_match_max_count_zero(corpus):
    grep_like_gnu("-L", "-m", "0", "-e", "ab", "a.txt", "b.txt", "missing", cwd=corpus)


@pytest.mark.parametrize("args", [["-c", "-f", "empty.txt"], ["-v", "-c", "-e", ""],
                                  ["-f", "empty.txt"], ["-v", "-e", ""],
                                  ["-w", "-c", "-f", "empty.txt"]])
def test_nothing_can_match(corpus, args):
    grep_like_gnu(*args, "a.txt", "missing", cwd=corpus)


@pytest.mark.parametrize("args", [["-f", "empty.txt"], ["-v", "-e", ""],
                                  ["-L", "-f", "empty.txt"], ["-L", "-v", "-e", ""],
                                  ["-v", "-f", "empty.txt", "-c"],
                                  ["-v", "-x", "-e", "", "-c"],
                                  ["-v", "-w", "-e", "", "-c"]])
def test_needles_that_select_nothing_or_everything(corpus, args):
    """The cases around GNU grep's shortcut that do read the files."""
    grep_like_gnu(*args, *ALL, cwd=corpus)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("flags", [[], ["-c"], ["-l"], ["-q"], ["-n", "-C", "1"]])
def test_write_error_like_gnu(corpus, flags):
    """Output to a full device: "write error: No space left on device", exit
    2 (-q writes nothing: 0)."""
    def status_and_messages(argv, env, executable=None):
        with open("/dev/full", "wb") as full:
            done = subprocess.run(argv, executable=executable, stdout=full,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  cwd=corpus, env=env)
        return done.returncode, done.stderr

    args = [*flags, "-e", "ab", *ALL]
    ours = status_and_messages([sys.executable, "-m", "fastmmap", "grep", *args],
                               env_with_package_path())
    gnu = status_and_messages(["grep", "-F", *args], tool_env(), GNU_GREP)
    assert ours == (gnu[0], gnu_messages(gnu[1]))


# -- combinations -------------------------------------------------------------------

@pytest.mark.parametrize("flags", [["-l", "-L"], ["-c", "-l", "-L"]])
def test_last_of_l_and_L_wins(corpus, flags):
    grep_like_gnu(*flags, "-e", "ab", *ALL, cwd=corpus)


CONTEXT = (b"m1\nx\nx\nx\nm2\nm3\nx\nx\nm4\nx\nx\nx\nx\nx\nm5\nm6")   # no final newline


@pytest.mark.parametrize("flags", [
    "-A 1", "-A 2", "-B 1", "-B 3", "-C 1", "-C 2", "-C 0", "-A 0 -B 0", "-C 5",
    "-C 1 -n", "-C 1 -b", "-C 1 -v", "-C 1 -v -n", "-B 2 -v -m 2", "-A 3 -m 2 -n",
    "-A 1 -m 1 -c", "-C 1 -o", "-C 1 -o -b", "-C 2 --color=always -n",
    "-C 1 --color=always -v -n", "-C 1 -w", "-C 1 -x", "-C 1 -h", "-C 1 -H -n",
])
def test_context_groups_like_gnu(tmp_path, flags):
    """"--" between groups that do not touch, within a file and between
    files; context lines marked with "-"; -m's trailing context."""
    write_files(tmp_path, {"c1": CONTEXT, "c2": b"x\nm\nx\n" + CONTEXT, "c3": b"nothing\n"})
    grep_like_gnu(*flags.split(), "-e", "m", "c1", cwd=tmp_path)
    grep_like_gnu(*flags.split(), "-e", "m", "c1", "c3", "c2", "c1", cwd=tmp_path)


@pytest.mark.parametrize("flags", ["-A 1", "-B 1 -n", "-C 1 -n -b"])
def test_only_matching_inverted_with_context(tmp_path, flags):
    (tmp_path / "f").write_bytes(b"xb\nc\nd\ne\nbb\nf\n")
    grep_like_gnu("-o", "-v", *flags.split(), "-e", "b", "f", cwd=tmp_path)


@pytest.mark.parametrize("args,files", [
    (["-x", "-v", "-C", "1"], {"f": b"a\nb\n\n\nc\n"}),    # fastmmap: "--" within
    (["-C", "1"], {"f": b"x\ny\n", "g": b"c\nb\n"}),      # GNU: "--" between files
])
def test_only_matching_context_separators(tmp_path, args, files):
    grep_like_gnu("-o", *args, "-e", "", *write_files(tmp_path, files), cwd=tmp_path)


def test_only_matching_inverted_prints_nothing(corpus):
    proc = grep_like_gnu("-o", "-v", "-e", "ab", *ALL, cwd=corpus)
    assert (proc.returncode, proc.stdout) == (0, b"")


# -w and -x, one needle: GNU grep looks again from the next offset after a
# rejected occurrence (which may overlap it).
WORDS = (b"abab ab\n" b"aba ab_ab\n" b"_ab ab_\n" b"xab abx\n" b"ab-ab\n" b"aab ab\n"
         b"ab\n" b"ab \n" b" ab\n" b"ab\r\n" b"\xffab\x80\n" b"ab9\n" b"9 ab")


@pytest.mark.parametrize("flags", ["-w", "-w -o -b", "-w -c", "-w -v", "-w -n -m 3",
                                   "-w --color=always", "-x", "-x -o -b", "-x -c",
                                   "-x -v -n", "-x --color=always"])
@pytest.mark.parametrize("needle", [b"ab", b"a", b"b", b"ab ab", b"9"])
def test_word_and_line_like_gnu(tmp_path, flags, needle):
    (tmp_path / "w").write_bytes(WORDS)
    grep_like_gnu(*flags.split(), "-e", needle, "w", cwd=tmp_path)


@pytest.mark.parametrize("needle", [b"q" + b"x" * 298 + b"z", b"ab" * 3000])
def test_long_needles_like_gnu(tmp_path, needle):
    lines = [needle, b"x" + needle, needle + b"_", b"x" * 700, needle[:-1], needle * 2,
             b"q z " + needle + b" " + needle]
    write_files(tmp_path, {"f": b"\n".join(lines)})
    for flags in (["-n"], ["-c"], ["-o", "-b"], ["-w", "-n"], ["-x", "-c"], ["-v", "-n"]):
        grep_like_gnu(*flags, "-e", needle, "f", cwd=tmp_path)


# -- the empty needle ---------------------------------------------------------------

@pytest.mark.parametrize("flags", ["", "-n", "-c", "-o", "-o -b", "-l", "-L", "-x",
                                   "-x -n -v", "-x -c", "-b", "-m 2", "-C 1 -x",
                                   "-w -n", "-w -c -v"])
def test_empty_needle_like_gnu(tmp_path, flags):
    """Every line holds the empty needle (-x: the empty lines; -w: the lines
    where it stands between non-word bytes)."""
    write_files(tmp_path, {"f": b"a\n\nab cd\n x\nab\n-\n\r\n", "e": b""})
    grep_like_gnu(*flags.split(), "-e", "", "f", "e", cwd=tmp_path)


def test_empty_needle_word_at_the_end_of_the_input(tmp_path):
    (tmp_path / "f").write_bytes(b"x \nab ")
    grep_like_gnu("-w", "-n", "-e", "", "f", cwd=tmp_path)


@pytest.mark.parametrize("flags", [[], ["-n", "-C", "1"]])
def test_empty_needle_colour(tmp_path, flags):
    (tmp_path / "f").write_bytes(b"ab\ncd\n")
    grep_like_gnu("--color=always", *flags, "-e", "", "f", cwd=tmp_path)


# -- several needles (-e, -f) -------------------------------------------------------

MANY = (b"abcd\n" b"xbcdx\n" b"ab cd\n" b"abc_ ab\n" b"foo foobar\n" b"foobar_x foo\n"
        b"bcd\n" b"ab\n" b"abc\n" b"nothing\n" b"cdab")


def several_needle_cases():
    for needles in ([b"ab", b"abc", b"bcd"], [b"abc", b"ab"], [b"foo", b"foobar"],
                    [b"cd", b"d"], [b"ab", b"ab"], [b"ab", b""]):
        for flags in ("", "-o", "-o -b", "-c", "-v", "-n", "--color=always", "-w -o",
                      "-w -c", "-w --color=always", "-x", "-x -v", "-x -o", "-l"):
            yield pytest.param(needles, flags, marks=[needs_sets])


@pytest.mark.parametrize("needles,flags", list(several_needle_cases()))
def test_several_needles_like_gnu(tmp_path, needles, flags):
    """Any needle may match: leftmost, then longest; -w / -x retry the shorter
    needles at the same offset, then the next offset."""
    (tmp_path / "m").write_bytes(MANY)
    args = [a for n in needles for a in ("-e", n)]
    grep_like_gnu(*flags.split(), *args, "m", cwd=tmp_path)


@needs_sets
def test_word_retries_shorter_needles_then_next_offset(tmp_path):
    # "abc_" rejects abc and ab at 0; GNU grep then finds "ab" at 5.
    (tmp_path / "w").write_bytes(b"abc_ ab\nabcab abc\nab_abc abc_ab\n")
    for needles in ([b"abc", b"ab"], [b"ab", b"abc"], [b"b", b"abc", b"c"]):
        args = [a for n in needles for a in ("-e", n)]
        for flags in (["-w", "-o", "-b"], ["-w", "--color=always"], ["-x"]):
            grep_like_gnu(*flags, *args, "w", cwd=tmp_path)


PATTERN_FILES = {
    "several": b"ab\nfoo\nbcd\n",
    "no-final-newline": b"ab\nfoo",
    "one": b"foo\n",
    "one-no-newline": b"foo",
    "empty-line-only": b"\n",
    "empty-line-inside": b"foo\n\nab\n",
    "crlf": b"ab\r\n",
    "backslash": b"x\\nth\n",      # taken as it is: no escapes in -f FILE
    "empty": b"",
}


def needle_file_cases():
    for which, data in sorted(PATTERN_FILES.items()):
        for flags in ("", "-c", "-o -n", "-v", "-x", "-w"):
            marks = []
            if data.rstrip(b"\n").count(b"\n"):
                marks.append(needs_sets)
            yield pytest.param(which, flags, marks=marks, id="%s-%s" % (which, flags))


@pytest.mark.parametrize("which,flags", list(needle_file_cases()))
def test_needle_file_like_gnu(tmp_path, which, flags):
    """-f FILE: a needle a line (the last without a newline too; an empty
    line is the empty needle)."""
    write_files(tmp_path, {"pats": PATTERN_FILES[which],
                           "m": MANY + b"\n\nab\r\nx\\nth\nx\nth\n"})
    grep_like_gnu(*flags.split(), "-f", "pats", "m", cwd=tmp_path)


@needs_sets
def test_needle_files_and_needles_together(tmp_path):
    write_files(tmp_path, {"p1": b"foo\n", "p2": b"bcd", "m": MANY})
    grep_like_gnu("-f", "p1", "-f", "p2", "-e", "nothing", "-n", "m", cwd=tmp_path)
    grep_like_gnu("-e", "ab", "-f", "p1", "-o", "m", cwd=tmp_path)


def test_needle_file_from_stdin(tmp_path):
    (tmp_path / "m").write_bytes(MANY)
    grep_like_gnu("-f", "-", "-n", "m", cwd=tmp_path, input=b"foo\n")


def test_needle_file_missing(tmp_path):
    (tmp_path / "m").write_bytes(MANY)
    proc = grep_like_gnu("-f", "nope", "m", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith(b"fastmmap: nope: ")


# -- -i -------------------------------------------------------------------------------

CASES = b"Hello hello HELLO hElLo\nhello_world\nHELL\nh\xc9llo h\xe9llo\nWORLD\nworld hello"


@needs_ignore_case
@pytest.mark.parametrize("flags", ["-i", "-i -o", "-i -o -b", "-i -c", "-i -v", "-i -w",
                                   "-i -x", "-i --color=always -n", "-i -l", "-i -m 1 -A 1"])
@pytest.mark.parametrize("needle", [b"hello", b"HeLLo", b"L", b"h\xc9llo", b"world hello"])
def test_ignore_case_like_gnu(tmp_path, flags, needle):
    """ASCII letters only: bytes >= 0x80 (\\xc9, \\xe9) match themselves."""
    (tmp_path / "i").write_bytes(CASES)
    grep_like_gnu(*flags.split(), "-e", needle, "i", cwd=tmp_path)


@needs_ignore_case
@needs_sets
def test_ignore_case_several_needles(tmp_path):
    (tmp_path / "i").write_bytes(CASES)
    grep_like_gnu("-i", "-o", "-e", "HELL", "-e", "hello", "-e", "WORLD", "i", cwd=tmp_path)
    grep_like_gnu("-i", "-w", "-c", "-e", "hell", "-e", "world", "i", cwd=tmp_path)


# -- parsing --------------------------------------------------------------------------

def test_color_without_when(corpus):
    grep_like_gnu("--color", "ab", "a.txt", cwd=corpus)


def test_needle_starting_with_dash_after_e(tmp_path):
    (tmp_path / "f").write_bytes(b"a -x\nb\n-x\n")
    grep_like_gnu("-e", "-x", "f", cwd=tmp_path)


def test_needle_starting_with_dash(tmp_path):
    (tmp_path / "f").write_bytes(b"a -x\nb\n-x\n")
    grep_like_gnu("-e-x", "f", cwd=tmp_path)
    grep_like_gnu("--regexp=-x", "-n", "f", cwd=tmp_path)
    grep_like_gnu("-n", "--", "-x", "f", cwd=tmp_path)


# -- colour on a terminal -------------------------------------------------------------

def on_terminal(argv, cwd, term="xterm"):
    """stdout of argv run with a pseudo-terminal as its stdout (the
    terminal turns each newline into CR LF)."""
    master, slave = pty.openpty()
    env = dict(tool_env(), TERM=term,
               PYTHONPATH=env_with_package_path()["PYTHONPATH"])
    proc = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, cwd=cwd, env=env)
    os.close(slave)
    out = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:         # EIO: the other side is closed
            break
        if not chunk:
            break
        out.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    return b"".join(out)


def test_colour_by_default_on_a_terminal(corpus):
    """As ripgrep does (GNU grep colours only when asked): matches coloured
    on a terminal, exactly as GNU grep --color=always colours them; not on a
    dumb terminal, with --color=never, or into a pipe."""
    ours = [sys.executable, "-m", "fastmmap", "grep", "-n", "ab", "a.txt", "b.txt"]
    gnu = [GNU_GREP, "-F", "--color=always", "-n", "ab", "a.txt", "b.txt"]
    coloured = on_terminal(ours, corpus)
    assert b"\33[01;31m" in coloured
    assert coloured == on_terminal(gnu, corpus)
    plain = gnu_grep("-n", "ab", "a.txt", "b.txt", cwd=corpus).stdout.replace(b"\n", b"\r\n")
    assert on_terminal(ours, corpus, term="dumb") == plain
    assert on_terminal(ours[:4] + ["--color=never"] + ours[4:], corpus) == plain
    assert on_terminal(ours[:4] + ["--color=auto"] + ours[4:], corpus) == coloured
    grep_like_gnu("--color=auto", "-n", "ab", "a.txt", cwd=corpus)


# -- random combinations ------------------------------------------------------------

SWITCHES = ["-c", "-l", "-L", "-o", "-v", "-w", "-x", "-H", "-h", "-b", "-n", "-q", "-s",
            "-m 0", "-m 1", "-m 2", "-A 1", "-B 1", "-C 1", "-A 2", "-B 2", "-C 0",
            "--color=always"]
LINES = st.lists(st.sampled_from([b"a", b"b", b"ab", b"\n", b"\n", b" ", b"_", b"\r",
                                  b"\x80", b"aa"]), max_size=30).map(b"".join)


def not_compared(flags):
    """-w with -x: GNU grep 3.8 then takes the line's newline into the match
    it prints with -o or colours (a GNU quirk)."""
    return {"-w", "-x"} <= flags


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(LINES, min_size=1, max_size=3),
       flags=st.sets(st.sampled_from(SWITCHES), max_size=4),
       needle=st.sampled_from([b"a", b"b", b"ab", b"aa", b"ba", b"a b", b"\x80", b"_a"]))
def test_random_combinations_like_gnu(tmp_path, files, flags, needle):
    assume(not not_compared(flags))
    names = write_files(tmp_path, {"f%d" % i: data for i, data in enumerate(files)})
    args = [a for flag in sorted(flags) for a in flag.split()]
    grep_like_gnu(*args, "-e", needle, *names, cwd=tmp_path)


# -- ripgrep ------------------------------------------------------------------------

RG_FILES = {"r1": b"ab at the start\nplain\nxab\nabab ab\ncab_ ab_x ab\n\nab\nend ab",
            "r2": b"line\nab\nAB aB\n"}


@needs_rg
@pytest.mark.parametrize("flags", [
    "", "-n", "-c", "-l", "-o", "-w", "-v", "-n -o", "-w -n", "-v -n", "-c -v",
    *(pytest.param(f, marks=needs_ignore_case) for f in ("-i", "-i -n", "-i -o", "-i -c")),
])
@pytest.mark.parametrize("files", [["r1"], ["r1", "r2"]])
def test_ripgrep_agrees(tmp_path, flags, files):
    """Where rg -F and GNU grep agree, fastmmap prints the same."""
    write_files(tmp_path, RG_FILES)
    args = [*flags.split(), "-e", "aB" if "-i" in flags else "ab", *files]
    ours = grep_like_gnu(*args, cwd=tmp_path)
    rg = ripgrep("-F", "-j1", "--no-heading", "--color=never", *args, cwd=tmp_path)
    assert ours.stdout == rg.stdout
