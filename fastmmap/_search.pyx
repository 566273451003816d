# Search kernels behind find/rfind/count/find_all (interface: _search.pxd).
#
# Strategy for needles of two bytes or more:
#
# * Prefilter.  Anchor on the needle byte that fastmmap_byte_rank says is
#   rarest, let memchr/memrchr (SIMD in every libc that matters) skip to its
#   next occurrence, test a second rare byte, then confirm with memcmp.  On
#   real data the anchor byte is usually absent or sparse, so the scan runs at
#   memchr speed.
#
# * Budget.  Every candidate costs a libc call, and a failed confirmation can
#   cost up to k byte comparisons, so a haystack dense with the anchor byte
#   would make the prefilter slow (and, with long needles, quadratic).  The
#   prefilter therefore charges each candidate a fixed cost plus the bytes its
#   confirmation found equal, and once the charge exceeds the bytes scanned
#   (plus a warm-up allowance) it either swaps anchor and second byte (once,
#   when the second byte has proved rare in this haystack: the static table
#   guessed wrong) or hands over for good to a worst-case linear matcher.
#   Total work: a constant times the scanned length, plus the fallback's.
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

from fastmmap._posix cimport memchr, memmem, memcmp, fastmmap_memrchr

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

ctypedef unsigned char uchar

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
    uchar c1, c2
    Py_ssize_t origin          # where the scan began (start, or end for rfind)
    Py_ssize_t work            # charged work since origin
    Py_ssize_t allow           # warm-up allowance
    Py_ssize_t cands           # candidates since the last (re)anchoring
    Py_ssize_t pass2           # ... of which passed the second check
    bint reanchored            # anchor and second check swapped once
    bint fallback              # prefilter abandoned
    int mode                   # test hook, see _start_mode
    bint tw_ready
    TwoWay tw


# ---------------------------------------------------------------------------
# Needle analysis

cdef inline void _pick_anchors(Finder *f) noexcept nogil:
    """Choose the rarest byte and the rarest other byte value."""
    cdef const uchar *x = f.x
    cdef Py_ssize_t k = f.k, i, i1 = 0, i2 = -1
    cdef int r, best = 256
    for i in range(k):
        r = fastmmap_byte_rank[x[i]]
        if r < best:
            best = r
            i1 = i
    best = 256
    for i in range(k):
        # Prefer a different byte value: the same value at another offset
        # filters much less on data where that byte comes in runs.
        if x[i] != x[i1]:
            r = fastmmap_byte_rank[x[i]]
            if r < best:
                best = r
                i2 = i
    if i2 < 0:
        i2 = k - 1 if i1 != k - 1 else 0
    f.i1 = i1
    f.i2 = i2
    f.c1 = x[i1]
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
    f.mode = 0
    _pick_anchors(f)


cdef inline bint _over_budget(Finder *f, Py_ssize_t scanned) noexcept nogil:
    """Whether the prefilter should stop as things stand.

    If the anchor byte proved dense while the second-check byte rarely
    matched, the static rank table guessed wrong for this haystack: swap the
    two (once) and start a fresh budget, which at most doubles the charged
    work.  Otherwise give up on the prefilter for good."""
    cdef Py_ssize_t t
    cdef uchar c
    if f.work <= scanned + f.allow:
        return False
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

    `oneshot` (plain find) may hand the rest of the haystack to libc memmem;
    repeated callers (count, find_all) keep the two-way tables instead."""
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
    while not f.fallback:
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
    if pos > last:
        return -1
    if k <= SHORT_NEEDLE and f.mode < 3:
        # SAFETY: windows y[j, j + k) for j in [pos, last] end by n.
        return fastmmap_short_find(y, <size_t>n, x, <size_t>k, pos, last)
    if oneshot and FASTMMAP_MEMMEM_IS_LINEAR and f.mode < 2:
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
    """Last match starting in [0, hi], or -1.  Requires 2 <= k, hi <= n-k."""
    cdef const uchar *x = f.x
    cdef Py_ssize_t k = f.k, i1, i2, p, eq
    cdef const uchar *q
    cdef int c1
    cdef uchar c2
    while not f.fallback:
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
    if hi < 0:
        return -1
    if k <= SHORT_NEEDLE and f.mode < 3:
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


# Implementations.  `mode` and `fell_back` exist for the tests only:
#   mode 0: normal; 1: skip the prefilter (fallback from the first byte);
#   2: like 1 but never use libc memmem; 3: like 2 but two-way even for
#   short needles (so the tests reach two-way with tiny inputs).
#   *fell_back (if not NULL) is set to 2 when the fallback ran, else to 1
#   if the prefilter swapped its anchor, else to 0.

cdef inline int _path(const Finder *f) noexcept nogil:
    return 2 if f.fallback else (1 if f.reanchored else 0)


cdef inline void _start_mode(Finder *f, int mode) noexcept nogil:
    f.mode = mode
    if mode:
        f.fallback = True


cdef Py_ssize_t _find(const uchar *y, Py_ssize_t n, const uchar *x,
                      Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef const void *r
    cdef Finder f
    cdef Py_ssize_t p
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
    if k == n:
        # SAFETY: hay and needle are both exactly k readable bytes.
        return 0 if memcmp(y, x, <size_t>k) == 0 else -1
    _finder_init(&f, x, k, 0)
    _start_mode(&f, mode)
    p = _next_forward(&f, y, n, 0, True)
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return p


cdef Py_ssize_t _rfind(const uchar *y, Py_ssize_t n, const uchar *x,
                       Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef const void *r
    cdef Finder f
    cdef Py_ssize_t p
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
    if k == n:
        # SAFETY: hay and needle are both exactly k readable bytes.
        return 0 if memcmp(y, x, <size_t>k) == 0 else -1
    _finder_init(&f, x, k, n - k)
    _start_mode(&f, mode)
    p = _next_reverse(&f, y, n, n - k)
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return p


cdef Py_ssize_t _count(const uchar *y, Py_ssize_t n, const uchar *x,
                       Py_ssize_t k, int mode, int *fell_back) noexcept nogil:
    cdef Finder f
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
    while True:
        p = _next_forward(&f, y, n, pos, False)
        if p < 0:
            break
        c += 1
        pos = p + k
        if f.fallback and pos <= n - k:
            # Count the rest in one go (matches may be dense here).
            # SAFETY: windows start in [pos, n - k], inside the haystack.
            if k <= SHORT_NEEDLE and f.mode < 3:
                c += <Py_ssize_t>fastmmap_short_count(y, <size_t>n, x,
                                                      <size_t>k, pos)
            else:
                if not f.tw_ready:
                    _tw_init(&f.tw, x, k, False)
                    f.tw_ready = True
                _tw_forward(&f.tw, y, n, x, k, pos, &c)
            break
    if fell_back != NULL:
        fell_back[0] = _path(&f)
    return c


cdef Py_ssize_t _find_all(const uchar *y, Py_ssize_t n, const uchar *x,
                          Py_ssize_t k, Py_ssize_t *out, Py_ssize_t cap,
                          Py_ssize_t *resume, int mode,
                          int *fell_back) noexcept nogil:
    cdef Finder f
    cdef Py_ssize_t p, pos = 0, w = 0
    cdef const void *r
    cdef int c
    if fell_back != NULL:
        fell_back[0] = 0
    if cap <= 0:
        resume[0] = 0
        return 0
    if k <= 0 or k > n:
        resume[0] = n
        return 0
    if k == 1:
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
    while w < cap:
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


# ---------------------------------------------------------------------------
# Test-only wrappers (bytes-like in, Python ints out).  Not part of the API.

cdef const uchar _EMPTY[1]


cdef inline const uchar *_ptr(const uchar[::1] v):
    # An empty view may carry no usable pointer; the kernels never read
    # through a zero-length one, but must still receive something.
    return &v[0] if v.shape[0] else _EMPTY


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
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef Py_ssize_t a = 0, b = 0, r
    _range(h.shape[0], start, end, &a, &b)
    if x.shape[0] > b - a:
        return -1
    r = _find(_ptr(h) + a, b - a, _ptr(x), x.shape[0], mode, NULL)
    return r if r < 0 else r + a


def _py_rfind(hay, needle, start=None, end=None, int mode=0):
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef Py_ssize_t a = 0, b = 0, r
    _range(h.shape[0], start, end, &a, &b)
    if x.shape[0] > b - a:
        return -1
    r = _rfind(_ptr(h) + a, b - a, _ptr(x), x.shape[0], mode, NULL)
    return r if r < 0 else r + a


def _py_count(hay, needle, start=None, end=None, int mode=0):
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef Py_ssize_t a = 0, b = 0
    _range(h.shape[0], start, end, &a, &b)
    if x.shape[0] > b - a:
        return 0
    return _count(_ptr(h) + a, b - a, _ptr(x), x.shape[0], mode, NULL)


def _py_find_all_once(hay, needle, Py_ssize_t cap, int mode=0):
    """One find_all call: (offsets, resume)."""
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef Py_ssize_t[::1] out
    cdef Py_ssize_t w, resume = -1
    if x.shape[0] == 0:
        raise ValueError("find_all needs a non-empty needle")
    out = _alloc(max(cap, 1))
    w = _find_all(_ptr(h), h.shape[0], _ptr(x), x.shape[0],
                  &out[0], cap, &resume, mode, NULL)
    return [out[i] for i in range(w)], resume


cdef Py_ssize_t[::1] _alloc(Py_ssize_t cap):
    # A Python-owned buffer viewed as Py_ssize_t (no C allocation to leak).
    return memoryview(bytearray(cap * sizeof(Py_ssize_t))).cast(
        'q' if sizeof(Py_ssize_t) == 8 else 'i')


def _py_find_all(hay, needle, Py_ssize_t cap=1024, int mode=0):
    """Every match, gathered by repeated find_all calls of `cap` slots,
    resuming each call on the haystack slice after the previous one."""
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef Py_ssize_t[::1] out = _alloc(cap)
    cdef Py_ssize_t n = h.shape[0], base = 0, w, resume, i
    cdef list found = []
    if cap < 1:
        raise ValueError("cap must be >= 1")
    if x.shape[0] == 0:
        raise ValueError("find_all needs a non-empty needle")
    while True:
        resume = -1
        w = _find_all(_ptr(h) + base, n - base, _ptr(x), x.shape[0],
                      &out[0], cap, &resume, mode, NULL)
        if not 0 <= w <= cap or not 0 <= resume <= n - base:
            raise AssertionError(f"bad find_all result w={w} resume={resume}")
        for i in range(w):
            found.append(out[i] + base)
        if w < cap:
            if resume != n - base:
                raise AssertionError("short batch must exhaust the haystack")
            break
        if resume == 0 and w == 0:
            raise AssertionError("no progress")
        base += resume
    return found


def _py_path(hay, needle, str op="find"):
    """Which path a search ended on: "prefilter", "reanchored" (prefilter on
    the swapped anchor) or "fallback".  op: find, rfind or count."""
    cdef const uchar[::1] h = hay
    cdef const uchar[::1] x = needle
    cdef int path = 0
    cdef Py_ssize_t n = h.shape[0], k = x.shape[0]
    if op == "find":
        _find(_ptr(h), n, _ptr(x), k, 0, &path)
    elif op == "rfind":
        _rfind(_ptr(h), n, _ptr(x), k, 0, &path)
    elif op == "count":
        _count(_ptr(h), n, _ptr(x), k, 0, &path)
    else:
        raise ValueError(op)
    return ("prefilter", "reanchored", "fallback")[path]


def _py_anchors(needle):
    """(anchor offset, second-check offset) chosen for a needle (k >= 2)."""
    cdef const uchar[::1] x = needle
    cdef Finder f
    if x.shape[0] < 2:
        raise ValueError("needle must have at least 2 bytes")
    _finder_init(&f, &x[0], x.shape[0], 0)
    return f.i1, f.i2
