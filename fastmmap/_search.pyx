# Search kernels behind find/rfind/count/find_all (interface: _search.pxd).
#
# Strategy for needles of two bytes or more:
#
# * Packed pair (x86-64 with GCC or Clang; _kernels.h).  Compare a 32-byte
#   (AVX2, picked at run time) or 16-byte (SSE2) block of the haystack at
#   three needle offsets against the needle's bytes there (the two rarest by
#   fastmmap_byte_rank, at different offsets, and the next rarest), AND the
#   results and verify only the positions that survive.  A needle whose
#   bytes are each common (b" the ") still rarely matches at all three
#   offsets, so the scan runs at memory bandwidth.  Needles of 2 or 3 bytes
#   that cannot overlap are fully compared by the block test: their matches
#   are counted or written straight from the bit masks.  find, count and
#   find_all scan forwards, rfind backwards.  A 1-byte find_all uses the
#   same block compare and writes the offsets of the set bits.
#
# * Memchr prefilter (the other platforms, and mode 4).  Anchor on the
#   needle byte that fastmmap_byte_rank says is rarest, let memchr/memrchr
#   (SIMD in every libc that matters) skip to its next occurrence, test a
#   second rare byte, then confirm with memcmp.  On real data the anchor
#   byte is usually absent or sparse, so the scan runs at memchr speed.
#
# * Budget.  Every candidate costs a libc call or a verification, and a
#   failed confirmation can cost up to k byte comparisons, so a haystack
#   dense with candidates would make a prefilter slow (and, with long
#   needles, quadratic).  Both prefilters therefore charge each failed
#   candidate a fixed cost plus the bytes its confirmation found equal, and
#   once the charge exceeds the bytes scanned (plus a warm-up allowance) the
#   packed pair hands over for good to a worst-case linear matcher; the
#   memchr prefilter first swaps anchor and second byte (once, when the
#   second byte has proved rare in this haystack: the static table guessed
#   wrong).  True matches are not charged: non-overlapping scans resume past
#   them.  Total work: a constant times the scanned length, plus the
#   fallback's.
#
# * Fallback.  Needles of up to 8 bytes: one word compare per window.
#   Longer ones: Crochemore-Perrin two-way string matching in both directions
#   (a reverse search is the forward algorithm run on the reversed needle and
#   haystack), with a Horspool-style skip on the window's edge byte that is
#   only taken when the periodic variant holds no memory, so that the linear
#   bound is preserved.  A one-shot forward find hands over to glibc's memmem
#   instead, which is two-way based too and tuned; other libcs make no
#   linearity promise for memmem, so they use the built-in two-way.  count
#   and find_all keep one matcher state across matches (set-up paid once).

from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release
from cpython.buffer cimport PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_C_CONTIGUOUS
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.bytes cimport PyBytes_AS_STRING

from fastmmap._offsets cimport OffsetBuffer, reserve_offsets
from fastmmap._posix cimport memchr, memmem, memcmp, memcpy, fastmmap_memrchr

ctypedef unsigned char uchar

cdef extern from "_kernels.h" nogil:
    const unsigned char fastmmap_byte_rank[256]
    size_t fastmmap_count_byte(const unsigned char *p, size_t n,
                               unsigned char c)
    size_t fastmmap_common_prefix(const unsigned char *a,
                                  const unsigned char *b, size_t n)
    size_t fastmmap_common_suffix(const unsigned char *a_end,
                                  const unsigned char *b_end, size_t n)
    void fastmmap_prefetch(const void *p, Py_ssize_t delta)
    Py_ssize_t fastmmap_short_find(const unsigned char *y, size_t n,
                                   const unsigned char *x, size_t k,
                                   Py_ssize_t lo, Py_ssize_t hi)
    size_t fastmmap_short_count(const unsigned char *y, size_t n,
                                const unsigned char *x, size_t k,
                                Py_ssize_t lo)
    Py_ssize_t fastmmap_short_rfind(const unsigned char *y, size_t n,
                                    const unsigned char *x, size_t k,
                                    Py_ssize_t lo, Py_ssize_t hi)
    enum:
        FASTMMAP_MEMMEM_IS_LINEAR
        FASTMMAP_HAVE_PAIR
        FASTMMAP_PAIR_DONE
        FASTMMAP_PAIR_FULL
        FASTMMAP_PAIR_BUDGET
    ctypedef struct fastmmap_pair:
        const uchar *x
        size_t k
        size_t i1, i2, i3
        uchar c1, c2, c3
        int isa
        Py_ssize_t origin, work, allow
        Py_ssize_t *out
        size_t cap, found
        Py_ssize_t resume
    int fastmmap_isa()
    int fastmmap_pair_forward(fastmmap_pair *st, const uchar *y, size_t n,
                              Py_ssize_t pos)
    int fastmmap_pair_reverse(fastmmap_pair *st, const uchar *y,
                              Py_ssize_t hi)
    size_t fastmmap_byte_all(uchar *dst, const uchar *y, size_t n, uchar c,
                             Py_ssize_t *out, size_t cap, size_t *resume,
                             int isa)

# Charge for one prefilter candidate, in "bytes scanned" units: a memchr call
# that stops after a few dozen bytes costs about as much as scanning that many
# bytes at full speed, so one candidate per CANDIDATE_COST bytes is where the
# prefilter stops paying for itself.
cdef enum:
    CANDIDATE_COST = 32
# Confirmation granularity: a mismatch is charged at most this many bytes
# beyond the part proven equal.
cdef enum:
    VERIFY_BLOCK = 32
# Needles up to this length fall back to a word-compare scan (one 8-byte
# compare per window) instead of two-way.
cdef enum:
    SHORT_NEEDLE = 8
# How far ahead of the two-way window to prefetch (bytes).
cdef enum:
    PREFETCH_AHEAD = 1024
# Warm-up allowance before the budget is enforced (constant + per needle byte,
# so the fallback's O(k) set-up is not paid on short, uneventful haystacks).
cdef enum:
    WARMUP_BASE = 2048
    WARMUP_PER_BYTE = 16
# Anchor bytes ranked at most this rare (control bytes, most symbols,
# digits, non-ASCII) start with the memchr prefilter even where the packed
# pair exists: one compare per byte, and libc's memchr runs faster than the
# three-offset block test when the byte is indeed absent or sparse.  A
# haystack dense with it hands over to the packed pair.
cdef enum:
    MEMCHR_RANK = 100


ctypedef struct TwoWay:
    # The needle (read forwards or backwards) splits at a critical position
    # into left = x[0:ell+1] and right = x[ell+1:k].
    Py_ssize_t ell
    # Shift after a full right-part match: the needle's period when the
    # needle is periodic (with memory), else a safe lower bound of it.
    Py_ssize_t per
    bint periodic
    # Shift keyed by the byte at the window's far edge (0 = edge byte matches
    # the needle's, so compare).
    Py_ssize_t skip[256]


ctypedef struct Finder:
    const uchar *x
    Py_ssize_t k
    Py_ssize_t i1, i2          # anchor and second-check offsets in the needle
    Py_ssize_t i3              # third offset the packed pair compares
    uchar c1, c2
    Py_ssize_t origin          # where the scan began (start, or end for rfind)
    Py_ssize_t work            # charged work since origin
    Py_ssize_t allow           # warm-up allowance
    Py_ssize_t cands           # candidates since the last (re)anchoring
    Py_ssize_t pass2           # ... of which passed the second check
    bint reanchored            # anchor and second check swapped once
    bint fallback              # prefilter abandoned
    int isa                    # packed-pair blocks: 0 none, 1 SSE2, 2 AVX2
    bint memchr_first          # memchr prefilter before the packed pair
    bint switch                # ... which then handed over to it at `stop`
    Py_ssize_t stop
    bint paired                # the packed-pair scan ran
    bint use_short             # word-compare fallback for k <= SHORT_NEEDLE
    bint use_memmem            # libc memmem for a one-shot forward fallback
    bint tw_ready
    TwoWay tw


# ---------------------------------------------------------------------------
# Needle analysis

cdef inline void _pick_anchors(Finder *f) noexcept nogil:
    """Choose, in one pass over the needle:

    * i1: the rarest byte (first offset of the lowest rank);
    * i2: the rarest byte of another value (same rule): the same value at
      another offset filters much less on data where that byte comes in
      runs;
    * i3: the rarest byte at an offset other than i1 and i2 (i2 itself when
      k == 2).  The packed-pair scan compares it too, which cuts candidates
      sharply when the two rarest bytes form a common pair (b"th" in
      b" the ").

    i3 comes from the three lowest ranks overall (t1 <= t2 <= t3, first
    offset on ties): t1 is i1, and t2 or t3 is the best offset that is
    neither i1 nor i2."""
    cdef const uchar *x = f.x
    cdef Py_ssize_t k = f.k, i, t1 = 0, t2 = -1, t3 = -1, ib = -1, i2, i3
    cdef int r, r1 = fastmmap_byte_rank[x[0]], r2 = 256, r3 = 256, rb = 256
    for i in range(1, k):
        r = fastmmap_byte_rank[x[i]]
        if r < r3:
            if r < r2:
                r3 = r2
                t3 = t2
                if r < r1:
                    # A strictly lower rank means another value: every byte
                    # seen so far differs from it, and the old best was the
                    # rarest of them.
                    r2 = r1
                    t2 = t1
                    r1 = r
                    t1 = i
                    rb = r2
                    ib = t2
                    continue
                r2 = r
                t2 = i
            else:
                r3 = r
                t3 = i
        if r < rb and x[i] != x[t1]:
            rb = r
            ib = i
    i2 = ib
    if i2 < 0:
        i2 = k - 1 if t1 != k - 1 else 0
    i3 = t2 if t2 != i2 else t3
    if i3 < 0:
        i3 = i2
    f.i1 = t1
    f.i2 = i2
    f.i3 = i3
    f.c1 = x[t1]
    f.c2 = x[i2]


cdef inline void _finder_init(Finder *f, const uchar *x, Py_ssize_t k,
                              Py_ssize_t origin) noexcept nogil:
    f.x = x
    f.k = k
    f.origin = origin
    f.work = 0
    f.allow = WARMUP_BASE + WARMUP_PER_BYTE * k
    f.cands = 0
    f.pass2 = 0
    f.reanchored = False
    f.fallback = False
    f.tw_ready = False
    f.isa = fastmmap_isa()
    f.switch = False
    f.stop = 0
    f.paired = False
    f.use_short = True
    f.use_memmem = True
    _pick_anchors(f)
    f.memchr_first = fastmmap_byte_rank[f.c1] <= MEMCHR_RANK


cdef inline bint _over_budget(Finder *f, Py_ssize_t scanned) noexcept nogil:
    """Whether the prefilter should stop as things stand.

    Where the packed pair exists, hand over to it.  Otherwise, if the anchor
    byte proved dense while the second-check byte rarely matched, the static
    rank table guessed wrong for this haystack: swap the two (once) and
    start a fresh budget, which at most doubles the charged work.  Otherwise
    give up on the prefilter for good."""
    cdef Py_ssize_t t
    cdef uchar c
    if f.work <= scanned + f.allow:
        return False
    if f.isa:
        f.switch = True
        return True
    if (not f.reanchored and f.c1 != f.c2
            and f.pass2 * 8 <= f.cands):
        t = f.i1
        f.i1 = f.i2
        f.i2 = t
        c = f.c1
        f.c1 = f.c2
        f.c2 = c
        f.reanchored = True
        f.work = scanned
        f.cands = 0
        f.pass2 = 0
        return False
    f.fallback = True
    return True


cdef inline uchar _nb(const uchar *x, Py_ssize_t k, Py_ssize_t i,
                      bint rev) noexcept nogil:
    # SAFETY: 0 <= i < k, so both x[i] and x[k-1-i] lie inside the needle.
    return x[k - 1 - i] if rev else x[i]


cdef void _max_suffix(const uchar *x, Py_ssize_t k, bint rev, bint flip,
                      Py_ssize_t *ell, Py_ssize_t *per) noexcept nogil:
    # Maximal suffix of the (possibly reversed) needle for the byte order
    # (flip=False) or its reverse (flip=True), with that suffix's period.
    # Classic linear scan: `m` is the start of the best suffix so far minus
    # one, `j + q` the byte being compared against its counterpart `m + q`.
    cdef Py_ssize_t m = -1, j = 0, q = 1, p = 1
    cdef uchar a, b
    while j + q < k:
        a = _nb(x, k, j + q, rev)
        b = _nb(x, k, m + q, rev)
        if (a > b) if flip else (a < b):
            # Suffix at j+1 loses: skip it, the period grows.
            j += q
            q = 1
            p = j - m
        elif a == b:
            if q != p:
                q += 1
            else:
                j += p
                q = 1
        else:
            # Suffix at j+1 wins: restart from it.
            m = j
            j = m + 1
            q = 1
            p = 1
    ell[0] = m
    per[0] = p


cdef void _tw_init(TwoWay *tw, const uchar *x, Py_ssize_t k,
                   bint rev) noexcept nogil:
    cdef Py_ssize_t ell1, per1, ell2, per2, ell, per, i
    cdef bint periodic
    _max_suffix(x, k, rev, False, &ell1, &per1)
    _max_suffix(x, k, rev, True, &ell2, &per2)
    if ell1 > ell2:
        ell = ell1
        per = per1
    else:
        ell = ell2
        per = per2
    # Periodic iff the left part reappears one period later.
    periodic = per + ell + 1 <= k
    if periodic:
        for i in range(ell + 1):
            if _nb(x, k, i, rev) != _nb(x, k, i + per, rev):
                periodic = False
                break
    if not periodic:
        per = (ell + 1 if ell + 1 > k - ell - 1 else k - ell - 1) + 1
    tw.ell = ell
    tw.per = per
    tw.periodic = periodic
    # Edge-byte skip: distance from the last needle position to the nearest
    # earlier occurrence (in search direction) of that byte, k when absent;
    # 0 for the needle's own last byte.
    for i in range(256):
        tw.skip[i] = k
    for i in range(k - 1):
        tw.skip[_nb(x, k, i, rev)] = k - 1 - i
    tw.skip[_nb(x, k, k - 1, rev)] = 0


cdef Py_ssize_t _tw_forward(const TwoWay *tw, const uchar *y, Py_ssize_t n,
                            const uchar *x, Py_ssize_t k, Py_ssize_t j,
                            Py_ssize_t *nmatch) noexcept nogil:
    """First match starting in [j, n-k], or -1.  Requires 2 <= k <= n.

    With `nmatch`, counts every non-overlapping match from j on into
    *nmatch instead (and returns -1): no call per match when they are dense."""
    cdef Py_ssize_t last = n - k, ell = tw.ell, per = tw.per
    cdef Py_ssize_t i, r, s, mem = -1
    cdef bint periodic = tw.periodic
    # SAFETY: every window is y[j, j + k) with 0 <= j <= last = n - k; the
    # right-part scan reads x/y[r, k) and the left-part scan reads
    # x/y[mem + 1, ell + 1) of that window, both inside it.
    while j <= last:
        fastmmap_prefetch(y + j, k + PREFETCH_AHEAD)
        if mem < 0:
            # Skips only while no memory is held: skipping with memory
            # would discard verified bytes and break the linear bound.
            s = tw.skip[y[j + k - 1]]
            if s == 1:
                # Runs of 1-byte skips: step by a constant so the next load
                # does not wait on a table lookup (a latency chain of two
                # loads per byte otherwise).
                # SAFETY: j + k - 1 < n is re-checked before each read.
                j += 1
                while j <= last and tw.skip[y[j + k - 1]] == 1:
                    j += 1
                continue
            if s:
                j += s
                continue
        r = (ell if ell > mem else mem) + 1
        i = r + <Py_ssize_t>fastmmap_common_prefix(x + r, y + j + r,
                                                   <size_t>(k - r))
        if i < k:
            j += i - ell
            mem = -1
            continue
        # Right part matched: check the left part, top down, above `mem`.
        if ell > mem and <Py_ssize_t>fastmmap_common_suffix(
                x + ell + 1, y + j + ell + 1, <size_t>(ell - mem)) < ell - mem:
            j += per
            mem = k - per - 1 if periodic else -1
            continue
        if nmatch == NULL:
            return j
        # Non-overlapping: resume after the match with nothing remembered.
        nmatch[0] += 1
        j += k
        mem = -1
    return -1


cdef Py_ssize_t _tw_reverse(const TwoWay *tw, const uchar *y, Py_ssize_t n,
                            const uchar *x, Py_ssize_t k,
                            Py_ssize_t s) noexcept nogil:
    """Last match starting in [0, s], or -1.  Requires 2 <= k <= n, s <= n-k.

    The forward algorithm on reversed strings: needle index i (counted from
    the needle's end) meets haystack byte s + k - 1 - i, and advancing the
    window moves s down.  `tw` must come from _tw_init(rev=True)."""
    cdef Py_ssize_t ell = tw.ell, per = tw.per
    cdef Py_ssize_t i, r, d, mem = -1
    cdef bint periodic = tw.periodic
    cdef const uchar *w
    # SAFETY: every window is w = y + s, w[0:k) with 0 <= s <= n - k.  Reverse
    # index i maps to forward offset k - 1 - i, so the right-part scan
    # (i in [r, k)) reads offsets [0, k - r) and the left-part scan (i in
    # (mem, ell]) reads [k - 1 - ell, k - 1 - mem), all inside the window.
    while s >= 0:
        fastmmap_prefetch(y + s, -PREFETCH_AHEAD)
        if mem < 0:
            d = tw.skip[y[s]]
            if d == 1:
                # As in _tw_forward: constant steps through 1-byte skips.
                s -= 1
                while s >= 0 and tw.skip[y[s]] == 1:
                    s -= 1
                continue
            if d:
                s -= d
                continue
        w = y + s
        r = (ell if ell > mem else mem) + 1
        i = r + <Py_ssize_t>fastmmap_common_suffix(x + k - r, w + k - r,
                                                   <size_t>(k - r))
        if i < k:
            s -= i - ell
            mem = -1
            continue
        if ell > mem and <Py_ssize_t>fastmmap_common_prefix(
                x + k - 1 - ell, w + k - 1 - ell,
                <size_t>(ell - mem)) < ell - mem:
            s -= per
            mem = k - per - 1 if periodic else -1
            continue
        return s
    return -1


# ---------------------------------------------------------------------------
# Prefilter + fallback drivers

cdef inline Py_ssize_t _confirm(const uchar *cand, const uchar *x,
                                Py_ssize_t k) noexcept nogil:
    """Bytes proven equal before a mismatch (k on a full match)."""
    cdef Py_ssize_t off = 0, blk
    # SAFETY: the caller guarantees cand[0:k] lies inside the haystack.
    while off < k:
        blk = k - off
        if blk > VERIFY_BLOCK:
            blk = VERIFY_BLOCK
        if memcmp(cand + off, x + off, <size_t>blk) != 0:
            return off
        off += blk
    return k


cdef Py_ssize_t _next_forward(Finder *f, const uchar *y, Py_ssize_t n,
                              Py_ssize_t pos, bint oneshot) noexcept nogil:
    """First match starting in [pos, n-k], or -1.  Requires 2 <= k <= n.

    -2 when the memchr prefilter stopped paying and the packed pair should
    take over from f.stop (only with f.isa).  `oneshot` (plain find) may
    hand the rest of the haystack to libc memmem; repeated callers (count,
    find_all) keep the two-way tables instead."""
    cdef const uchar *x = f.x
    cdef Py_ssize_t k = f.k, last = n - k, i1, i2, p, eq
    cdef const uchar *q
    cdef void *r
    cdef int c1
    cdef uchar c2
    # Matches return before the budget test below, so a caller that keeps
    # coming back (count, find_all) on a haystack dense with true matches
    # settles its account here.
    if not f.fallback and f.work > (pos - f.origin) + f.allow:
        _over_budget(f, pos - f.origin)
    while not f.fallback and not f.switch:
        i1 = f.i1
        i2 = f.i2
        c1 = f.c1
        c2 = f.c2
        while pos <= last:
            # SAFETY: the anchor of a candidate p in [pos, last] sits at
            # y[p + i1]; that range is y[pos + i1, last + i1] and
            # last + i1 < n because i1 < k.
            q = <const uchar *>memchr(y + pos + i1, c1, <size_t>(last - pos + 1))
            if q == NULL:
                return -1
            p = (q - y) - i1
            f.work += CANDIDATE_COST
            f.cands += 1
            # SAFETY: p <= last, so y[p, p + k) is inside the haystack.
            if y[p + i2] == c2:
                f.pass2 += 1
                eq = _confirm(y + p, x, k)
                if eq == k:
                    # A match pays for its own confirmation: the next search
                    # starts past it (count/find_all) or there is none.
                    return p
                f.work += eq
            pos = p + 1
            if f.work > (pos - f.origin) + f.allow:
                # Either re-anchored (restart the loop with the new bytes)
                # or fallen back.
                _over_budget(f, pos - f.origin)
                break
        else:
            return -1
    if f.switch and not f.fallback:
        f.stop = pos
        return -2
    if pos > last:
        return -1
    if k <= SHORT_NEEDLE and f.use_short:
        # SAFETY: windows y[j, j + k) for j in [pos, last] end by n.
        return fastmmap_short_find(y, <size_t>n, x, <size_t>k, pos, last)
    if oneshot and FASTMMAP_MEMMEM_IS_LINEAR and f.use_memmem:
        # SAFETY: pos <= last, so y[pos, n) is a non-empty slice of the
        # haystack at least k long.
        r = memmem(y + pos, <size_t>(n - pos), x, <size_t>k)
        return -1 if r == NULL else (<const uchar *>r - y)
    if not f.tw_ready:
        _tw_init(&f.tw, x, k, False)
        f.tw_ready = True
    return _tw_forward(&f.tw, y, n, x, k, pos, NULL)


cdef Py_ssize_t _next_reverse(Finder *f, const uchar *y, Py_ssize_t n,
                              Py_ssize_t hi) noexcept nogil:
    """Last match starting in [0, hi], or -1.  Requires 2 <= k, hi <= n-k.

    -2 when the packed pair should take over from f.stop (as _next_forward)."""
    cdef const uchar *x = f.x
    cdef Py_ssize_t k = f.k, i1, i2, p, eq
    cdef const uchar *q
    cdef int c1
    cdef uchar c2
    while not f.fallback and not f.switch:
        i1 = f.i1
        i2 = f.i2
        c1 = f.c1
        c2 = f.c2
        while hi >= 0:
            # SAFETY: anchors of candidates p in [0, hi] lie in
            # y[i1, hi + i1], and hi + i1 <= n - k + k - 1 < n.
            q = <const uchar *>fastmmap_memrchr(y + i1, c1, <size_t>(hi + 1))
            if q == NULL:
                return -1
            p = (q - y) - i1
            f.work += CANDIDATE_COST
            f.cands += 1
            # SAFETY: 0 <= p <= hi <= n - k.
            if y[p + i2] == c2:
                f.pass2 += 1
                eq = _confirm(y + p, x, k)
                if eq == k:
                    return p
                f.work += eq
            hi = p - 1
            if f.work > (f.origin - hi) + f.allow:
                _over_budget(f, f.origin - hi)
                break
        else:
            return -1
    if f.switch and not f.fallback:
        f.stop = hi
        return -2
    if hi < 0:
        return -1
    if k <= SHORT_NEEDLE and f.use_short:
        # SAFETY: windows y[j, j + k) for j in [0, hi] end by n.
        return fastmmap_short_rfind(y, <size_t>n, x, <size_t>k, 0, hi)
    if not f.tw_ready:
        _tw_init(&f.tw, x, k, True)
        f.tw_ready = True
    return _tw_reverse(&f.tw, y, n, x, k, hi)


# ---------------------------------------------------------------------------
# The four kernels (see _search.pxd for the contract)

cdef Py_ssize_t find(const char *hay, Py_ssize_t n,
                     const char *needle, Py_ssize_t k) noexcept nogil:
    return _find(<const uchar *>hay, n, <const uchar *>needle, k, 0, NULL)


cdef Py_ssize_t rfind(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil:
    return _rfind(<const uchar *>hay, n, <const uchar *>needle, k, 0, NULL)


cdef Py_ssize_t count(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil:
    return _count(<const uchar *>hay, n, <const uchar *>needle, k, 0, NULL)


cdef Py_ssize_t find_all(const char *hay, Py_ssize_t n,
                         const char *needle, Py_ssize_t k,
                         Py_ssize_t *out, Py_ssize_t cap,
                         Py_ssize_t *resume) noexcept nogil:
    return _find_all(<const uchar *>hay, n, <const uchar *>needle, k,
                     out, cap, resume, 0, NULL)


cdef Py_ssize_t copy_find_all_byte(char *dst, const char *hay, Py_ssize_t n,
                                   char c, Py_ssize_t *out, Py_ssize_t cap,
                                   Py_ssize_t *resume) noexcept nogil:
    return _copy_find_all_byte(<uchar *>dst, <const uchar *>hay, n, <uchar>c,
                               out, cap, resume, 0)


# Implementations.  `mode` and `fell_back` exist for the tests only:
#   mode 0: normal; 1: skip the prefilters (fallback from the first byte);
#   2: like 1 but never use libc memmem; 3: like 2 but two-way even for
#   short needles (so the tests reach two-way with tiny inputs); 4: no
#   packed pair (the memchr prefilter, as on builds without the vector
#   code); 5: packed pair from the first byte (no memchr stage), with SSE2
#   blocks; 6: the same with the CPU's best blocks.  Modes 5 and 6 also
#   pick the block width of the 1-byte find_all.
#   *fell_back (if not NULL) is set to 2 when the fallback ran, else to 3
#   if the packed-pair scan ran, else to 1 if the memchr prefilter swapped
#   its anchor, else to 0.

cdef inline int _path(const Finder *f) noexcept nogil:
    if f.fallback:
        return 2
    if f.paired:
        return 3
    return 1 if f.reanchored else 0


cdef inline int _mode_isa(int mode) noexcept nogil:
    """Packed-pair block width for a mode: 0 none, 1 SSE2, 2 AVX2."""
    cdef int isa = fastmmap_isa()
    if 1 <= mode <= 4:
        return 0
    if mode == 5 and isa > 1:
        return 1
    return isa


cdef inline void _start_mode(Finder *f, int mode) noexcept nogil:
    if mode:
        f.isa = _mode_isa(mode)
    if 1 <= mode <= 3:
        f.fallback = True
    if mode == 2 or mode == 3:
        f.use_memmem = False
    if mode == 3:
        f.use_short = False
    if mode >= 5:
        f.memchr_first = False


cdef inline void _pair_init(fastmmap_pair *pp, Finder *f, Py_ssize_t origin,
                            Py_ssize_t *out, size_t cap) noexcept nogil:
    pp.x = f.x
    pp.k = <size_t>f.k
    pp.i1 = <size_t>f.i1
    pp.i2 = <size_t>f.i2
    pp.c1 = f.c1
    pp.c2 = f.c2
    pp.i3 = <size_t>f.i3
    pp.c3 = f.x[f.i3]
    pp.isa = f.isa
    pp.origin = origin
    pp.work = 0
    pp.allow = f.allow
    pp.out = out
    pp.cap = cap
    pp.found = 0
    pp.resume = 0
    f.paired = True


cdef Py_ssize_t _find(const uchar *y, Py_ssize_t n, const uchar *x,
                      Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef const void *r
    cdef Finder f
    cdef fastmmap_pair pp
    cdef Py_ssize_t p = -1, pos = 0
    cdef int st
    if fell_back != NULL:
        fell_back[0] = 0
    if k == 0:
        return 0
    if k > n:
        return -1
    if k == 1:
        # SAFETY: n >= 1 readable bytes at y.
        r = memchr(y, x[0], <size_t>n)
        return -1 if r == NULL else (<const uchar *>r - y)
    # A match right at the start (k == n included) costs one compare, before
    # any set-up.  SAFETY: k <= n, so y[0, k) is inside the haystack.
    if mode == 0 or k == n:
        if y[0] == x[0] and memcmp(y, x, <size_t>k) == 0:
            return 0
        if k == n:
            return -1
    _finder_init(&f, x, k, 0)
    _start_mode(&f, mode)
    if f.isa:
        if f.memchr_first:
            p = _next_forward(&f, y, n, 0, True)
            if p != -2:
                if fell_back != NULL:
                    fell_back[0] = _path(&f)
                return p
            pos = f.stop
        _pair_init(&pp, &f, pos, &p, 1)
        st = fastmmap_pair_forward(&pp, y, <size_t>n, pos)
        if st != FASTMMAP_PAIR_BUDGET:
            if fell_back != NULL:
                fell_back[0] = _path(&f)
            return p if st == FASTMMAP_PAIR_FULL else -1
        f.fallback = True
        pos = pp.resume
    p = _next_forward(&f, y, n, pos, True)
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return p


cdef Py_ssize_t _rfind(const uchar *y, Py_ssize_t n, const uchar *x,
                       Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef const void *r
    cdef Finder f
    cdef fastmmap_pair pp
    cdef Py_ssize_t p, hi = n - k
    cdef int st
    if fell_back != NULL:
        fell_back[0] = 0
    if k == 0:
        return n
    if k > n:
        return -1
    if k == 1:
        # SAFETY: n >= 1 readable bytes at y.
        r = fastmmap_memrchr(y, x[0], <size_t>n)
        return -1 if r == NULL else (<const uchar *>r - y)
    # A match flush with the end: one compare, before any set-up.
    # SAFETY: hi = n - k >= 0, so y[hi, n) is inside the haystack.
    if mode == 0 or k == n:
        if y[n - 1] == x[k - 1] and memcmp(y + hi, x, <size_t>k) == 0:
            return hi
        if k == n:
            return -1
    _finder_init(&f, x, k, hi)
    _start_mode(&f, mode)
    if f.isa:
        if f.memchr_first:
            p = _next_reverse(&f, y, n, hi)
            if p != -2:
                if fell_back != NULL:
                    fell_back[0] = _path(&f)
                return p
            hi = f.stop
        _pair_init(&pp, &f, hi, NULL, 0)
        st = fastmmap_pair_reverse(&pp, y, hi)
        if st != FASTMMAP_PAIR_BUDGET:
            if fell_back != NULL:
                fell_back[0] = _path(&f)
            return pp.resume if st == FASTMMAP_PAIR_FULL else -1
        f.fallback = True
        hi = pp.resume
    p = _next_reverse(&f, y, n, hi)
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return p


cdef Py_ssize_t _count_rest(Finder *f, const uchar *y, Py_ssize_t n,
                            Py_ssize_t pos) noexcept nogil:
    """Matches starting in [pos, n - k], counted by the linear fallback in
    one go (they may be dense here)."""
    cdef Py_ssize_t k = f.k, c = 0
    if pos > n - k:
        return 0
    # SAFETY: windows start in [pos, n - k], inside the haystack.
    if k <= SHORT_NEEDLE and f.use_short:
        return <Py_ssize_t>fastmmap_short_count(y, <size_t>n, f.x,
                                                <size_t>k, pos)
    if not f.tw_ready:
        _tw_init(&f.tw, f.x, k, False)
        f.tw_ready = True
    _tw_forward(&f.tw, y, n, f.x, k, pos, &c)
    return c


cdef Py_ssize_t _count(const uchar *y, Py_ssize_t n, const uchar *x,
                       Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef Finder f
    cdef fastmmap_pair pp
    cdef Py_ssize_t p, pos = 0, c = 0
    if fell_back != NULL:
        fell_back[0] = 0
    if k == 0:
        return n + 1
    if k > n:
        return 0
    if k == 1:
        # SAFETY: n >= 1 readable bytes at y.
        return <Py_ssize_t>fastmmap_count_byte(y, <size_t>n, x[0])
    # One Finder for the whole scan: its budget spans every match, so the
    # total work stays linear however many matches there are.
    _finder_init(&f, x, k, 0)
    _start_mode(&f, mode)
    # Memchr prefilter (unless the packed pair starts right away), one call
    # per match; it ends at the end of the haystack, in the fallback (which
    # counts the rest in one go: matches may be dense there) or by handing
    # over to the packed pair.
    while not f.isa or f.memchr_first:
        p = _next_forward(&f, y, n, pos, False)
        if p == -1:
            break
        if p == -2:
            pos = f.stop
            break
        c += 1
        pos = p + k
        if f.fallback:
            c += _count_rest(&f, y, n, pos)
            break
    if f.switch or (f.isa and not f.memchr_first):
        # The packed pair counts every match from the bit masks, and bails
        # out to the fallback only when verification stops paying.
        _pair_init(&pp, &f, pos, NULL, <size_t>-1)
        if fastmmap_pair_forward(&pp, y, <size_t>n, pos) == FASTMMAP_PAIR_BUDGET:
            f.fallback = True
            c += <Py_ssize_t>pp.found + _count_rest(&f, y, n, pp.resume)
        else:
            c += <Py_ssize_t>pp.found
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return c


cdef Py_ssize_t _find_all(const uchar *y, Py_ssize_t n, const uchar *x,
                          Py_ssize_t k, Py_ssize_t *out, Py_ssize_t cap,
                          Py_ssize_t *resume, int mode,
                          int *fell_back) noexcept nogil:
    cdef Finder f
    cdef fastmmap_pair pp
    cdef Py_ssize_t p, pos = 0, w = 0
    cdef const void *r
    cdef int c, st, isa
    cdef size_t res = 0
    if fell_back != NULL:
        fell_back[0] = 0
    if cap <= 0:
        resume[0] = 0
        return 0
    if k <= 0 or k > n:
        resume[0] = n
        return 0
    if k == 1:
        isa = _mode_isa(mode)
        if isa:
            # Block compare + bit scan: no call per match.
            # SAFETY: n >= 1 bytes at y, cap >= 1 slots at out.
            w = <Py_ssize_t>fastmmap_byte_all(NULL, y, <size_t>n, x[0], out,
                                              <size_t>cap, &res, isa)
            resume[0] = <Py_ssize_t>res
            return w
        c = x[0]
        while w < cap:
            # SAFETY: pos <= n, so y[pos, n) is inside the haystack.
            r = memchr(y + pos, c, <size_t>(n - pos))
            if r == NULL:
                pos = n
                break
            p = <const uchar *>r - y
            out[w] = p
            w += 1
            pos = p + 1
        resume[0] = pos
        return w
    _finder_init(&f, x, k, 0)
    _start_mode(&f, mode)
    if f.isa:
        if f.memchr_first:
            while w < cap:
                p = _next_forward(&f, y, n, pos, False)
                if p == -1:
                    resume[0] = n
                    if fell_back != NULL:
                        fell_back[0] = _path(&f)
                    return w
                if p == -2:
                    pos = f.stop
                    break
                out[w] = p
                w += 1
                pos = p + k
        if w < cap:
            _pair_init(&pp, &f, pos, out + w, <size_t>(cap - w))
            st = fastmmap_pair_forward(&pp, y, <size_t>n, pos)
            w += <Py_ssize_t>pp.found
            if st == FASTMMAP_PAIR_BUDGET:
                f.fallback = True
                pos = pp.resume
            else:
                pos = pp.resume if st == FASTMMAP_PAIR_FULL else n
    # The memchr prefilter and/or the fallback, one call per match.
    while w < cap and (not f.isa or f.fallback):
        p = _next_forward(&f, y, n, pos, False)
        if p < 0:
            pos = n
            break
        out[w] = p
        w += 1
        pos = p + k
    resume[0] = pos
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return w


cdef Py_ssize_t _copy_find_all_byte(uchar *dst, const uchar *y, Py_ssize_t n,
                                    uchar c, Py_ssize_t *out, Py_ssize_t cap,
                                    Py_ssize_t *resume, int mode) noexcept nogil:
    cdef int isa = _mode_isa(mode)
    cdef size_t res = 0
    cdef Py_ssize_t w
    if isa and n >= 1 and cap >= 1:
        # One pass: the block loop stores what it loads.
        # SAFETY: n bytes at y and at dst (not overlapping), cap slots at out.
        w = <Py_ssize_t>fastmmap_byte_all(dst, y, <size_t>n, c, out,
                                          <size_t>cap, &res, isa)
        resume[0] = <Py_ssize_t>res
        return w
    memcpy(dst, y, <size_t>n)
    return _find_all(dst, n, &c, 1, out, cap, resume, mode, NULL)


# ---------------------------------------------------------------------------
# Test-only wrappers (bytes-like in, Python ints out).  Not part of the API.
#
# They hold their data as bytes objects, and offsets in an OffsetBuffer
# (_offsets), not typed memoryviews: Cython's memoryview support registers its types with
# collections.abc at import, and importing collections.abc took 3.5 of the
# 6.5 ms `import fastmmap` cost (the command line pays it on every run).

cdef inline bytes _held(obj):
    """obj's bytes (a copy unless it is a bytes object); TypeError for an
    object without the buffer protocol, as a typed memoryview gives."""
    return obj if type(obj) is bytes else bytes(memoryview(obj))


cdef inline const uchar *_ptr(bytes b):
    # Never NULL, even for b"" (the kernels never read through a
    # zero-length one, but must still receive something).
    return <const uchar *>PyBytes_AS_STRING(b)


cdef inline list _offsets_list(const Py_ssize_t *at, Py_ssize_t w,
                               Py_ssize_t base=0):
    return [at[i] + base for i in range(w)]


cdef inline void _range(Py_ssize_t n, object start, object end,
                        Py_ssize_t *a, Py_ssize_t *b) except *:
    # bytes.find-style index adjustment for the test oracles; the caller
    # answers "range shorter than the needle" (including b < a) itself.
    cdef Py_ssize_t s = 0 if start is None else start
    cdef Py_ssize_t e = n if end is None else end
    if e > n:
        e = n
    elif e < 0:
        e = max(e + n, 0)
    if s < 0:
        s = max(s + n, 0)
    a[0] = s
    b[0] = e


def _py_find(hay, needle, start=None, end=None, int mode=0):
    cdef bytes h = _held(hay), x = _held(needle)
    cdef Py_ssize_t a = 0, b = 0, r
    _range(len(h), start, end, &a, &b)
    if len(x) > b - a:
        return -1
    r = _find(_ptr(h) + a, b - a, _ptr(x), len(x), mode, NULL)
    return r if r < 0 else r + a


def _py_rfind(hay, needle, start=None, end=None, int mode=0):
    cdef bytes h = _held(hay), x = _held(needle)
    cdef Py_ssize_t a = 0, b = 0, r
    _range(len(h), start, end, &a, &b)
    if len(x) > b - a:
        return -1
    r = _rfind(_ptr(h) + a, b - a, _ptr(x), len(x), mode, NULL)
    return r if r < 0 else r + a


def _py_count(hay, needle, start=None, end=None, int mode=0):
    cdef bytes h = _held(hay), x = _held(needle)
    cdef Py_ssize_t a = 0, b = 0
    _range(len(h), start, end, &a, &b)
    if len(x) > b - a:
        return 0
    return _count(_ptr(h) + a, b - a, _ptr(x), len(x), mode, NULL)


def _py_find_all_once(hay, needle, Py_ssize_t cap, int mode=0):
    """One find_all call: (offsets, resume)."""
    cdef bytes h = _held(hay), x = _held(needle)
    cdef OffsetBuffer out = reserve_offsets(max(cap, 1))
    cdef Py_ssize_t w, resume = -1
    if len(x) == 0:
        raise ValueError("find_all needs a non-empty needle")
    w = _find_all(_ptr(h), len(h), _ptr(x), len(x), out.data, cap, &resume,
                  mode, NULL)
    return _offsets_list(out.data, w), resume


def _py_copy_find_all_once(hay, byte, Py_ssize_t cap, int mode=0):
    """One copy_find_all_byte call: (copy, offsets, resume)."""
    cdef bytes h = _held(hay), x = _held(byte)
    cdef OffsetBuffer out = reserve_offsets(max(cap, 1))
    cdef Py_ssize_t w, resume = -1
    cdef bytearray copy = bytearray(len(h))
    if len(x) != 1:
        raise ValueError("copy_find_all_byte takes one byte")
    w = _copy_find_all_byte(<uchar *>PyByteArray_AS_STRING(copy), _ptr(h),
                            len(h), _ptr(x)[0], out.data, cap, &resume, mode)
    return bytes(copy), _offsets_list(out.data, w), resume


def _py_find_all_into(hay, needle, out, int mode=0):
    """One find_all call writing into `out`, a writable buffer of
    Py_ssize_t items (all of it is the capacity): (count, resume).  For
    tests that look at the slots, and for timing the kernel without
    building Python objects."""
    cdef bytes h = _held(hay), x = _held(needle)
    cdef Py_ssize_t w, resume = -1, n = len(h), k = len(x), cap
    cdef const uchar *hp = _ptr(h)
    cdef const uchar *xp = _ptr(x)
    cdef Py_buffer view
    PyObject_GetBuffer(out, &view, PyBUF_WRITABLE | PyBUF_FORMAT
                       | PyBUF_C_CONTIGUOUS)
    try:
        if view.itemsize != sizeof(Py_ssize_t):
            raise ValueError("out must hold Py_ssize_t items")
        cap = view.len // view.itemsize
        if k == 0 or cap == 0:
            raise ValueError("needs a non-empty needle and output")
        # SAFETY: hp and xp point into bytes objects this frame holds, and
        # view (released only in `finally`) keeps out's cap slots alive.
        with nogil:
            w = _find_all(hp, n, xp, k, <Py_ssize_t *>view.buf, cap, &resume,
                          mode, NULL)
    finally:
        PyBuffer_Release(&view)
    return w, resume


def _py_find_all(hay, needle, Py_ssize_t cap=1024, int mode=0):
    """Every match, gathered by repeated find_all calls of `cap` slots,
    resuming each call on the haystack slice after the previous one."""
    cdef bytes h = _held(hay), x = _held(needle)
    cdef OffsetBuffer out
    cdef Py_ssize_t n = len(h), base = 0, w, resume
    cdef list found = []
    if cap < 1:
        raise ValueError("cap must be >= 1")
    if len(x) == 0:
        raise ValueError("find_all needs a non-empty needle")
    out = reserve_offsets(cap)
    while True:
        resume = -1
        w = _find_all(_ptr(h) + base, n - base, _ptr(x), len(x), out.data, cap,
                      &resume, mode, NULL)
        if not 0 <= w <= cap or not 0 <= resume <= n - base:
            raise AssertionError(f"bad find_all result w={w} resume={resume}")
        found.extend(_offsets_list(out.data, w, base))
        if w < cap:
            if resume != n - base:
                raise AssertionError("short batch must exhaust the haystack")
            break
        if resume == 0 and w == 0:
            raise AssertionError("no progress")
        base += resume
    return found


def _py_path(hay, needle, str op="find", int mode=0):
    """Which path a search ended on: "pair" (packed-pair scan), "prefilter"
    (memchr prefilter), "reanchored" (memchr prefilter on the swapped
    anchor) or "fallback".  op: find, rfind, count or find_all."""
    cdef bytes h = _held(hay), x = _held(needle)
    cdef int path = 0
    cdef Py_ssize_t n = len(h), k = len(x), resume = 0
    cdef OffsetBuffer out
    if op == "find":
        _find(_ptr(h), n, _ptr(x), k, mode, &path)
    elif op == "rfind":
        _rfind(_ptr(h), n, _ptr(x), k, mode, &path)
    elif op == "count":
        _count(_ptr(h), n, _ptr(x), k, mode, &path)
    elif op == "find_all":
        out = reserve_offsets(max(n, 1))
        _find_all(_ptr(h), n, _ptr(x), k, out.data, max(n, 1), &resume,
                  mode, &path)
    else:
        raise ValueError(op)
    return ("prefilter", "reanchored", "fallback", "pair")[path]


def _py_byte_rank():
    """The static byte-rank table the anchors are chosen by (256 bytes)."""
    return bytes([fastmmap_byte_rank[i] for i in range(256)])


def _py_build_has_pair():
    """Whether this build contains the packed-pair code (x86-64, GCC or
    Clang, vector code not switched off)."""
    return bool(FASTMMAP_HAVE_PAIR)


def _py_isa():
    """Packed-pair block width this build and CPU use: "avx2", "sse2" or
    None (no vector code: the memchr prefilter path)."""
    return (None, "sse2", "avx2")[fastmmap_isa()]


def _py_anchors(needle, bint third=False):
    """(anchor offset, second-check offset) chosen for a needle (k >= 2),
    and the packed pair's third offset if `third`."""
    cdef bytes x = _held(needle)
    cdef Finder f
    if len(x) < 2:
        raise ValueError("needle must have at least 2 bytes")
    _finder_init(&f, _ptr(x), len(x), 0)
    if third:
        return f.i1, f.i2, f.i3
    return f.i1, f.i2
