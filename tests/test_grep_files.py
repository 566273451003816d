"""fastmmap grep's inputs against GNU grep (``LC_ALL=C grep -F``) and
ripgrep: odd files, pipes and block edges, missing files and directories,
binary files, needles holding a newline, -r with its globs, and the order of
the output on many threads (tests/test_grep_options.py: the options)."""
import os
import subprocess
import sys
import threading

import pytest
from cli_support import (
    SKIP_AGAINST_STDLIB,
    assert_like_gnu,
    fastmmap_grep,
    gnu_grep,
    grep_like_gnu,
    needs_gnu_grep,
    needs_rg,
    rg_oracle,
    ripgrep,
    run,
    write_files,
)

from support import env_with_package_path

pytestmark = [SKIP_AGAINST_STDLIB, needs_gnu_grep]


# -- odd files ----------------------------------------------------------------------

ODD = {
    "empty": b"",
    "newline": b"\n",
    "newlines": b"\n\n\n",
    "needle": b"ab",
    "needle-line": b"ab\n",
    "no-final-newline": b"x\nab y\nlast ab",
    "ends-in-needle": b"x\nyab",
    "starts-with-needle": b"abx\ny\n",
    "cr": b"ab\r\nx\r\n\r\nab\r\r\n\rab\n",
    "cr-no-newline": b"x\r\nab\r",
    "high-bytes": b"\xc3\xa9ab\xff\n\x80\x81\n\xffab\xfe\nab\x80",
    "line-ends": b"ab\nxab\nabx\nx ab\nab x\n",
}


@pytest.mark.parametrize("flags", ["", "-n -b", "-c", "-v -n", "-o -b", "-w -n", "-x -n",
                                   "-L", "-C 1 -n", "-v -C 1 -b", "-m 1 -A 1",
                                   "--color=always -n -v -C 1"])
def test_odd_files_like_gnu(tmp_path, flags):
    """Empty files, a last line without a newline, CR, bytes >= 0x80, the
    needle at the start and end of the file and of its lines; each file
    alone, and all of them (named, then not)."""
    names = write_files(tmp_path, ODD)
    for needle in (b"ab", b"a"):
        args = [*flags.split(), "-e", needle]
        grep_like_gnu(*args, *names, cwd=tmp_path)
        grep_like_gnu("-h", *args, *names, cwd=tmp_path)
    grep_like_gnu(*flags.split(), "-e", "ab", "no-final-newline", cwd=tmp_path)


# -- block edges: a pipe is read 1 MiB at a time ------------------------------------

MIB = 1 << 20
SLICE = 16 * MIB        # a mapped file is scanned a slice at a time
EDGES = ["straddle-1", "straddle-3", "straddle-5", "newline-at-edge", "newline-after-edge",
         "long-line"]


def edge_data(kind, edge):
    """Lines arranged at the first ``edge`` as ``kind`` says: "needle" cut
    after 1, 3 or 5 bytes, a line ending just before or at the edge, one line
    over two edges; or (dense) 2.5 MiB of lines the needle fills, so that
    every later edge (where the reads of a pipe happen to end) cuts some."""
    if kind == "dense":
        return b"".join(b"%d needle%s\n" % (i, b"x" * (i % 13)) for i in range(160_000))
    lines = b"".join(b"filler %d%s\n" % (i, b" ne" if i % 7 == 0 else b"")
                     for i in range(80_000))
    head = lines * (edge // len(lines) + 1)
    head = head[:head.rindex(b"\n", 0, edge - 64) + 1]
    pad = edge - len(head)
    if kind.startswith("straddle-"):
        data = head + b"x" * (pad - int(kind[-1])) + b"needle\n"
        assert data.index(b"needle", edge - 8) == edge - int(kind[-1])
    elif kind == "newline-at-edge":
        data = head + b"x" * (pad - 1) + b"\nneedle at the edge\n"
    elif kind == "newline-after-edge":
        data = head + b"x needle" + b"x" * (pad - 8) + b"\nneedle\n"
    else:   # long-line
        data = head + b"x" * (pad - 2) + b"needle" + b"y" * (edge - 6) + b"needle" + b"z\n"
    tail = b"".join(b"%d%s\n" % (i, b" needle" if i % 5 == 0 else b"") for i in range(2_000))
    return data + tail + b"last needle"


@pytest.fixture(scope="module")
def edge_files(tmp_path_factory):
    """The EDGES (and dense) at the 1 MiB edge of a pipe's reads."""
    directory = tmp_path_factory.mktemp("edges")
    write_files(directory, {kind: edge_data(kind, MIB) for kind in EDGES + ["dense"]})
    return directory


@pytest.fixture(scope="module")
def slice_files(tmp_path_factory):
    """The EDGES at the 16 MiB edge of a mapped file's slices."""
    directory = tmp_path_factory.mktemp("slices")
    write_files(directory, {kind: edge_data(kind, SLICE) for kind in EDGES})
    return directory


def from_a_full_pipe(args, data, cwd):
    """fastmmap grep ARGS reading ``data`` from a pipe that holds its first
    MiB before grep starts: grep's first read ends exactly at the 1 MiB
    edge (the later ones wherever the writer has got to)."""
    fcntl = pytest.importorskip("fcntl")
    read_end, write_end = os.pipe()
    try:
        try:
            size = fcntl.fcntl(write_end, getattr(fcntl, "F_SETPIPE_SZ", 1031), MIB)
        except OSError:
            size = 0
        if size < MIB:
            pytest.skip("cannot make a pipe of 1 MiB")
        head = memoryview(data)[:MIB]
        while head:
            head = head[os.write(write_end, head):]
    except BaseException:
        os.close(write_end)
        os.close(read_end)
        raise

    def write_the_rest():
        try:
            with open(write_end, "wb") as pipe:
                pipe.write(data[MIB:])
        except BrokenPipeError:     # grep stopped reading (-m)
            pass

    writer = threading.Thread(target=write_the_rest)
    writer.start()
    try:
        return fastmmap_grep(*args, cwd=cwd, stdin=read_end)
    finally:
        os.close(read_end)
        writer.join()


@pytest.mark.parametrize("flags", ["-b -o", "-n -C 2", "-v -n -A 1", "-m 3 -A 2 -n",
                                   "-w -n -B 3", "-x -c -v"])
@pytest.mark.parametrize("kind", EDGES + ["dense"])
def test_block_edges_pipe_and_file_like_gnu(edge_files, kind, flags):
    """The same answers from a pipe (1 MiB reads) as from the file (mapped),
    and as GNU grep's."""
    args = [*flags.split(), "-e", "needle"]
    on_disk = grep_like_gnu(*args, kind, cwd=edge_files)
    piped = from_a_full_pipe(args, (edge_files / kind).read_bytes(), edge_files)
    assert (piped.stdout, piped.returncode, piped.stderr) == (
        on_disk.stdout, on_disk.returncode, b"")


@pytest.mark.parametrize("flags", ["-n", "-c", "-b -o", "-n -C 2", "-m 3 -A 2 -n",
                                   "-w -n -B 3", "-x -c -v", "-b"])
@pytest.mark.parametrize("kind", EDGES)
def test_slice_edges_of_a_mapped_file_like_gnu(slice_files, kind, flags):
    grep_like_gnu(*flags.split(), "-e", "needle", kind, cwd=slice_files)


def test_block_edges_stdin_pipe_and_file(edge_files):
    """Standard input as a pipe written as grep reads, and redirected from
    the file."""
    for kind in ("straddle-3", "dense"):
        expected = gnu_grep("-n", "-e", "needle", kind, cwd=edge_files)
        assert_like_gnu(fastmmap_grep("-n", "-e", "needle",
                                      input=(edge_files / kind).read_bytes()), expected)
        with open(edge_files / kind, "rb") as fh:
            assert_like_gnu(fastmmap_grep("-n", "-e", "needle", stdin=fh), expected)


# -- several files, missing files, directories, standard input --------------------

@pytest.mark.parametrize("flags", ["", "-c", "-l", "-L", "-s", "-n -H", "-h", "-q",
                                   "-s -c", "-o -b", "-C 1"])
def test_missing_files_like_gnu(tmp_path, flags):
    """Reported (unless -s) in their place, the others still scanned; exit 2."""
    write_files(tmp_path, {"a": b"ab\nx\n", "b": b"x\nab\n", "e": b""})
    grep_like_gnu(*flags.split(), "-e", "ab", "a", "missing", "e", "b", "gone",
                  cwd=tmp_path)


@pytest.mark.parametrize("flags", [
    "", "-n", "-l", "-s", "-q", "-h -o", "-c", "-L",
])
def test_directory_without_recursive_like_gnu(tmp_path, flags):
    write_files(tmp_path, {"a": b"ab\n", "d/x": b"ab\n"})
    grep_like_gnu(*flags.split(), "-e", "ab", "a", "d", cwd=tmp_path)


@pytest.mark.parametrize("args", [[], ["-"], ["-H"], ["-c"], ["-l"], ["-L"], ["-n", "-b"],
                                  ["-", "a"], ["a", "-", "-"], ["-c", "-", "a", "-"],
                                  ["-h", "a", "-"], ["-v", "-"]])
def test_standard_input_like_gnu(tmp_path, args):
    """A pipe: "-" or no FILE, named "(standard input)"; read once."""
    write_files(tmp_path, {"a": b"ab\nx\n"})
    flags = [a for a in args if a.startswith("-") and a != "-"]
    files = [a for a in args if a not in flags]
    grep_like_gnu(*flags, "-e", "ab", *files, cwd=tmp_path, input=b"x\nab\nlast ab")


def test_standard_input_named_again_is_empty(tmp_path):
    """The first "-" reads the pipe to its end and a later one finds it
    empty, as in grep, however many workers there are: two workers must
    never share one pipe between them."""
    data = b"".join(b"ab %d\n" % i for i in range(200_000))   # ~2 MiB
    for workers in ("1", "2"):
        out = fastmmap_grep("-j", workers, "-c", "ab", "-", "-", "-", "-",
                            cwd=tmp_path, input=data)
        assert out.stdout == b"(standard input):200000\n" + b"(standard input):0\n" * 3


@pytest.mark.parametrize("operands", [["-"], ["-", "a"]])
def test_standard_input_with_recursive(tmp_path, operands):
    write_files(tmp_path, {"a": b"ab\n"})
    grep_like_gnu("-r", "-e", "ab", *operands, cwd=tmp_path, input=b"ab\n")


# -- binary files ---------------------------------------------------------------------

BINARY = {
    "bin": b"ab line\n\x00\nx\nab again\n",
    "late-nul": b"ab\n" + b"x" * (32 * 1024 - 8) + b"\n\x00\nab\n",   # NUL in 32 KiB
    "text": b"ab text\n",
    "bin-no-match": b"\x00 nothing\n",
}


def binary_message(name):
    return b"binary file %s matches\n" % name


def gnu_binary_notes(stderr):
    """The files GNU grep says are binary files that match."""
    return [line[len(b"grep: "):-len(b": binary file matches")]
            for line in stderr.splitlines() if line.endswith(b": binary file matches")]


@pytest.mark.parametrize("flags", ["", "-n", "-o -b", "-v", "-w", "-x", "-m 1", "-c", "-l",
                                   "-L", "-q", "-l -v", "-L -v", "-n -b -H"])
def test_binary_files(tmp_path, flags):
    """fastmmap prints "binary file NAME matches" on stdout (as ripgrep
    does) where GNU grep 3.8 says "grep: NAME: binary file matches" on
    stderr; the rest, and -c, -l, -L, -q, as GNU grep; with -a (--text) all
    as GNU grep -a."""
    names = write_files(tmp_path, BINARY)
    args = [*flags.split(), "-e", "ab", *names]
    for text in (["-a"], ["--text"]):
        grep_like_gnu(*text, *args, cwd=tmp_path)
    ours = fastmmap_grep(*args, cwd=tmp_path)
    gnu = gnu_grep(*args, cwd=tmp_path)
    notes = gnu_binary_notes(gnu.stderr)
    expected = b""
    for name in map(os.fsencode, names):
        if name in notes:
            expected += binary_message(name)
        else:
            expected += b"".join(line for line in gnu.stdout.splitlines(True)
                                 if line.startswith(name + b":"))
    if notes:
        assert (ours.stdout, ours.returncode, ours.stderr) == (expected, gnu.returncode, b"")
    else:
        assert_like_gnu(ours, gnu)


@pytest.mark.parametrize("flags", [["-c"], ["-c", "-v"]])
def test_binary_file_count_counts_lines(flags):
    """A deliberate difference (docs/cli.rst): a binary file is scanned as
    lines end at newlines whatever -c asks, where GNU grep also ends them at
    NULs; with -a the two agree."""
    data = b"ab\x00ab\nx\x00y\n"
    proc = fastmmap_grep(*flags, "-e", "ab", input=data)
    assert proc.stdout == (b"1\n" if flags == ["-c"] else b"1\n")
    grep_like_gnu(*flags, "-a", "-e", "ab", input=data)


def test_binary_file_alone_and_on_stdin(tmp_path):
    write_files(tmp_path, BINARY)
    for flags in ([], ["-n"], ["-v"]):
        proc = fastmmap_grep(*flags, "-e", "ab", "bin", cwd=tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, binary_message(b"bin"), b"")
        proc = fastmmap_grep(*flags, "-e", "ab", input=BINARY["bin"])
        assert proc.stdout == binary_message(b"(standard input)")
    proc = grep_like_gnu("-e", "zz", "bin", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, b"")
    grep_like_gnu("-c", "-e", "ab", input=BINARY["bin"])
    grep_like_gnu("-a", "-n", "-e", "ab", input=BINARY["bin"])


def test_binary_probe_is_the_first_32_kib(tmp_path):
    """A NUL in the first 32 KiB makes a file binary; a later one does not
    (GNU grep looks further: it is not compared here)."""
    first = b"ab\n" + b"x" * (32 * 1024 - 5) + b"\n\x00ab\n"
    assert first.index(b"\x00") == 32 * 1024 - 1
    later = first.replace(b"\n\x00", b"\nx\x00")
    write_files(tmp_path, {"first": first, "later": later})
    assert fastmmap_grep("-e", "ab", "first", cwd=tmp_path).stdout == binary_message(b"first")
    assert fastmmap_grep("-c", "-e", "ab", "later", cwd=tmp_path).stdout == b"2\n"


# -- needles holding a newline: as rg -U -F -----------------------------------------

MULTILINE = {
    "m1": b"a\nb\na\nb\nxa\nbx\nb\n",
    "m2": b"one\ntwo\n\nthree\nx\nth\n\n\nlast x",
    "m3": b"",
}
MULTILINE_NEEDLES = [b"a\nb", b"\n", b"\n\n", b"x\nth", b"b\na\nb"]


def escape(needle):
    """NEEDLE as fastmmap's escapes write it."""
    return needle.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")


@needs_rg
@pytest.mark.parametrize("needle", MULTILINE_NEEDLES)
@pytest.mark.parametrize("flags", ["", "-n", "-b", "-l", "-v -n", "-C 1 -n", "-w", "-x"])
def test_multiline_needle_like_ripgrep(tmp_path, flags, needle):
    """Every line an occurrence spans is selected, as rg -U -F selects."""
    names = write_files(tmp_path, MULTILINE)
    for files in (["m1"], names):
        args = [*flags.split(), *files]
        ours = fastmmap_grep("-e", needle, *args, cwd=tmp_path)
        rg = ripgrep("-U", "-F", "-j1", "--no-heading", "--color=never", "-e", needle,
                     *args, cwd=tmp_path)
        assert (ours.stdout, ours.returncode) == (rg.stdout, rg.returncode)


@pytest.mark.parametrize("needle", MULTILINE_NEEDLES)
def test_multiline_needle_like_the_oracle(tmp_path, needle):
    """The lines rg_oracle (cli_support) gives, from a file and a pipe, the
    needle written with the \\n escape; -c counts them (the lines selected,
    as GNU grep's -c)."""
    write_files(tmp_path, MULTILINE)
    for name, data in MULTILINE.items():
        numbered = rg_oracle(data, needle, True)
        assert run("grep", "-n", "-e", escape(needle), name, cwd=tmp_path).stdout == numbered
        assert run("grep", "-e", escape(needle), input=data).stdout == rg_oracle(
            data, needle, False)
        count = run("grep", "-c", "-e", escape(needle), name, cwd=tmp_path).stdout
        assert count == b"%d\n" % numbered.count(b"\n")


@needs_rg
@pytest.mark.parametrize("flags", [["-n"], ["-b"], ["-H"]])
def test_multiline_only_matching_prefixes(tmp_path, flags):
    write_files(tmp_path, MULTILINE)
    ours = fastmmap_grep("-o", *flags, "-e", b"a\nb", "m1", cwd=tmp_path)
    rg = ripgrep("-U", "-F", "-o", *flags, "--no-heading", "-e", b"a\nb", "m1",
                 cwd=tmp_path)
    assert ours.stdout == rg.stdout


# -- -r and its globs ---------------------------------------------------------------

TREE = {
    "a.txt": b"ab\n", "b.log": b"ab\nab\n", "c.txt.bak": b"x ab\n", ".hidden.txt": b"ab\n",
    "none.txt": b"none\n", "d/x.txt": b"ab\n", "d/y.log": b"ab y\n", "d/sub/z.txt": b"ab\n",
    "d/sub/deeper/w.log": b"ab\n", "d/.dot/h.txt": b"ab\n", "e/w.txt": b"ab\n",
    "e/d/v.txt": b"ab v\n",
}

GLOBS = [
    [], ["--include=*.txt"], ["--exclude=*.txt"], ["--include=*.txt", "--exclude=a*"],
    ["--exclude=a*", "--include=*.txt"], ["--include=*.log", "--include=*.bak"],
    ["--exclude=*.log", "--include=*.log"], ["--include=*.log", "--exclude=*.log"],
    ["--exclude=*"], ["--include=[ab].*"], ["--include=?.txt"],
    ["--exclude-dir=sub"], ["--exclude-dir=d"], ["--exclude-dir=.*"], ["--exclude-dir=*"],
    ["--exclude-dir=s*", "--include=*.log"], ["--exclude-dir=deeper", "--exclude=x*"],
]


def recursive_like_gnu(*args, cwd):
    """fastmmap grep -r ARGS against GNU grep -r, which walks in directory
    order: the lines compared sorted, the status and messages as they are."""
    __tracebackhide__ = True
    ours = fastmmap_grep("-r", *args, cwd=cwd)
    gnu = gnu_grep("-r", *args, cwd=cwd)
    assert_like_gnu(subprocess.CompletedProcess(
        ours.args, ours.returncode, b"".join(sorted(ours.stdout.splitlines(True))),
        ours.stderr), subprocess.CompletedProcess(
        gnu.args, gnu.returncode, b"".join(sorted(gnu.stdout.splitlines(True))),
        gnu.stderr))
    return ours


def glob_cases():
    """GLOBS on the current directory (no operand), and on directory
    operands (an --exclude-dir matching one is a known bug)."""
    for globs in GLOBS:
        for operands in ([], ["e", "d"]):
            yield pytest.param(globs, operands,
                               id=" ".join(globs + operands) or "plain")


@pytest.mark.parametrize("globs,operands", list(glob_cases()))
def test_recursive_globs_like_gnu(tmp_path, globs, operands):
    """GNU grep's rules: the last glob that matches a file's base name
    decides; none matching takes it unless the first is an --include;
    --exclude-dir skips the directories it matches.  GNU grep -r walks in
    directory order: the lines are compared sorted."""
    write_files(tmp_path, TREE)
    for flags in (["-n"], ["-c"], ["-l"], ["-L"]):
        recursive_like_gnu(*flags, *globs, "-e", "ab", *operands, cwd=tmp_path)


@pytest.mark.parametrize("args", [
    ["d/"], ["./d"], ["./"], ["d/sub/", "e/"], ["a.txt", "d"], ["{tmp}/d"], ["a.txt"],
    ["--exclude=*.txt", "a.txt", "d"], ["--exclude-dir=sub", "d/sub/"],
    ["--exclude=d", "d"], ["missing", "d"],
    ["d//"],
])
def test_recursive_operands_like_gnu(tmp_path, args):
    """Directory operands as written (names shown below them), FILE
    operands, --exclude on a FILE operand (not on a directory operand),
    a missing one."""
    write_files(tmp_path, TREE)
    args = [a.format(tmp=tmp_path) for a in args]
    recursive_like_gnu("-n", "-e", "ab", *args, cwd=tmp_path)


@pytest.mark.parametrize("flags,files", [
    (["--exclude=*.txt"], ["a.txt", "b.log"]), (["--exclude=a.txt"], ["./a.txt"]),
    (["--exclude=d/x.txt"], ["d/x.txt"]), (["--exclude=x.txt"], ["d/x.txt"]),
    (["--exclude=*"], ["a.txt"]), (["--exclude=a.txt"], ["../{tmp}/a.txt"]),
    (["--exclude=d"], ["d/x.txt"]), (["--exclude-dir=d"], ["d/x.txt"]),
])
def test_exclude_on_file_operands_like_gnu(tmp_path, flags, files):
    """--exclude skips a FILE operand whose name, or a part of it after a
    slash, matches."""
    write_files(tmp_path, TREE)
    files = [f.format(tmp=tmp_path.name) for f in files]
    grep_like_gnu(*flags, "-e", "ab", *files, cwd=tmp_path)


@pytest.mark.parametrize("flags,files", [
    (["--include=*.log"], ["a.txt", "b.log"]),
    (["--exclude=a*", "--include=a.txt"], ["a.txt", "b.log"]),
    (["-r", "--include=*.txt"], ["d/y.log"]),
])
def test_include_on_file_operands(tmp_path, flags, files):
    write_files(tmp_path, TREE)
    grep_like_gnu(*flags, "-e", "ab", *files, cwd=tmp_path)


@pytest.mark.parametrize("args", [["--exclude-dir=d", "d"], ["--exclude-dir=d", "./d"],
                                  ["--exclude-dir=.*", "."], ["--exclude-dir=sub", "d/sub"]])
def test_exclude_dir_on_directory_operands(tmp_path, args):
    write_files(tmp_path, TREE)
    grep_like_gnu("-r", args[0], "-e", "ab", args[1], cwd=tmp_path)


def test_exclude_does_not_apply_to_standard_input(tmp_path):
    grep_like_gnu("--exclude=*", "-e", "ab", "-", cwd=tmp_path, input=b"ab\n")


# -- many files on many threads: the output in input order ------------------------

def many_files():
    """200 small files in nested directories."""
    files = {}
    for i in range(200):
        depth = i % 4
        parts = ["d%d" % ((i // 4 + k) % 3) for k in range(depth)]
        lines = [b"ab %d" % k if (i + k) % 3 == 0 else b"x %d" % k for k in range(i % 9)]
        files["/".join(parts + ["f%03d.txt" % (i * 37 % 200)])] = b"\n".join(lines) + b"\n"
    return files


def walk_order(top):
    """os.walk top-down with sorted names: each directory's files by name,
    then its subdirectories by name."""
    order = []
    for root, dirs, names in os.walk(top):
        dirs.sort()
        order += [os.path.relpath(os.path.join(root, n), top) for n in sorted(names)]
    return order


@pytest.mark.parametrize("flags", [["-n"], ["-c"], ["-l"], ["-L"], ["-C", "1", "-n"]])
def test_parallel_output_in_walk_order(tmp_path, flags):
    write_files(tmp_path, many_files())
    outputs = {threads: fastmmap_grep("-r", "-j", str(threads), *flags, "-e", "ab",
                                      cwd=tmp_path)
               for threads in (1, 2, 8)}
    assert outputs[1].stdout == outputs[2].stdout == outputs[8].stdout
    ours = outputs[8]
    gnu = gnu_grep("-r", *flags, "-e", "ab", cwd=tmp_path)
    assert ours.returncode == gnu.returncode
    if "-C" in flags:   # "--" depends on the order: compare the lines but those
        assert (sorted(set(ours.stdout.splitlines()))
                == sorted(set(gnu.stdout.splitlines())))
    else:
        assert sorted(ours.stdout.splitlines()) == sorted(gnu.stdout.splitlines())
    order = [os.fsencode(n) for n in walk_order(str(tmp_path))]
    shown = []      # the files in the order their lines come
    for line in ours.stdout.splitlines():
        name = line if line in order else next(
            (n for n in order if line.startswith((n + b":", n + b"-"))), None)
        if name is not None and (not shown or shown[-1] != name):
            shown.append(name)
    assert shown == [n for n in order if n in shown]
    if flags == ["-c"]:
        assert shown == order


def test_parallel_output_in_operand_order(tmp_path):
    names = write_files(tmp_path, {n: d for n, d in many_files().items() if "/" not in n})
    operands = names[::-1] + names[:3]
    for flags in (["-n"], ["-c"], ["-l"], ["-o", "-b"], ["-C", "1", "-n"]):
        for threads in ("1", "8"):
            ours = fastmmap_grep(*flags, "-j", threads, "-e", "ab", *operands, cwd=tmp_path)
            assert_like_gnu(ours, gnu_grep(*flags, "-e", "ab", *operands, cwd=tmp_path))


def big_lines():
    """34 MiB of lines, the needle in about one in 50 (alone, inside words,
    the whole line): a file big enough to be split across the workers (two
    parts of 16 MiB or more)."""
    kinds = [b"ab", b"xab y", b"y abx", b"ab ab", b"_ab_", b"z ab"]
    block = b"".join(b"line %d %s\n" % (i, kinds[i // 50 % 6] if i % 50 == 0 else b"xy")
                     for i in range(6000))
    return block * (34 * MIB // len(block) + 1) + b"end ab"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    directory = tmp_path_factory.mktemp("big")
    data = big_lines()
    write_files(directory, {"big": data, "bigbin": b"\x00" + data})
    return directory


@pytest.mark.parametrize("flags", ["", "-c -v", "-b -o", "-w -b", "-x -c",
                                   "--color=always -b -H", "-c -w -v"])
def test_big_file_split_across_workers_like_gnu(big_file, flags):
    """A big file scanned in parts on several workers (where its output adds
    up: no -n, context or -m) gives what GNU grep gives."""
    ours = fastmmap_grep("-j", "4", *flags.split(), "-e", "ab", "big", cwd=big_file)
    assert_like_gnu(ours, gnu_grep(*flags.split(), "-e", "ab", "big", cwd=big_file))


def test_big_file_split_keeps_its_output_in_order(tmp_path):
    """The part behind keeps its output (less than FM_PENDING_MAX, so it
    never stops) until the part in front is done; then the kept chunks must
    go out before anything it prints next.  (They could be overtaken, in
    about 4 runs in 10 into a file.)  Several runs, stdout to a regular
    file as a user redirects it."""
    lines = [b"%d gamma needle delta" % i if i % 6 == 0 else b"%d alpha beta omega" % i
             for i in range(3_000_000)]
    data = b"\n".join(lines) + b"\n"                                  # ~64 MiB
    expected = b"\n".join(lines[::6]) + b"\n"
    write_files(tmp_path, {"big": data})
    cmd = [sys.executable, "-m", "fastmmap", "grep", "-j", "2", "-e", "needle", "big"]
    for attempt in range(8):
        with open(tmp_path / "out", "wb") as out:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, cwd=tmp_path,
                                  env=env_with_package_path(), timeout=120)
        assert (proc.returncode, proc.stderr) == (0, b"")
        got = (tmp_path / "out").read_bytes()
        assert got == expected, "run %d: output out of order or different" % attempt


def test_big_binary_file_split_across_workers(big_file):
    proc = fastmmap_grep("-j", "4", "-e", "ab", "bigbin", cwd=big_file)
    assert (proc.returncode, proc.stdout) == (0, binary_message(b"bigbin"))
    ours = fastmmap_grep("-j", "4", "-c", "-e", "ab", "bigbin", cwd=big_file)
    assert_like_gnu(ours, gnu_grep("-c", "-e", "ab", "bigbin", cwd=big_file))


# -- start-up -----------------------------------------------------------------------

def test_plain_grep_does_not_import_argparse(tmp_path):
    """``grep NEEDLE FILE...`` (no option, no ``--``) is parsed without
    argparse (see test_lines_and_count_do_not_import_argparse)."""
    write_files(tmp_path, {"a": b"hello\nx\n", "b": b"y hello\n"})
    code = ("import sys; from fastmmap._cli import main; "
            "status = main(sys.argv[1:]); "
            "sys.stdout.flush(); "
            "heavy = [m for m in ('argparse', 're') if m in sys.modules]; "
            "assert not heavy, heavy; "
            "sys.exit(status)")
    for args in (["hello", "a", "b"], ["hello", "a"], ["absent", "a"]):
        done = subprocess.run([sys.executable, "-S", "-c", code, "grep", *args],
                              capture_output=True, cwd=str(tmp_path),
                              env=env_with_package_path())
        assert done.stderr == b""
        assert_like_gnu(done, gnu_grep(*args, cwd=tmp_path))
