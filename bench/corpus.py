"""Deterministic English-like benchmark corpus.

The corpus is lowercase "words" separated by single spaces, broken into
lines of about ``LINE_TARGET`` bytes, each ending in ``b"\\n"``.  The only
bytes that ever occur are ``a``-``z``, space and newline, so any needle that
contains a digit or a symbol such as ``#`` is guaranteed to be absent.

* The vocabulary is built syllable by syllable with ``random.Random(SEED)``
  using rough English letter weights, so a byte-frequency heuristic sees
  text (space ~20 %, then ``o`` and ``e``, and so on).
* Word frequencies follow a Zipf law; shorter words get the higher ranks.
* The word stream is drawn with a NumPy ``PCG64`` generator and assembled
  with vectorised gathers, chunk by chunk, so the text never repeats: a
  slice of it (with one byte changed) does not keep re-matching every few
  kilobytes the way a repeated block would.

The file is cached in ``tempfile.gettempdir()`` under a name carrying the
size, seed and ``FORMAT_VERSION``; a JSON sidecar records its size and line
count.  Both are written to temporary names and renamed into place.

Run ``python bench/corpus.py [MiB]`` to build the file (and print stats)
outside pytest.
"""
import json
import mmap
import os
import random
import sys
import tempfile

import numpy as np

# The generator lives in the package (the `fastmmap demo` command uses it
# too); this module adds the benchmark's cache, needles and checks.
from fastmmap._cli._corpus import ALLOWED, SEED
from fastmmap._cli._corpus import generate as _generate

FORMAT_VERSION = 1
DEFAULT_MB = 256


def corpus_path(mb=None, seed=SEED):
    mb = default_mb() if mb is None else mb
    name = f"fastmmap-bench-corpus-v{FORMAT_VERSION}-{mb}MiB-seed{seed}.txt"
    return os.path.join(tempfile.gettempdir(), name)


def default_mb():
    return int(os.environ.get("FASTMMAP_BENCH_MB", DEFAULT_MB))


def _read_meta(path):
    try:
        with open(path + ".json") as fh:
            meta = json.load(fh)
        if meta.get("format") == FORMAT_VERSION and os.path.getsize(path) == meta["size"]:
            return meta
    except (OSError, ValueError, KeyError):
        pass
    return None


def ensure_corpus(mb=None, seed=SEED):
    """Build the cached corpus if needed; return ``(path, meta)``."""
    mb = default_mb() if mb is None else mb
    path = corpus_path(mb, seed)
    meta = _read_meta(path)
    if meta is not None:
        return path, meta
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".fastmmap-corpus-", suffix=".part")
    mtmp = None
    try:
        with os.fdopen(fd, "wb") as fh:
            size, lines = _generate(fh, mb << 20, seed)
        meta = {"format": FORMAT_VERSION, "seed": seed, "mb": mb,
                "size": size, "lines": lines}
        mfd, mtmp = tempfile.mkstemp(dir=d, prefix=".fastmmap-corpus-", suffix=".json.part")
        with os.fdopen(mfd, "w") as fh:
            json.dump(meta, fh)
        # data first: the sidecar only validates once its file is in place
        os.replace(tmp, path)
        tmp = None
        os.replace(mtmp, path + ".json")
        mtmp = None
    finally:
        for leftover in (tmp, mtmp):
            if leftover is not None and os.path.exists(leftover):
                os.unlink(leftover)
    return path, meta


def page_in(path, block=16 << 20):
    """Read the whole file once (warming the page cache) and return its byte
    histogram as a length-256 int64 array."""
    hist = np.zeros(256, dtype=np.int64)
    buf = bytearray(block)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while True:
            n = fh.readinto(buf)
            if not n:
                break
            hist += np.bincount(np.frombuffer(view[:n], dtype=np.uint8), minlength=256)
    return hist


# -- needles -----------------------------------------------------------------

NEEDLE_LENGTHS = (2, 4, 8, 16, 64, 256)
NEEDLE_CLASSES = ("hash", "e", "space")
#: lengths of the ``freq`` class: every two-letter pair of frequent
#: letters occurs in the text, so its shortest absent needles have three
FREQ_LENGTHS = (3, 4, 8, 16, 64, 256)
#: how many of the text's most frequent letters ``freq`` needles draw on
FREQ_LETTERS = 6
#: (class, length) of every absent-needle benchmark
NEEDLE_CASES = tuple([(cls, length) for cls in NEEDLE_CLASSES for length in NEEDLE_LENGTHS]
                     + [("freq", length) for length in FREQ_LENGTHS])
#: symbols that never occur in the corpus (no digits, so the classes differ)
SYMBOLS = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def make_needles(path, size, seed=SEED):
    """Return ``{(cls, length): needle}`` for the absent-needle benchmarks.

    * ``hash``:  ``b"#"`` followed by random symbols (none occur in the text)
    * ``e``:     a slice of the text starting at an ``e``, middle byte -> digit
    * ``space``: the same, starting at a space
    * ``freq``:  random letters among the text's FREQ_LETTERS most frequent
      ones, drawn until the text does not contain them: every byte is common
      and no digit helps a prefilter (the packed pair's hardest case)
    Slices are taken at fixed fractions of the file and the draws are
    seeded, so they are the same for every run at a given size.
    """
    rng = random.Random(seed ^ 0x5EED)
    needles = {}
    with open(path, "rb") as fh:
        for k, length in enumerate(NEEDLE_LENGTHS):
            needles["hash", length] = b"#" + bytes(rng.choice(SYMBOLS) for _ in range(length - 1))
            for cls, first in (("e", b"e"), ("space", b" ")):
                offset = size * (2 * k + (cls == "space") + 1) // 16
                fh.seek(offset)
                window = fh.read(4096 + length)
                i = window.index(first)
                piece = bytearray(window[i:i + length])
                assert len(piece) == length
                piece[length // 2] = ord(str(rng.randrange(10)))
                needles[cls, length] = bytes(piece)
    needles.update(_frequent_letter_needles(path, rng))
    for (cls, length), needle in needles.items():
        assert len(needle) == length
        assert cls == "freq" or not set(needle) <= ALLOWED, (cls, length)
    return needles


def _frequent_letter_needles(path, rng):
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        sample = m[:16 << 20]
        letters = sorted(set(sample) - set(b" \n"), key=lambda b: -sample.count(bytes([b])))
        letters = bytes(letters[:FREQ_LETTERS])
        out = {}
        for length in FREQ_LENGTHS:
            while True:
                needle = bytes(rng.choice(letters) for _ in range(length))
                if m.find(needle) < 0:
                    out["freq", length] = needle
                    break
    return out


if __name__ == "__main__":
    import time
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else None
    t0 = time.perf_counter()
    p, m = ensure_corpus(mb)
    t1 = time.perf_counter()
    h = page_in(p)
    t2 = time.perf_counter()
    print(p, m, f"ensure {t1 - t0:.2f}s, page-in {t2 - t1:.2f}s")
    tot = h.sum()
    top = sorted(range(256), key=lambda b: -h[b])[:8]
    print("top bytes:", ", ".join(f"{bytes([b])!r} {h[b] / tot:.1%}" for b in top))
    print("lines:", h[10], "mean line", tot / h[10])
    for key, nd in make_needles(p, m["size"]).items():
        print(key, nd[:40])
