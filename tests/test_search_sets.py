"""The set search (fm_set_*: any of several needles, optionally ignoring
ASCII case) against a naive leftmost-longest oracle.

The engine is reached through tests/search_engine.py (ctypes on a library
built from the same C sources), one named configuration per set:
  auto@ISA   the candidate kernels (packed pair ignoring case, Teddy) of
             each instruction set this CPU runs, the portable one included,
             handing over to the automaton when they stop paying;
  none       the automaton alone, as a full table and (dense=False) as
             sparse edges with failure links.
tests/csrc/harness_sets.h checks the same in C at PROT_NONE pages and under
qemu-aarch64 for NEON.
"""
import random
import re
import time

import pytest
import search_engine as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(not S.AVAILABLE, reason=S.WHY)

PREFILTERED = ("auto",) + tuple("auto@" + isa for isa in S.ISAS)
CONFIGS = PREFILTERED + ("none",)


def oracle(hay, needles, fold):
    """(matches, last): the non-overlapping leftmost-longest matches as
    (offset, index), and the rightmost start as (offset, length, index) or
    None; the lowest index among equal needles."""
    h = hay.lower() if fold else hay            # bytes.lower: ASCII only
    xs = [x.lower() if fold else x for x in needles]

    def best(p):
        b = None
        for i, x in enumerate(xs):
            if h.startswith(x, p) and (b is None or len(x) > len(xs[b])):
                b = i
        return b

    matches, p = [], 0
    while p < len(h):
        b = best(p)
        if b is None:
            p += 1
        else:
            matches.append((p, b))
            p += len(xs[b])
    for p in range(len(h) - 1, -1, -1):
        b = best(p)
        if b is not None:
            return matches, (p, len(xs[b]), b)
    return matches, None


def regex_oracle(hay, needles, fold):
    """The same through `re` (alternatives longest first make its
    leftmost-first choice leftmost-longest), for sets too large for the
    naive one; the rightmost start is not computed."""
    key = (lambda x: x.lower()) if fold else (lambda x: x)
    first = {}
    for i, x in enumerate(needles):
        first.setdefault(key(x), i)
    alts = sorted(first, key=len, reverse=True)
    pat = re.compile(b"|".join(map(re.escape, alts)), re.IGNORECASE if fold else 0)
    return [(m.start(), first[key(m.group())]) for m in pat.finditer(hay)]


def check(hay, needles, fold=False, configs=CONFIGS, caps=(1, 3, 1024)):
    matches, last = oracle(hay, needles, fold)
    for cfg in configs:
        for dense in ((True, False) if cfg == "none" else (True,)):
            s = S.Set(needles, fold, cfg, dense)
            where = (hay[:60], needles[:6], fold, cfg, dense)
            first = matches[0] if matches else None
            got = s.find(hay)
            assert got == ((first[0], len(needles[first[1]]), first[1]) if first
                           else (-1, None, None)), where
            assert s.rfind(hay) == (last or (-1, None, None)), where
            assert s.count(hay) == len(matches), where
            for cap in caps:
                assert s.find_all(hay, cap) == matches, (where, cap)
    return matches


# ---------------------------------------------------------------------------
# Hand-picked seeds

SEEDS = [
    (b"", [b"a"], False),
    (b"a", [b"ab"], False),
    (b"abc", [b"abc"], False),
    (b"xabcx", [b"a", b"ab", b"abc"], False),           # prefixes: longest wins
    (b"abcabd", [b"abd", b"abc", b"ab"], False),
    (b"aaaa", [b"aa", b"a"], False),
    (b"aaaaa", [b"aa", b"aaa"], False),
    (b"abcd", [b"bcd", b"abc"], False),                   # leftmost before longer
    (b"abcd", [b"b", b"abcd", b"abc"], False),
    (b"xyzxyz", [b"yz", b"yz", b"z"], False),             # duplicates: lowest index
    (b"The THE the tHe", [b"the"], True),
    (b"The THE the tHe", [b"THE", b"the"], True),         # fold-equal: lowest index
    (b"@[`{ `@{[", [b"`", b"{"], True),                   # not letters: exact
    (b"@[`{ `@{[", [b"@", b"["], True),
    (b"\xc1\xe1 aA", [b"\xe1"], True),                    # >= 0x80: exact
    (b"\xc1\xe1 aA", [b"a"], True),
    (b"ab\nAB\n", [b"b\na", b"B\n"], True),
    (b"mississippi", [b"issi", b"ssi", b"sip", b"ppi"], False),
    (b"MISSISSIPPI", [b"issi", b"ssip"], True),
    (bytes(range(256)) * 2, [bytes([b]) for b in range(0, 256, 17)], False),
    (bytes(range(256)) * 2, [b"abc", b"XYZ", b"\x00\x01"], True),
]


@pytest.mark.parametrize("hay,needles,fold", SEEDS)
def test_seeds(hay, needles, fold):
    check(hay, needles, fold)


def test_strategy():
    assert S.Set([b"ab"]).strategy == "one"
    assert S.Set([b"ab", b"ab"]).strategy == "one"
    assert S.Set([b"12"], fold=True).strategy == "one"     # no letter to fold
    assert S.Set([b"the"], fold=True).strategy == "pair-exact"
    assert S.Set([b"aba"], fold=True).strategy == "pair"   # overlaps itself
    assert S.Set([b"the cat"], fold=True).strategy == "pair"
    assert S.Set([b"ab", b"AB"], fold=True).strategy == "pair-exact"
    assert S.Set([b"ab", b"cd"]).strategy == "teddy"
    assert S.Set([bytes([i, j]) for i in b"abcdefgh" for j in b"ab"]).strategy == "teddy"
    assert S.Set([b"%d" % i for i in range(100)]).strategy == "automaton"


def test_size_len_match_at():
    needles = [b"Foo", b"bar", b"foo", b"x"]
    for fold in (False, True):
        for cfg in ("auto", "none"):
            s = S.Set(needles, fold, cfg)
            assert s.size() == 4
            assert [s.len(i) for i in range(4)] == [3, 3, 3, 1]
            assert s.len(4) == -1 and s.len(-1) == -1
            assert s.match_at(0, b"Foo!") and s.match_at(1, b"bar")
            assert s.match_at(2, b"FOO") == fold
            assert s.match_at(0, b"foo") == fold
            assert not s.match_at(0, b"Fo")            # shorter than the needle
            assert not s.match_at(4, b"Foo") and not s.match_at(-1, b"Foo")


def test_bad_arguments():
    with pytest.raises(ValueError):
        S.Set([])
    with pytest.raises(ValueError):
        S.Set([b"a", b""])


def test_find_all_contract():
    s = S.Set([b"ab", b"abc", b"c"])
    hay = b"abcab" * 3
    assert s.find_all_once(hay, 2) == ([0, 3], [1, 0], 5)
    assert s.find_all_once(hay, 100) == ([0, 3, 5, 8, 10, 13], [1, 0, 1, 0, 1, 0], 15)
    assert s.find_all_once(hay, 2, which=False) == ([0, 3], None, 5)
    assert s.find_all_once(hay, 0) == ([], [], 0)
    assert s.find_all_once(b"", 4) == ([], [], 0)


# ---------------------------------------------------------------------------
# Property tests

ALPHABETS = [b"ab", b"abc", b"aAbB", b"aA@[`{zZ", b"the \n", b"\x00\xff\x80a",
             b"eEtT "]


def _swapcase_some(rng, x):
    return bytes(c ^ 0x20 if (c | 0x20) in range(97, 123) and rng.random() < 0.5 else c
                 for c in x)


@st.composite
def sets(draw, max_needles=10, max_len=8, max_hay=300):
    seed = draw(st.integers(0, 2**32))
    rng = random.Random(seed)
    alphabet = draw(st.sampled_from(ALPHABETS))
    fold = draw(st.booleans())
    needles = []
    for _ in range(draw(st.integers(1, max_needles))):
        if needles and rng.random() < 0.3:
            # A prefix, an extension, a duplicate or a case variant.
            o = rng.choice(needles)
            how = rng.randrange(4)
            if how == 0:
                needles.append(o[:rng.randint(1, len(o))])
            elif how == 1:
                needles.append(o + bytes(rng.choices(alphabet, k=rng.randint(1, 3))))
            elif how == 2:
                needles.append(o)
            else:
                needles.append(_swapcase_some(rng, o))
        else:
            needles.append(bytes(rng.choices(alphabet, k=rng.randint(1, max_len))))
    hay = bytearray(rng.choices(alphabet, k=draw(st.integers(0, max_hay))))
    for _ in range(rng.randrange(6)):
        x = rng.choice(needles)
        if len(x) <= len(hay):
            at = rng.randrange(len(hay) - len(x) + 1)
            hay[at:at + len(x)] = _swapcase_some(rng, x) if fold else x
    return bytes(hay), needles, fold


@settings(max_examples=300, deadline=None)
@given(case=sets())
def test_random_sets(case):
    check(*case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sets(max_needles=80, max_len=5, max_hay=2500))
def test_random_larger_sets(case):
    # Teddy's shared buckets (9..64 distinct needles) and the automaton.
    check(*case, caps=(7, 4096))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), fold=st.booleans(), k=st.integers(1, 40),
       n=st.integers(0, 5000))
def test_one_needle_ignoring_case(seed, fold, k, n):
    # The folded packed pair: mixed case everywhere, needles planted.
    rng = random.Random(seed)
    alphabet = b"aAbB@[`{\x80 "
    needle = bytes(rng.choices(alphabet, k=k))
    hay = bytearray(rng.choices(alphabet, k=n))
    for _ in range(rng.randrange(5)):
        if k <= n:
            at = rng.randrange(n - k + 1)
            hay[at:at + k] = _swapcase_some(rng, needle)
    check(bytes(hay), [needle], True, caps=(1, 64))


def test_dense_and_sparse_candidates():
    # Candidate density changing along the haystack: the kernels' dense
    # (branch-free) and sparse steps, and the hand-overs between them.
    rng = random.Random(11)
    text = bytearray()
    for i in range(40):
        part = (b"The " * 300) if i % 3 == 0 else bytes(rng.choices(b"xyz ", k=2000))
        text += part
    hay = bytes(text)
    # Past 32 KiB of frequent candidates a count of a needle the pair's
    # bytes cover tallies them ("THE ", "he T"), and Teddy widens its test
    # to four bytes (needles of four and more sharing "the" or "xyz").
    for needles, fold in (([b"the"], True), ([b"THE "], True), ([b"he T"], True),
                          ([b"e"], True), ([b"the", b"xyz"], False),
                          ([b"The", b"zz", b"y "], True),
                          ([b"the x", b"the T", b"xyzy", b"the "], False),
                          ([b"THE T", b"xyzzy", b"zyx z"], True)):
        check(hay, needles, fold, caps=(1000,))


# ---------------------------------------------------------------------------
# Large sets, long needles

def _words(rng, count, alphabet=b"abcdefghijklmnopqrstuvwxyz", lo=3, hi=10):
    return [bytes(rng.choices(alphabet, k=rng.randint(lo, hi))) for _ in range(count)]


@pytest.mark.parametrize("count", [65, 300, 1500])
@pytest.mark.parametrize("fold", [False, True])
def test_many_needles(count, fold):
    # grep -F -f words.txt: the automaton, both forms.
    rng = random.Random(count)
    needles = _words(rng, count)
    if fold:
        needles = [_swapcase_some(rng, x) for x in needles]
    hay = bytearray(rng.choices(b"abcdefghijklmnopqrstuvwxyz ", k=200_000))
    for _ in range(500):
        x = rng.choice(needles)
        at = rng.randrange(len(hay) - len(x))
        hay[at:at + len(x)] = _swapcase_some(rng, x) if fold else x
    hay = bytes(hay)
    expected = regex_oracle(hay, needles, fold)
    assert len(expected) >= 500
    for cfg, dense in (("auto", True), ("none", True), ("none", False)):
        s = S.Set(needles, fold, cfg, dense)
        assert s.count(hay) == len(expected)
        assert s.find_all(hay, 777) == expected
        p, ln, i = s.find(hay)
        assert (p, i) == expected[0] and ln == len(needles[i])


def test_needle_longer_than_the_window():
    # The automaton's window grows to the longest needle (4096 by default).
    long = b"a" * 6000 + b"b"
    needles = [long, b"ab", b"aab", b"ba"]
    hay = b"a" * 20_000 + long + b"a" * 3 + b"b" + b"a" * 9000 + b"ba"
    for fold in (False, True):
        matches = check(hay, needles, fold, configs=("none", "auto"), caps=(2, 100))
        assert (20_000, 0) in matches


# ---------------------------------------------------------------------------
# Adversarial inputs: these finish quickly only if the searches are linear

MIB = 1 << 20


@pytest.mark.parametrize("fold", [False, True])
def test_adversarial_prefix_runs(fold):
    # Needles a^i b over a^n: every candidate fails late; a forward
    # automaton resuming after each leftmost-longest match would be
    # quadratic with "a" in the set (each "a" must wait for the longest
    # needle starting there to die).
    needles = [b"a" * i + b"b" for i in range(1, 200)]
    hay = (b"A" if fold else b"a") * (4 * MIB)
    for cfg in ("auto", "none"):
        s = S.Set(needles, fold, cfg)
        assert s.count(hay) == 0 and s.find(hay)[0] == -1 and s.rfind(hay)[0] == -1
        assert s.path(hay, "count") == "fallback"
    needles = [b"a", b"a" * 1000 + b"b"]
    s = S.Set(needles, fold)
    t0 = time.perf_counter()
    assert s.count(hay) == len(hay)
    assert s.find_all_once(hay, 5) == ([0, 1, 2, 3, 4], [0] * 5, 5)
    assert s.rfind(hay) == (len(hay) - 1, 1, 0)
    # Linear: a few passes over 4 MiB, not 4 Gi steps.
    assert time.perf_counter() - t0 < 30


def test_prefilter_hands_over_on_near_misses():
    # Teddy's candidates all fail after many bytes: the budget gives the
    # rest to the automaton, and the answers stay right across it.
    needles = [b"x" * 30 + b"1", b"x" * 31 + b"2", b"yyy"]
    hay = b"x" * 100_000 + b"x" * 31 + b"2" + b"yyy"
    for cfg in PREFILTERED:
        s = S.Set(needles, False, cfg)
        assert s.path(hay, "count") == "fallback"
        assert s.find_all(hay) == [(100_000, 1), (100_032, 2)]
        assert s.find(hay) == (100_000, 32, 1)
        assert s.rfind(hay) == (100_032, 3, 2)
    # Rare candidates keep the prefilter to the end.
    text = b"the quick brown fox jumps over the lazy dog\n" * 2000
    for cfg in PREFILTERED:
        assert S.Set([b"lazy cat", b"quick fox"], False, cfg).path(text, "count") == "pair"
        assert S.Set([b"LAZY cat"], True, cfg).path(text, "find_all") == "pair"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), count=st.integers(2, 24), fold=st.booleans())
def test_frequent_candidates_widen(seed, count, fold):
    # Needles sharing their first bytes with text that holds those bytes
    # every few dozen bytes: past 32 KiB Teddy compares a fourth byte in
    # its main test (and the offset it compares at may be past 0).
    rng = random.Random(seed)
    head = bytes(rng.choices(b"abcAB", k=rng.randint(0, 2)))
    needles = [head + b"abc" + bytes(rng.choices(b"abcdAB", k=rng.randint(1, 8)))
               for _ in range(count)]
    hay = bytearray(rng.choices(b"abcdxAB", k=60_000))
    i = 0
    while i + 16 < len(hay):
        x = rng.choice(needles)
        hay[i:i + len(x)] = x[:len(head) + 3] if rng.random() < 0.6 else x
        i += 16 + rng.randrange(200)
    hay = bytes(hay)
    expected = S.Set(needles, fold, "none").find_all(hay)
    for cfg in PREFILTERED:
        s = S.Set(needles, fold, cfg)
        assert s.count(hay) == len(expected), cfg
        assert s.find_all(hay, 4096) == expected, cfg
