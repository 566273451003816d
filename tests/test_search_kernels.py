"""Search engine kernels (fastmmap/csrc/search) against bytes.find/rfind/count.

The engine is reached through tests/search_engine.py (ctypes on a library
built from the same C sources), one named configuration per call
("prefilter[/fallback][@isa]"):
  auto                 the product's policy: packed pair where the ISA has
                       vector blocks (after a memchr stage when the needle
                       has a rare byte such as a digit or '#'), else the
                       rare-byte memchr prefilter; fallback when they stop
                       paying,
  none, none/two-way   the linear fallback from the first byte (two-way
                       even for needles short enough for the word scan),
  memchr               the memchr prefilter only (the scalar policy), and
                       memchr per match for 1-byte find_all,
  pair@ISA             packed pair from the first byte (no memchr stage)
                       with each instruction set's blocks, the portable SWAR
                       ones included; 1-byte find_all with those blocks,
  skip                 find and rfind lead with the skip search of long
                       needles for every needle of 64 bytes or more.
The shipped extension has no test hooks (tests/test_search_binding.py):
tests/csrc/ checks the same engine in C, at guard pages and under
qemu-aarch64 for NEON.
"""
import array
import itertools
import platform
import random
import struct
import subprocess
import sys

import pytest
import search_engine as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import env_with_package_path, naive_find_all

pytestmark = pytest.mark.skipif(not S.AVAILABLE, reason=S.WHY)

AUTO = "auto"
MEMCHR = "memchr"
# The packed pair from the first byte, on every ISA this CPU runs.
PAIR_EACH = tuple("pair@" + isa for isa in S.ISAS)
FALLBACKS = ("none", "none/two-way")
SKIP = "skip"
MODES = (AUTO,) + FALLBACKS + (MEMCHR,) + PAIR_EACH + (SKIP,)
# The prefilter variants: normal, memchr only, packed pair only.
PREFILTER_MODES = (AUTO, MEMCHR) + PAIR_EACH
FORCED = FALLBACKS + (MEMCHR,) + PAIR_EACH + (SKIP,)
FORCED_PREFILTERS = (MEMCHR,) + PAIR_EACH
# Whether the default policy runs the packed pair (a vector ISA).
PAIRED = S.VECTOR


def check(hay, needle, start=None, end=None, modes=MODES):
    """Every kernel, in every mode, agrees with the bytes methods."""
    for mode in modes:
        assert S.find(hay, needle, start, end, mode) == hay.find(needle, start, end), (
            "find", hay, needle, start, end, mode)
        assert S.rfind(hay, needle, start, end, mode) == hay.rfind(needle, start, end), (
            "rfind", hay, needle, start, end, mode)
        assert S.count(hay, needle, start, end, mode) == hay.count(needle, start, end), (
            "count", hay, needle, start, end, mode)
        if needle and start is None and end is None:
            assert S.find_all(hay, needle, 1024, mode) == naive_find_all(hay, needle), (
                "find_all", hay, needle, mode)


# ---------------------------------------------------------------------------
# Hand-picked seeds

ALL_BYTES = bytes(range(256))

SEEDS = [
    (b"", b""),
    (b"abc", b""),
    (b"", b"a"),
    (b"", b"ab"),
    (b"a", b"ab"),
    (b"ab", b"abc"),
    (b"abc", b"abc"),
    (b"abc", b"abd"),
    (b"abcabc", b"abc"),
    (b"xxabc", b"abc"),
    (b"abcxx", b"abc"),
    (b"aaaaa", b"aaa"),
    (b"aaaaaa", b"aa"),
    (b"aaaaa", b"a"),
    (b"abababab", b"abab"),
    (b"aabaabaab", b"aab"),
    (b"abaabaabaab", b"abaab"),
    (b"#" * 100, b"##"),
    (b"x" * 100 + b"#", b"x#"),
    (b"#" + b"x" * 100, b"#x"),
    (b"0123456789" * 10, b"90"),
    (b"the quick brown fox jumps over the lazy dog", b"the"),
    (b"the quick brown fox jumps over the lazy dog", b"dog"),
    (b"the quick brown fox jumps over the lazy dog", b"cat"),
    (b"\x00" * 50, b"\x00\x00\x00"),
    (b"\x00\x01" * 50, b"\x01\x00"),
    (b"\xff" * 40 + b"\x7f\x80", b"\x7f\x80"),
    (b"\x80\x81\xfe\xff" * 10, b"\xfe\xff\x80"),
    (b"\xff\x00" * 20, b"\x00\xff\x00"),
    (ALL_BYTES, ALL_BYTES),
    (ALL_BYTES * 3, ALL_BYTES),
    (ALL_BYTES, ALL_BYTES[::-1]),
    (ALL_BYTES * 2, ALL_BYTES[128:] + ALL_BYTES[:128]),
    (b"ab" * 300, b"ab" * 130),
    (b"ab" * 300 + b"a", b"ab" * 130 + b"a"),
    (b"ab" * 300, b"ba" * 130 + b"b"),
    (b"a" * 1000, b"a" * 255 + b"b"),
    (b"a" * 1000, b"b" + b"a" * 255),
    (b"a" * 1000 + b"b", b"a" * 255 + b"b"),
    (b"b" + b"a" * 1000, b"b" + b"a" * 255),
]


@pytest.mark.parametrize("hay,needle", SEEDS)
def test_seeds(hay, needle):
    check(hay, needle)


@pytest.mark.parametrize("byte", range(256))
def test_every_single_byte(byte):
    b = bytes([byte])
    check(ALL_BYTES, b)
    check(ALL_BYTES * 2, b)
    check(b * 7, b)
    # Both neighbours of 0x7f/0x80 and 0xff/0x00 must compare unsigned.
    check(bytes([byte ^ 0x80]) * 5 + b + bytes([byte ^ 0x80]) * 5, b)


@pytest.mark.parametrize("byte", range(256))
def test_every_byte_inside_longer_needles(byte):
    b = bytes([byte])
    other = bytes([byte ^ 0x80])
    hay = ALL_BYTES + other * 40 + b + other * 3 + b * 3 + other + ALL_BYTES[::-1]
    for needle in (b + other, other + b, other + b + other, b * 2, b * 3,
                   other * 3 + b, b + other * 3, ALL_BYTES[byte:byte + 5],
                   ALL_BYTES[max(0, byte - 4):byte + 1]):
        check(hay, needle)


def test_needle_longer_than_range():
    check(b"abcdef", b"cde", 1, 4)
    check(b"abcdef", b"cde", 2, 4)
    check(b"abcdef", b"cde", 2, 5)
    check(b"abcdef", b"", 7, None)
    check(b"abcdef", b"", 4, 2)
    check(b"abcdef", b"f", -1, None)


def test_anchor_prefers_rare_bytes():
    i1, i2 = S.anchors(b"the e5 fox")
    assert (i1, b"the e5 fox"[i1:i1 + 1]) == (5, b"5")
    assert b"the e5 fox"[i2] != ord("5")
    i1, _ = S.anchors(b"#xe! a")
    assert b"#xe! a"[i1] in b"#!"
    i1, _ = S.anchors(b" hello 7 world ")
    assert b" hello 7 world "[i1] == ord("7")
    # Uniform needle: the second check still uses another offset.
    i1, i2 = S.anchors(b"zzzz")
    assert i1 != i2


def _anchors_oracle(x, sample=b""):
    """The documented choice, by brute force: rarest byte (first offset on
    ties), rarest byte of another value, rarest at a third offset; rarest by
    the count in the sample, then by the static rank."""
    rank = S.BYTE_RANK
    counts = [sample.count(bytes([b])) for b in range(256)] if sample else [0] * 256
    k = len(x)
    key = lambda i: (counts[x[i]], rank[x[i]], i)
    i1 = min(range(k), key=key)
    others = [i for i in range(k) if x[i] != x[i1]]
    i2 = min(others, key=key) if others else (k - 1 if i1 != k - 1 else 0)
    rest = [i for i in range(k) if i not in (i1, i2)]
    i3 = min(rest, key=key) if rest else i2
    return i1, i2, i3


def test_anchors_match_oracle():
    rng = random.Random(1)
    alphabets = [b"ab", b"abc", b"a#e ", ALL_BYTES, b"\x80\x81\x90 e", b"\x00\xff"]
    for k in range(2, 14):
        for _ in range(400):
            x = bytes(rng.choices(rng.choice(alphabets), k=k))
            assert S.anchors(x, True) == _anchors_oracle(x), x
    for x in (b"ab", b"aa", b"aaa", b"zzzz", b" the ", b"the", ALL_BYTES):
        assert S.anchors(x, True) == _anchors_oracle(x), x


def test_anchors_follow_the_sample():
    # In log lines digits and '=' are everywhere: the anchor of
    # b"status=504" is the byte the lines hold least, where the static
    # ranks (prose) would pick a digit.
    rng = random.Random(3)
    lines = b"".join(b"2026-11-%02dT10:%02d:07Z INFO user=u%06d status=%d bytes=%d\n"
                     % (rng.randrange(1, 29), rng.randrange(60), rng.randrange(10 ** 6),
                        rng.choice((200, 404, 500, 503)), rng.randrange(10 ** 6))
                     for _ in range(100))
    needle = b"status=504"
    assert needle[S.anchors(needle)[0]] in b"0123456789"
    assert S.anchors(needle, True, lines) == _anchors_oracle(needle, lines)
    assert needle[S.anchors(needle, sample=lines)[0]] not in b"0123456789="
    rng = random.Random(2)
    for k in range(2, 40):
        for _ in range(60):
            sample = bytes(rng.choices(rng.choice([b"ab#0", ALL_BYTES, b"e \n"]),
                                       k=rng.randrange(1, 600)))
            x = bytes(rng.choices(b"ab#0e \n\xff", k=k))
            assert S.anchors(x, True, sample) == _anchors_oracle(x, sample), (x, sample)


# ---------------------------------------------------------------------------
# Exhaustive sweeps over a tiny alphabet

def _words(alphabet, max_len):
    for n in range(max_len + 1):
        for t in itertools.product(alphabet, repeat=n):
            yield bytes(t)


HAYS_AB = list(_words(b"ab", 8))
NEEDLES_AB = list(_words(b"ab", 4))


@pytest.mark.parametrize("needle", NEEDLES_AB)
def test_exhaustive_ab_whole(needle):
    for hay in HAYS_AB:
        check(hay, needle)


@pytest.mark.parametrize("needle", NEEDLES_AB)
def test_exhaustive_ab_subranges(needle):
    find, rfind, count = S.find, S.rfind, S.count
    for hay in HAYS_AB:
        n = len(hay)
        if n > 6:
            continue
        for start in range(-1, n + 2):
            for end in range(-1, n + 2):
                assert find(hay, needle, start, end) == hay.find(needle, start, end)
                assert rfind(hay, needle, start, end) == hay.rfind(needle, start, end)
                assert count(hay, needle, start, end) == hay.count(needle, start, end)


@pytest.mark.parametrize("needle", list(_words(b"ab#", 3))[1:])
def test_exhaustive_rare_byte_alphabet(needle):
    # '#' is the anchor whenever present, 'b' before 'a' otherwise.
    for hay in _words(b"ab#", 6):
        check(hay, needle)


# ---------------------------------------------------------------------------
# Property tests

@settings(max_examples=300, deadline=None)
@given(hay=st.binary(max_size=300), needle=st.binary(max_size=12),
       start=st.none() | st.integers(-320, 320),
       end=st.none() | st.integers(-320, 320))
def test_random_binary(hay, needle, start, end):
    check(hay, needle, start, end)


def _gen(seed, n, alphabet, weights=None):
    rng = random.Random(seed)
    return bytes(rng.choices(alphabet, weights=weights, k=n))


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 2000),
       alphabet=st.sampled_from([b"ab", b"abc", b"a#", b"\x00\xff", b"ab#0"]),
       k=st.integers(1, 40), from_hay=st.booleans(), data=st.data())
def test_random_small_alphabets(seed, n, alphabet, k, from_hay, data):
    hay = _gen(seed, n, alphabet)
    if from_hay and n >= k:
        at = data.draw(st.integers(0, n - k))
        needle = hay[at:at + k]
        # Perturb sometimes, so near-misses are exercised too.
        if data.draw(st.booleans()):
            i = data.draw(st.integers(0, k - 1))
            needle = needle[:i] + alphabet[:1] + needle[i + 1:]
    else:
        needle = _gen(seed + 1, k, alphabet)
    check(hay, needle)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), n=st.integers(50_000, 400_000),
       k=st.integers(2, 300), dense=st.sampled_from([0.5, 0.9, 0.99, 1.0]),
       plant=st.booleans())
def test_large_dense_with_anchor_byte(seed, n, k, dense, plant):
    # Haystack dense with the needle's anchor byte ('#'): the prefilter must
    # give up and the fallback must carry on from where it stopped.
    rng = random.Random(seed)
    needle = bytes(rng.choices(b"#a", weights=[3, 1], k=k))
    hay = bytearray(rng.choices(b"#a", weights=[dense, 1.0 - dense + 1e-3], k=n))
    if plant:
        for _ in range(3):
            at = rng.randrange(0, n - k)
            hay[at:at + k] = needle
    hay = bytes(hay)
    assert S.find(hay, needle) == hay.find(needle)
    assert S.rfind(hay, needle) == hay.rfind(needle)
    assert S.count(hay, needle) == hay.count(needle)
    assert S.find_all(hay, needle, 7) == naive_find_all(hay, needle)
    for mode in FORCED:
        assert S.find(hay, needle, None, None, mode) == hay.find(needle)
        assert S.rfind(hay, needle, None, None, mode) == hay.rfind(needle)
    for mode in FORCED_PREFILTERS:
        assert S.count(hay, needle, None, None, mode) == hay.count(needle)
        assert S.find_all(hay, needle, 7, mode) == naive_find_all(hay, needle)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), period=st.integers(1, 6),
       reps=st.integers(2, 60), tail=st.integers(0, 5), n=st.integers(100, 5000))
def test_periodic_needles(seed, period, reps, tail, n):
    # Periodic needles drive the two-way "memory" variant.
    rng = random.Random(seed)
    unit = bytes(rng.choices(b"ab#", k=period))
    needle = (unit * reps + unit[:tail])[: max(2, period * reps + tail)]
    hay = bytearray(unit * (n // period + 1))
    for _ in range(rng.randrange(0, 6)):
        hay[rng.randrange(len(hay))] = rng.choice(b"ab#")
    check(bytes(hay), needle)


# ---------------------------------------------------------------------------
# Packed pair: block edges, short needles, repeated bytes, high bytes

def _extension_isas():
    """The instruction sets the built extension offers on this CPU, as its
    ImportError for an unknown FASTMMAP_ISA lists them (a FASTMMAP_PORTABLE
    build has only scalar, whatever the CPU runs)."""
    env = dict(env_with_package_path(), FASTMMAP_ISA="bogus")
    out = subprocess.run([sys.executable, "-c", "import fastmmap"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "ImportError: FASTMMAP_ISA='bogus': unknown" in out.stderr, \
        out.stderr
    listed = out.stderr.rsplit("(available here: ", 1)[1].split(")")[0].split()
    assert listed and listed[0] == "scalar" and set(listed) <= set(S.ISAS), (listed, S.ISAS)
    return tuple(listed)


def test_isa_env_switch():
    # FASTMMAP_ISA picks the kernels once, at import; a name this build or
    # CPU lacks fails the import instead of testing something else.
    isas = _extension_isas()
    probe = "import fastmmap, fastmmap._search as s; m = fastmmap.mmap(-1, 4096); " \
            "m[100:104] = b'ab#c'; print(s.isa, m.find(b'b#c'), m.rfind(b'#'))"
    for isa in isas + ("",):
        env = dict(env_with_package_path(), FASTMMAP_ISA=isa)
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == [isa or isas[-1], "101", "102"]
    missing = "neon" if "neon" not in isas else "avx2"
    env = dict(env_with_package_path(), FASTMMAP_ISA=missing)
    out = subprocess.run([sys.executable, "-c", "import fastmmap"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "not in this build or not run by this CPU" in out.stderr, \
        out.stderr


def test_isa():
    from fastmmap import _search
    # The library the tests drive uses the ISA the product chose.
    assert _search.isa == S.ISA
    assert S.ISA in S.ISAS
    assert S.ISAS[0] == "scalar"
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64") and len(S.ISAS) > 1:
        assert S.ISAS[1] == "sse2"
    if machine in ("aarch64", "arm64") and len(S.ISAS) > 1:
        assert S.ISAS[1:] == ("neon",)


# Lengths around the 16/32-byte blocks and the 64-candidate chunks.
EDGE_LENGTHS = sorted(set(range(20)) | {
    n + d for n in (32, 48, 64, 80, 96, 128, 192) for d in (-2, -1, 0, 1, 2)})

PAIR_NEEDLES = [
    b"a", b"\xff",
    # k == 2: offsets 0 and 1; equal bytes overlap themselves.
    b"ab", b"ba", b"aa", b"a#", b"#a", b"##", b"\x80\xff", b"\xff\x80", b"\xff\xff",
    b"\x00\x00", b"\x7f\x80",
    # k == 3: the block test covers the needle; x[0] == x[2] overlaps.
    b"aba", b"abb", b"aab", b"abc", b"a#a", b"#a#", b"aaa", b"\x7f\x80\x7f",
    b"\x00\xff\x00", b"\xfe\xff\x80",
    # Longer: verified candidates, repeated anchor bytes.
    b"abcd", b"a#b#", b"aaaa#", b"#aaaa", b"aa#aa", b"####", b"\x80" * 5 + b"\x81",
    b"xyz" * 6, ALL_BYTES[120:140], ALL_BYTES[250:] + ALL_BYTES[:12],
]


def _fillers(needle):
    absent = bytes([b for b in b"xq\x01\xfe" if b not in needle][:1])
    # Absent byte; then the needle's own bytes (partial matches everywhere).
    return [absent, needle[:1] * 2 + needle[-1:], needle[::-1]]


@pytest.mark.parametrize("needle", PAIR_NEEDLES)
def test_pair_every_position(needle):
    k = len(needle)
    for fill in _fillers(needle):
        for n in EDGE_LENGTHS:
            if n < k:
                continue
            base = (fill * (n // len(fill) + 1))[:n]
            check(base, needle, modes=PREFILTER_MODES)
            positions = range(n - k + 1) if n <= 100 else \
                sorted({0, 1, 15, 16, 31, 32, 33, 63, 64, n - k - 33, n - k - 32,
                        n - k - 16, n - k - 1, n - k})
            for at in positions:
                hay = base[:at] + needle + base[at + k:]
                check(hay, needle, modes=PREFILTER_MODES)


def test_pair_two_occurrences():
    # Pairs of occurrences, overlapping or not, anywhere in short haystacks.
    rng = random.Random(7)
    for needle in PAIR_NEEDLES:
        k = len(needle)
        for _ in range(60):
            n = rng.choice(EDGE_LENGTHS[20:])
            if n < 2 * k:
                continue
            fill = rng.choice(_fillers(needle))
            hay = bytearray((fill * (n // len(fill) + 1))[:n])
            for at in (rng.randrange(n - k + 1), rng.randrange(n - k + 1)):
                hay[at:at + k] = needle
            check(bytes(hay), needle, modes=PREFILTER_MODES)


def test_pair_random_offsets_into_blocks():
    # Haystack slices that start at every offset of a block, so loads are
    # unaligned in every way.
    rng = random.Random(3)
    big = bytes(rng.choices(b"ab#\x80\xff", weights=[8, 8, 1, 1, 1], k=4096))
    for needle in (b"ab#", b"#a", b"\x80\xff", b"ba" * 5, b"a#b", b"bb", b"\xffa"):
        for start in range(70):
            for end in (None, -1, -17, -33, -64):
                check(big, needle, start, end, modes=PREFILTER_MODES)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 700),
       k=st.integers(1, 20), dense=st.floats(0.0, 1.0),
       alphabet=st.sampled_from([b"ab", b"a#", b"\x80\xff", b"ab\x00", b"e \n"]))
def test_pair_random(seed, n, k, dense, alphabet):
    rng = random.Random(seed)
    needle = bytes(rng.choices(alphabet, k=k))
    hay = bytearray(rng.choices(alphabet, k=n))
    # Plant copies (possibly overlapping) at a chosen density.
    for _ in range(int(dense * n / max(k, 1))):
        if n >= k:
            at = rng.randrange(n - k + 1)
            hay[at:at + k] = needle
    check(bytes(hay), needle, modes=PREFILTER_MODES)


# ---------------------------------------------------------------------------
# find_all resume logic

@pytest.mark.parametrize("cap", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("hay,needle", [
    (b"aaaaaaaaaa", b"a"),
    (b"aaaaaaaaaa", b"aa"),
    (b"aaaaaaaaaaa", b"aaa"),
    (b"abcabcabcab", b"abc"),
    (b"x" * 50, b"y"),
    (b"ab" * 100, b"ab"),
    (ALL_BYTES * 4, ALL_BYTES[200:210]),
    (b"#a" * 3000, b"#a#"),
])
def test_find_all_small_caps(hay, needle, cap):
    expected = naive_find_all(hay, needle)
    for mode in MODES:
        assert S.find_all(hay, needle, cap, mode) == expected


# array typecode of Py_ssize_t
TYPECODE = "q" if struct.calcsize("P") == 8 else "i"
DENSE_NEEDLES = [b"e", b"\n", b"\xff", b"ab", b"aa", b"\xff\x80", b"aba", b"abc",
                 b"abcd", b"abab", b"e" * 20]


@pytest.mark.parametrize("needle", DENSE_NEEDLES)
def test_find_all_dense_caps(needle):
    # Matches packed together, back to back and a few bytes apart, so one
    # 64-candidate mask holds many of them and batches end mid-mask.
    rng = random.Random(len(needle))
    hay = b"".join(rng.choice([needle, needle, needle[:1], b"x", b"xy" * 20])
                   for _ in range(400))
    expected = naive_find_all(hay, needle)
    assert len(expected) > 100
    for cap in range(1, 65):
        for mode in PREFILTER_MODES:
            assert S.find_all(hay, needle, cap, mode) == expected, (cap, mode)


@pytest.mark.parametrize("needle", DENSE_NEEDLES)
def test_find_all_into_contract(needle):
    # One call: the first `cap` offsets, and resume one past the last match
    # (its offset + k) when the slots ran out, the haystack length when not.
    k = len(needle)
    hay = (needle + b"x" * 3) * 200 + needle * 160
    expected = naive_find_all(hay, needle)
    out = array.array(TYPECODE)
    for cap in (1, 2, 3, 7, 31, 63, 64, 65, 70, 200, 263, 264, 265, 300,
                len(expected) - 1, len(expected), len(expected) + 1, 5000):
        for mode in PREFILTER_MODES:
            # Slots past `cap` must stay untouched (junk may land only in
            # the caller's slots beyond the returned count).
            out = array.array(out.typecode, [-7]) * (cap + 300)
            w, resume = S.find_all_into(hay, needle, memoryview(out)[:cap], mode)
            assert out[cap:] == array.array(out.typecode, [-7]) * 300
            assert w == min(cap, len(expected))
            assert list(out[:w]) == expected[:w]
            if cap <= len(expected):
                assert resume == expected[cap - 1] + k
            else:
                assert resume == len(hay)


@pytest.mark.parametrize("byte", [b"\n", b"e", b"\xff", b"\x00"])
def test_find_all_byte_bulk(byte):
    # The 1-byte find_all writes whole 256-byte steps at once while the
    # slots left exceed a step's worth (264), and offset by offset after.
    rng = random.Random(byte[0])
    other = b"a"[0] if byte != b"a" else b"b"[0]
    for density in (0.0, 0.01, 0.05, 0.3, 0.9, 1.0):
        for n in (1, 255, 256, 257, 511, 512, 513, 1000, 4096 + 77):
            hay = bytes(byte[0] if rng.random() < density else other for _ in range(n))
            expected = [i for i, b in enumerate(hay) if b == byte[0]]
            for cap in (1, 63, 64, 65, 263, 264, 265, 266, 300, 1000, 5000):
                for mode in PREFILTER_MODES:
                    assert S.find_all(hay, byte, cap, mode) == expected, (n, cap, mode)
                    out = array.array(TYPECODE, [-7]) * (cap + 300)
                    w, _ = S.find_all_into(hay, byte, memoryview(out)[:cap], mode)
                    assert w == min(cap, len(expected))
                    assert out[cap:] == array.array(TYPECODE, [-7]) * 300


@pytest.mark.parametrize("byte", [b"\n", b"e", b"\x00"])
def test_copy_find_all_byte(byte):
    # copy_find_all_byte (lines() windows): a byte-exact copy, plus exactly
    # what one find_all call on that copy gives, whether the bulk loop stops
    # at the end of the data or for want of slots (then the rest is copied
    # as it is).
    rng = random.Random(byte[0] + 1)
    for density in (0.0, 0.0125, 0.3, 1.0):
        for n in (0, 1, 31, 255, 256, 257, 511, 1000, 4096 + 77, 65536):
            hay = bytes(byte[0] if rng.random() < density else rng.randrange(256)
                        for _ in range(n))
            for cap in (1, 2, 63, 264, 265, 1024, 70000):
                for mode in PREFILTER_MODES + ("none",):
                    copy, found, resume = S.copy_find_all_once(hay, byte, cap, mode)
                    assert copy == hay, (n, cap, mode)
                    assert (found, resume) == S.find_all_once(hay, byte, cap, mode), (
                        n, cap, mode)


def test_find_all_single_call_contract():
    hay = b"abcabcabc"
    assert S.find_all_once(hay, b"abc", 2) == ([0, 3], 6)
    assert S.find_all_once(hay, b"abc", 3) == ([0, 3, 6], 9)
    assert S.find_all_once(hay, b"abc", 4) == ([0, 3, 6], 9)
    assert S.find_all_once(hay, b"b", 2) == ([1, 4], 5)
    assert S.find_all_once(hay, b"zz", 2) == ([], 9)
    assert S.find_all_once(hay, b"abcabcabcX", 2) == ([], 9)
    assert S.find_all_once(b"", b"a", 2) == ([], 0)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), n=st.integers(0, 3000),
       k=st.integers(1, 6), cap=st.integers(1, 9),
       alphabet=st.sampled_from([b"ab", b"a#", b"#"]))
def test_find_all_random(seed, n, k, cap, alphabet):
    hay = _gen(seed, n, alphabet)
    needle = _gen(seed ^ 0x5A5A, k, alphabet)
    assert S.find_all(hay, needle, cap) == naive_find_all(hay, needle)


# ---------------------------------------------------------------------------
# Adversarial inputs: these finish quickly only if the kernels are linear
# (4 MiB x 256-byte needle would be ~10^9 byte comparisons if quadratic).

MIB4 = 4 << 20


@pytest.mark.parametrize("fill,needle", [
    (b"a", b"a" * 255 + b"b"),
    (b"a", b"b" + b"a" * 255),
    # Haystack full of the anchor byte: the prefilter has to bail out.
    (b"b", b"a" * 255 + b"b"),
    (b"b", b"b" + b"a" * 255),
    (b"#", b"#" * 255 + b"a"),
    (b"#", b"a" + b"#" * 255),
    (b"#", b"#" * 128 + b"a" + b"#" * 127),
])
def test_adversarial_linear(fill, needle):
    hay = fill * MIB4
    assert S.find(hay, needle) == -1
    assert S.rfind(hay, needle) == -1
    assert S.count(hay, needle) == 0
    assert S.find_all(hay, needle, 16) == []
    for mode in FORCED:
        assert S.find(hay, needle, None, None, mode) == -1
        assert S.rfind(hay, needle, None, None, mode) == -1
        assert S.count(hay, needle, None, None, mode) == 0
    for mode in FORCED_PREFILTERS:
        assert S.find_all(hay, needle, 16, mode) == []


def test_adversarial_match_at_the_far_end():
    needle = b"#" * 255 + b"a"
    hay = b"#" * MIB4 + b"a"
    assert S.find(hay, needle) == MIB4 - 255
    assert S.rfind(hay, needle) == MIB4 - 255
    assert S.count(hay, needle) == 1
    needle = b"a" + b"#" * 255
    hay = b"a" + b"#" * MIB4
    assert S.find(hay, needle) == 0
    assert S.rfind(hay, needle) == 0
    assert S.count(hay, needle) == 1


def assert_falls_back_and_absent(hay, needle, pair_path="fallback"):
    """Every op in the memchr mode trips the linear fallback, the packed
    pair takes `pair_path`, and the needle is found nowhere."""
    for op in ("find", "rfind", "count", "find_all"):
        assert S.path(hay, needle, op, MEMCHR) == "fallback"
        for mode in PAIR_EACH + ((AUTO,) if PAIRED else ()):
            assert S.path(hay, needle, op, mode) == pair_path
    assert S.find(hay, needle) == -1
    assert S.rfind(hay, needle) == -1
    assert S.count(hay, needle) == 0


def test_adversarial_near_misses_every_block():
    # The anchor and the second check pass everywhere and the confirmation
    # fails late: charged work must trip the fallback (a needle of one
    # byte value leaves the packed pair no other probe to choose).
    needle = b"#" * 200
    hay = (b"#" * 199 + b"a") * (MIB4 // 200)
    assert_falls_back_and_absent(hay, needle)


def test_long_partial_matches_at_sparse_candidates():
    # One candidate every 32 bytes (too sparse to trip the per-candidate
    # charge), but each confirmation runs 4 KiB before failing: without
    # charging confirmed bytes this costs n * k / 32 comparisons.  The
    # packed pair then adds the offset where they failed to its probes.
    unit = b"\x01" + b"e" * 30 + b" "
    # The odd byte out is one the haystack has, so neither the sample nor
    # the second check rules the candidates out.
    needle = unit * 127 + b"\x01" + b"e" * 31
    hay = unit * (MIB4 // 32)
    assert_falls_back_and_absent(hay, needle, "pair")
    hay = hay + needle
    assert S.find(hay, needle) == len(hay) - len(needle)
    assert S.rfind(hay, needle) == len(hay) - len(needle)
    assert S.count(hay, needle) == 1


def test_paths():
    text = b"the quick brown fox jumps over the lazy dog\n" * 20000
    pair = "pair" if PAIRED else "prefilter"
    # A rare anchor byte (digit, '#'): the memchr prefilter runs to the end,
    # by default too.  The forced packed pair runs on every ISA.
    for mode, expect in ((AUTO, "prefilter"), (MEMCHR, "prefilter"),
                         *((m, "pair") for m in PAIR_EACH)):
        assert S.path(text, b"the 5 fox", "find", mode) == expect
        assert S.path(text, b"#quick", "rfind", mode) == expect
        assert S.path(text, b"lazy 7", "count", mode) == expect
        assert S.path(text, b"lazy 7", "find_all", mode) == expect
    # Letters only: mode 0 goes straight to the packed pair.
    for op in ("find", "rfind", "count", "find_all"):
        assert S.path(text, b"lazy dog", op) == pair
        assert S.path(text, b"lazy dog", op, MEMCHR) == "prefilter"
    # Common bytes only, but the block test needs several at fixed
    # distances: the packed pair keeps going where memchr gives up.
    for op in ("find", "rfind", "count", "find_all"):
        if op in ("count", "find_all"):
            assert S.path(text, b" the ", op, MEMCHR) == "fallback"
        for needle in (b"the lazy cat", b" the "):
            if PAIRED:
                for mode in (AUTO,) + PAIR_EACH:
                    assert S.path(text, needle, op, mode) == "pair"
    # The anchors come from a sample of the bytes the scan reads first: it
    # sees the dense '#' at either end of `hay`, so the anchor is the 'y'
    # and the memchr prefilter runs to the end (rfind on hay, find on it
    # reversed).  Where the sample missed it (the other direction), the
    # anchor '#' turns out dense further on and the memchr prefilter hands
    # over to the packed pair.  The results are right across the hand-over.
    hay = b"x" * 70_000 + b"#x" * 30_000 + b"#" * 30_000
    for needle in (b"#y", b"y#", b"##y", b"#" * 40 + b"y"):
        assert S.path(hay, needle, "rfind") == "prefilter"
        assert S.path(hay[::-1], needle, "find") == "prefilter"
        if PAIRED:
            for op in ("find", "count", "find_all"):
                assert S.path(hay, needle, op) == "pair"
            assert S.path(hay[::-1], needle, "rfind") == "pair"
    for needle in (b"#y", b"y#", b"##y", b"#" * 5 + b"xxxy", b"#" * 40 + b"y"):
        for h in (hay, hay[::-1], hay + needle, needle + hay[::-1]):
            check(h, needle, modes=PREFILTER_MODES)
    # Haystack full of the anchor byte but not of the second one, after a
    # sample that held neither: the memchr prefilter chooses its anchor
    # again from the bytes it read and keeps going at memchr speed; the
    # packed pair never sees a candidate.
    for op in ("find", "count"):
        for needle in (b"#" * 10 + b"a", b"a" + b"#" * 10):
            hay = b"x" * 70_000 + b"#" * 100_000
            assert S.path(hay, needle, op, MEMCHR) == "reanchored"
            assert S.path(hay, needle, op) == ("pair" if PAIRED else "reanchored")
            assert S.path(hay[::-1], needle, "rfind", MEMCHR) == "reanchored"
            # A sample of '#' alone anchors on 'a' from the start.
            assert S.path(b"#" * 100_000, needle, op) == "prefilter"
    # Both bytes dense: the memchr prefilter falls back.  The packed pair's
    # failed candidates name the needle offset where they differ (part of
    # the "##" the haystack lacks), its probes are chosen again to include
    # it, and it runs on without a candidate.
    pair_modes = ((AUTO,) if PAIRED else ()) + PAIR_EACH
    for hay, needles in ((b"#a" * 50_000, (b"#a" * 5 + b"##", b"##" + b"#a" * 5)),
                         (b"#a#" * 50_000, (b"#" * 10 + b"aa",)),
                         (b"x" * 70_000 + b"#" * 50_000 + b"#a" * 50_000 + b"#" * 50_000,
                          (b"#" * 10 + b"aa",))):
        for needle in needles:
            for op in ("find", "rfind", "count", "find_all"):
                assert S.path(hay, needle, op, MEMCHR) == "fallback"
                for mode in pair_modes:
                    assert S.path(hay, needle, op, mode) == "pair"
            check(hay, needle)
    # Dense true matches are no reason for the packed pair to give up (they
    # pay for themselves), whatever the needle length.
    for needle in (b"ab", b"abc", b"abcd", b"abcdefghijklmnopq"):
        hay = needle * 20_000
        for op in ("count", "find_all"):
            for mode in (AUTO,) + PAIR_EACH:
                if PAIRED:
                    assert S.path(hay, needle, op, mode) == "pair"


def _log_lines(n, seed):
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < n:
        out += (b"2026-11-%02dT%02d:%02d:%02dZ INFO [api-%d] req=%08x status=%d "
                b"user=u%06d\n"
                % (rng.randrange(1, 29), rng.randrange(24), rng.randrange(60),
                   rng.randrange(60), rng.randrange(9), rng.getrandbits(32),
                   rng.choice((200, 404, 500)), rng.randrange(10 ** 6)))
    return bytes(out[:n])


@pytest.mark.parametrize("k", [256, 300, 543, 1000, 2100, 4200])
def test_skip_search(k):
    # Long needles in long haystacks: find and rfind skip along
    # checkpoints; the first and the last of several occurrences, and an
    # absent needle that matches the text but for one byte.
    hay = bytearray(_log_lines(max(64 * k, 1 << 18), k))
    n = len(hay)
    needle = bytes(hay[n // 3:n // 3 + k])
    for at in (n // 5 + 7, n - k - 3, n // 2 + 13):
        hay[at:at + k] = needle
    hay = bytes(hay)
    assert S.path(hay, needle, "find") == "skip"
    assert S.path(hay, needle, "rfind") == "skip"
    check(hay, needle, modes=(AUTO, SKIP, MEMCHR))
    absent = needle[:k // 2] + bytes([needle[k // 2] ^ 1]) + needle[k // 2 + 1:]
    for op in ("find", "rfind"):
        assert S.path(hay, absent, op) == "skip"
    check(hay, absent, modes=(AUTO, SKIP, MEMCHR))
    # Occurrences at the very ends.
    for h in (needle + hay, hay + needle, needle + hay + needle):
        check(h, needle, modes=(AUTO, SKIP))


def test_skip_search_gives_way_to_the_scan():
    # Periodic needle and haystack: every checkpoint's gram is in the
    # needle and verifications run long, so the skip search hands the rest
    # to the linear paths; the answers stay right.
    for k in (256, 600, 4100):
        hay = (b"abcdefgh" * (1 << 15))[:-1] + b"x" + b"abcdefgh" * 4096
        needle = (b"abcdefgh" * 600)[:k - 1] + b"y"
        for op in ("find", "rfind"):
            assert S.path(hay, needle, op) != "skip"
        check(hay, needle, modes=(AUTO, SKIP))
        needle = (b"abcdefgh" * 600)[:k]
        check(hay, needle, modes=(AUTO, SKIP))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), k=st.integers(64, 1300),
       n=st.integers(0, 30_000), plants=st.integers(0, 4),
       alphabet=st.sampled_from([b"ab", b"abc#", b"e \n", ALL_BYTES]))
def test_skip_random(seed, k, n, plants, alphabet):
    # The forced skip search on short haystacks: every needle offset is a
    # candidate somewhere, chains hold repeated grams, and near misses
    # (one byte changed) sit next to true occurrences.
    rng = random.Random(seed)
    needle = bytes(rng.choices(alphabet, k=k))
    hay = bytearray(rng.choices(alphabet, k=n))
    for _ in range(plants):
        if n >= k:
            at = rng.randrange(n - k + 1)
            hay[at:at + k] = needle
            if rng.random() < 0.5:
                hay[at + rng.randrange(k)] ^= 1
    check(bytes(hay), needle, modes=(SKIP, AUTO))


def test_reanchor_then_fallback_results():
    rng = random.Random(5)
    for _ in range(30):
        n = rng.randrange(10_000, 60_000)
        # Dense '#', then a stretch dense with both bytes.
        cut = rng.randrange(n)
        hay = bytearray(b"#" * cut + bytes(rng.choices(b"#a", k=n - cut)))
        k = rng.randrange(2, 40)
        needle = bytes(rng.choices(b"#a", weights=[4, 1], k=k))
        for _ in range(rng.randrange(3)):
            at = rng.randrange(n - k)
            hay[at:at + k] = needle
        hay = bytes(hay)
        check(hay, needle, modes=PREFILTER_MODES)
        check(hay[::-1], needle, modes=PREFILTER_MODES)
        for mode in PREFILTER_MODES:
            assert S.find_all(hay, needle, 3, mode) == naive_find_all(hay, needle)


def test_count_byte_block_boundaries():
    # The vector count folds 8-bit lane counters every 255 iterations.
    for n in (0, 1, 31, 32, 63, 64, 65, 255 * 64 - 1, 255 * 64, 255 * 64 + 1,
              2 * 255 * 64 + 77, 100_003):
        for fill in (b"\n", b"\xff", b"\x80"):
            hay = fill * n
            assert S.count(hay, fill) == n
            assert S.count(hay, b"\x7f") == 0
            for a in (0, 1, 3):
                assert S.count(hay, fill, a, None) == max(0, n - a)


# ---------------------------------------------------------------------------
# Guard pages: see tests/test_guard_pages.py (the kernels on real fastmmap
# maps) and tests/csrc/harness.c (every configuration, at PROT_NONE pages).
