"""``fastmmap demo`` and the corpus it generates."""
import argparse
import io
import os
import random

import pytest
from cli_support import (
    HAVE_NUMPY,
    SKIP_AGAINST_STDLIB,
    assert_clean_error,
    needs_numpy,
    run,
)

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = SKIP_AGAINST_STDLIB

if not AGAINST_STDLIB:
    load_fastmmap()
    from fastmmap._cli import _demo



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
    from fastmmap._cli import _corpus
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
    from fastmmap._cli import _corpus
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
    from fastmmap._cli import _corpus
    buf = io.BytesIO()
    assert _corpus.generate(buf, 0) == (0, 0) and buf.getvalue() == b""


@needs_numpy
def test_corpus_random_sizes_end_on_line():
    from fastmmap._cli import _corpus
    rng = random.Random(5)
    for size in [1, 2, 79, 80, 81] + [rng.randrange(1, 50_000) for _ in range(5)]:
        buf = io.BytesIO()
        written, lines = _corpus.generate(buf, size)
        data = buf.getvalue()
        assert written >= size and data.endswith(b"\n")
        # the shortest run of whole lines holding size bytes
        assert data[:-1].rfind(b"\n") + 1 < size
