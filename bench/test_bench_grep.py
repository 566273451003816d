"""grep's everyday options, fastmmap against ripgrep with the same options:
``-c``, ``-o``, ``-v``, ``-w``, ``-i`` for a rare and a frequent needle on
the suite's corpus (``FASTMMAP_BENCH_MB=1024`` for the 1 GiB the targets
are stated for), ``-e`` with 2 and 8 needles, and ``-l -r`` over the source
tree of filesets.py.  Whole processes, output written to a file and
checked against GNU grep's (``LC_ALL=C grep -F``, which fastmmap follows
byte for byte) -- or, for -l -r over a tree, against ripgrep's file list.
"""
import os
import shutil
import subprocess

import pytest

import filesets
from processes import fastmmap_command, timed_to_file

pytestmark = pytest.mark.skipif(shutil.which("rg") is None, reason="no rg (ripgrep)")

RARE, FREQUENT = b"qu", b" the "
# (id, fastmmap/rg/grep arguments); the needle goes after them.
FLAG_ROWS = [
    ("-c", ["-c"]),
    ("-l", ["-l"]),
    ("-o", ["-o"]),
    ("-v", ["-v"]),
    ("-w", ["-w"]),
    ("-i", ["-i"]),
]


@pytest.fixture(scope="module")
def words(corpus):
    """Words of the corpus for -e, by how often they occur in its first
    8 MiB: one frequent, then rarer ones (about one line in 3,000 each)."""
    import collections

    with open(corpus.path, "rb") as fh:
        counts = collections.Counter(fh.read(8 << 20).split())
    ranked = [w for w, _ in counts.most_common() if len(w) >= 5]
    return [ranked[0]] + ranked[len(ranked) // 2:len(ranked) // 2 + 7]


def gnu(args, needles, path):
    env = dict(os.environ, LC_ALL="C")
    argv = ["grep", "-F", *args]
    for needle in needles:
        argv += ["-e", needle]
    return subprocess.run(argv + [path], capture_output=True, check=False, env=env).stdout


def argvs(args, needles, path):
    """{impl: argv} for fastmmap and ripgrep with the same options."""
    prefix, _ = fastmmap_command()
    ours = prefix + ["grep", *args]
    rg = ["rg", "--no-config", "-F", "--no-heading", *args]
    for needle in needles:
        ours += ["-e", os.fsdecode(needle)]
        rg += ["-e", os.fsdecode(needle)]
    return {"fastmmap": ours + [path], "rg": rg + [path]}


def check(impl, args, needles, out, path):
    expected = gnu(args, needles, path)
    if impl == "fastmmap":
        assert out == expected
    elif args in (["-c"], ["-l"], ["-o"], ["-v"]) or not args:
        assert out == expected                  # rg prints what grep prints here
    else:
        # -w, -i: rg's rules are its own (Unicode word characters, case
        # folding); the counts of lines must still be close.
        assert abs(out.count(b"\n") - expected.count(b"\n")) <= expected.count(b"\n") // 100


@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
@pytest.mark.parametrize("needle", (RARE, FREQUENT), ids=("rare", "frequent"))
@pytest.mark.parametrize("flag,args", FLAG_ROWS, ids=[f for f, _ in FLAG_ROWS])
def test_grep_flags(benchmark, record, corpus, impl, needle, flag, args, tmp_path):
    kind = "rare" if needle == RARE else "frequent"
    row = "grep %s %s %r" % (flag, kind, needle.decode())
    benchmark.group = row
    argv = argvs(args, [needle], corpus.path)[impl]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"))
    check(impl, args, [needle], out, corpus.path)
    record(row, impl, "cli", note="grep OPTION -e NEEDLE FILE > OUT, rg --no-config -F "
                                  "--no-heading OPTION -e NEEDLE FILE > OUT")


@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
@pytest.mark.parametrize("count", (2, 8))
def test_grep_several_needles(benchmark, record, corpus, words, impl, count, tmp_path):
    needles = words[:count]
    row = "grep -e x%d" % count
    benchmark.group = row
    argv = argvs([], needles, corpus.path)[impl]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"))
    assert out == gnu([], needles, corpus.path)
    record(row, impl, "cli", note="grep -e N1 -e N2 ... FILE > OUT")


@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
def test_grep_files_with_matches_recursive(benchmark, record, impl, tmp_path):
    tree = filesets.source_tree()
    if tree is None:
        pytest.skip("no source tree to copy")
    filesets.page_in(filesets.tree_files(tree))
    row = "grep -l -r mmap (source tree)"
    benchmark.group = row
    prefix, _ = fastmmap_command()
    if impl == "rg":
        argv = ["rg", "--no-config", "--no-ignore", "--hidden", "-l", "-F", "-e", "mmap", tree]
    else:
        argv = prefix + ["grep", "-l", "-r", "mmap", tree]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"), statuses=(0, 1, 2))
    # rg skips binary files it walks into; GNU grep -I does too.
    expected = subprocess.run(["grep", "-rlFI", "-e", "mmap", tree],
                              capture_output=True, check=False).stdout
    listed = set(out.splitlines())
    assert set(expected.splitlines()) <= listed
    record(row, impl, "cli", note="grep -l -r NEEDLE TREE > OUT")
