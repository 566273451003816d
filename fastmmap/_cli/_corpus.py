"""Deterministic English-like text, for the demo and the benchmarks.

The text is lowercase pseudo-words separated by single spaces and broken
into lines of about :data:`LINE_TARGET` bytes, each ending in ``b"\\n"``.
Only ``a``-``z``, space and newline ever occur (:data:`ALLOWED`), so a needle
holding a digit, an upper-case letter or a symbol is certainly absent.

How it is made:

* :func:`make_vocabulary` builds :data:`VOCAB_SIZE` distinct words from
  syllables drawn with ``random.Random(seed)`` and rough English letter
  weights, so byte frequencies look like text (space about 20 %, then ``e``
  and ``o``, ...).  Shorter words tend to get the better ranks.
* Word ranks follow a Zipf law.  They are drawn with NumPy's ``PCG64``
  through an inverse-CDF lookup table and the bytes are assembled with
  vectorised gathers, :data:`CHUNK_BYTES` at a time, so the stream never
  repeats itself and costs a few seconds per 256 MiB.

The output is a pure function of ``(size, seed)``; ``bench/corpus.py``
caches it under its FORMAT_VERSION, which a change to the text must bump.
NumPy is needed to generate (imported on first use); importing this module
is free.
"""
import bisect
import functools
import random

__all__ = ["ALLOWED", "LINE_TARGET", "SEED", "VOCAB_SIZE", "make_vocabulary",
           "iter_chunks", "generate", "write_corpus"]

SEED = 20240611
LINE_TARGET = 80
VOCAB_SIZE = 30000
ZIPF_EXPONENT = 1.0
CHUNK_BYTES = 8 << 20
TABLE_BITS = 22

#: every byte value the text may contain
ALLOWED = frozenset(b"abcdefghijklmnopqrstuvwxyz \n")

# Rough English weights; only their ratios matter.  Changing any of them (or
# the constants above) changes the text.
_VOWELS = {"e": 127, "a": 82, "o": 75, "i": 70, "u": 28, "y": 8, "ea": 9,
           "ou": 8, "ai": 4, "ee": 5, "oo": 4, "io": 4, "ie": 3}
_ONSETS = {"t": 91, "n": 67, "s": 63, "h": 61, "r": 60, "d": 43, "l": 40,
           "c": 28, "m": 24, "w": 24, "f": 22, "g": 20, "p": 19, "b": 15,
           "v": 10, "k": 8, "j": 2, "x": 1, "q": 1, "z": 1, "th": 30,
           "st": 10, "tr": 6, "ch": 8, "sh": 7, "pl": 4, "br": 4, "cr": 3,
           "gr": 4, "wh": 6, "fr": 3, "sp": 3, "": 45}
_CODAS = {"": 160, "n": 40, "r": 35, "s": 40, "t": 30, "d": 22, "l": 18,
          "st": 8, "nd": 10, "ng": 9, "rt": 4, "ck": 4, "m": 8, "th": 4,
          "ll": 5, "ss": 3, "nt": 7, "rs": 4, "ts": 3, "x": 1}
_SYLLABLES = {1: 20, 2: 40, 3: 25, 4: 15}


def _numpy():
    try:
        import numpy
    except ImportError:
        raise ImportError("generating the corpus needs NumPy "
                          "(pip install 'fastmmap[numpy]')") from None
    return numpy


class _Picker:
    """Draws keys of a {key: weight} table with a random.Random."""

    def __init__(self, table):
        self.keys = list(table)
        self.cum = []
        total = 0
        for key in self.keys:
            total += table[key]
            self.cum.append(total)

    def __call__(self, rng):
        return self.keys[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def make_vocabulary(seed=SEED, size=VOCAB_SIZE):
    """Return ``size`` distinct lowercase words (bytes), most frequent first."""
    rng = random.Random(seed)
    vowel, onset, coda, syllables = map(
        _Picker, (_VOWELS, _ONSETS, _CODAS, _SYLLABLES))
    words = []
    seen = set()
    while len(words) < size:
        word = "".join(onset(rng) + vowel(rng) + coda(rng)
                       for _ in range(syllables(rng)))
        if 2 <= len(word) <= 16 and word not in seen:
            seen.add(word)
            words.append(word)
    # Rank mostly by length, with jitter so rank is not a function of length.
    ranked = sorted(words, key=lambda w: len(w) + 6.0 * rng.random())
    return [w.encode("ascii") for w in ranked]


def _build_tables(seed):
    """The per-seed lookup tables (cached by _tables: they cost most of a
    second to build)."""
    np = _numpy()
    vocab = make_vocabulary(seed)
    text = np.frombuffer(b"".join(w + b" " for w in vocab), dtype=np.uint8)
    tok_len = np.array([len(w) + 1 for w in vocab], dtype=np.int32)
    tok_off = np.zeros(len(vocab), dtype=np.int32)
    np.cumsum(tok_len[:-1], out=tok_off[1:])
    weights = 1.0 / np.arange(1, len(vocab) + 1, dtype=np.float64) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    # Inverse CDF sampled on a grid: one random integer picks a rank with
    # one lookup instead of a binary search per word.
    grid = (np.arange(1 << TABLE_BITS, dtype=np.float64) + 0.5) / (1 << TABLE_BITS)
    rank_of = np.minimum(np.searchsorted(cdf, grid, side="right"),
                         len(vocab) - 1).astype(np.uint16)
    mean_tok = float((weights / weights.sum()) @ tok_len)
    words_per_chunk = int(CHUNK_BYTES / mean_tok)
    for table in (text, tok_len, tok_off, rank_of):
        table.flags.writeable = False
    return text, tok_len, tok_off, rank_of, words_per_chunk


# Wrapped here rather than with a decorator, so that type checkers (stubtest)
# see a cache object, not a function whose signature the cache hides.
_tables = functools.lru_cache(maxsize=2)(_build_tables)


def iter_chunks(size, seed=SEED):
    """Yield ``(chunk, newlines)`` pairs: bytes of text (each ending with a
    complete line) and the number of lines in it.

    The chunks add up to the shortest whole number of lines holding at least
    ``size`` bytes (nothing at all for ``size <= 0``)."""
    np = _numpy()
    if size <= 0:
        return
    text, tok_len, tok_off, rank_of, words_per_chunk = _tables(seed)
    min_tok = int(tok_len.min())
    rng = np.random.Generator(np.random.PCG64(seed))
    written = 0
    while written < size:
        draws = rng.integers(0, 1 << TABLE_BITS, words_per_chunk, dtype=np.uint32)
        # Near the end only a prefix of the words is needed: enough to pass
        # the target by more than a line, so the cut below falls on a line
        # end the full chunk has too (the output does not depend on this).
        need = (size - written + 2 * LINE_TARGET + 64) // min_tok + 1
        if need < words_per_chunk:
            draws = draws[:need]
        idx = rank_of.take(draws).astype(np.intp)
        lens = tok_len.take(idx)
        ends = np.cumsum(lens, dtype=np.int32)
        starts = ends - lens
        # A token closes its line when a multiple of LINE_TARGET falls in
        # the next token; the chunk's last token always closes one.
        band = ends // LINE_TARGET
        closes = np.empty(len(idx), dtype=bool)
        np.not_equal(band[1:], band[:-1], out=closes[:-1])
        closes[-1] = True
        nl_pos = ends[closes] - 1
        total = int(ends[-1])
        if written + total >= size:
            # stop at the first line end at or past the target size
            cut = int(np.searchsorted(nl_pos, size - written - 1))
            nl_pos = nl_pos[:cut + 1]
            total = int(nl_pos[-1]) + 1
        # Source index of every output byte: consecutive inside a token, a
        # jump at each token start; built as the running sum of its steps.
        offs = tok_off.take(idx)
        steps = np.ones(int(ends[-1]), dtype=np.int32)
        steps[0] = offs[0]
        steps[starts[1:]] = offs[1:] - offs[:-1] - lens[:-1] + 1
        src = np.cumsum(steps[:total], dtype=np.int32)
        out = text.take(src)
        out[nl_pos] = ord("\n")
        written += total
        yield out.tobytes(), len(nl_pos)


def generate(fh, size, seed=SEED):
    """Write the text to the binary file object ``fh``: at least ``size``
    bytes, ending at a line end.  Returns ``(bytes_written, lines)``."""
    written = lines = 0
    for chunk, n in iter_chunks(size, seed):
        fh.write(chunk)
        written += len(chunk)
        lines += n
    return written, lines


def write_corpus(path, size, seed=SEED):
    """Create (or replace) the file ``path`` holding :func:`generate`'s
    text; returns ``(bytes_written, lines)``."""
    with open(path, "wb") as fh:
        return generate(fh, size, seed)
