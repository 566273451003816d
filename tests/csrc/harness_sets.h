/*
 * The C harness's cases for the set search (fm_set_*: any of several
 * needles, optionally ignoring ASCII case), against a naive
 * leftmost-longest oracle.  Included by harness.c, whose helpers (rnd,
 * below, the guarded areas, `cases`) it uses.
 *
 * - every ISA, with the prefilters (pair, Teddy) and with the automaton
 *   alone (prefilter "none"), the automaton both as a full table and as
 *   sparse edges (fm_set_dense_limit);
 * - haystacks ending at a PROT_NONE page and beginning right after one,
 *   the needles packed against another;
 * - needle counts 1..80 and 300, lengths 1..40 and past the automaton's
 *   window, prefixes of one another, duplicates, folding with the bytes
 *   next to the letters ('@' '[' '`' '{') and bytes >= 0x80;
 * - near misses that exhaust the prefilters' budget (a^i b over a^n);
 * - candidates frequent past 32 KiB: Teddy widens its test, a count of a
 *   needle the pair covers tallies.
 */

#define SET_MAX 300
#define SET_HAY MAX_N

static const unsigned char *set_x[SET_MAX];
static ptrdiff_t set_k[SET_MAX];
static ptrdiff_t set_count;
static unsigned char set_bytes[SET_MAX * 48 + 8192];
static ptrdiff_t set_want[SET_HAY + 1], set_wwhich[SET_HAY + 1];
static ptrdiff_t set_got[SET_HAY + 64], set_gwhich[SET_HAY + 64];

static unsigned char fold1(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static int set_match_naive(const unsigned char *y, const unsigned char *x, ptrdiff_t k,
                           int fold)
{
    ptrdiff_t j;
    for (j = 0; j < k; j++)
        if (fold ? fold1(y[j]) != fold1(x[j]) : y[j] != x[j])
            return 0;
    return 1;
}

/* The longest needle at p (lowest index among equal), or -1. */
static ptrdiff_t set_at(const unsigned char *y, ptrdiff_t n, ptrdiff_t p, int fold)
{
    ptrdiff_t i, best = -1;
    for (i = 0; i < set_count; i++) {
        const ptrdiff_t k = set_k[i];
        if (k > n - p || (best >= 0 && k <= set_k[best]))
            continue;
        if (set_match_naive(y + p, set_x[i], k, fold))
            best = i;
    }
    return best;
}

static void set_fail(const char *what, const char *isa, const char *cfg, ptrdiff_t n,
                     int fold, const char *layout, long g, long w)
{
    fprintf(stderr, "FAIL set %s isa=%s prefilter=%s n=%ld needles=%ld fold=%d layout=%s: "
            "got %ld, expected %ld\n", what, isa, cfg, (long)n, (long)set_count, fold,
            layout, g, w);
    exit(1);
}

/* Every set search on y[0:n] agrees with the oracle (nw matches in
 * set_want / set_wwhich; the last start and its needle). */
static void set_check_one(const fm_set *s, const char *isa, const char *cfg,
                          const unsigned char *y, ptrdiff_t n, int fold, ptrdiff_t nw,
                          ptrdiff_t last, ptrdiff_t lastw, const char *layout)
{
    static const ptrdiff_t caps[] = {1, 2, 3, 7, 64, 1000};
    ptrdiff_t r, len = -7, which = -7, ci, i;
    r = fm_set_find(s, y, n, &len, &which);
    if (r != (nw ? set_want[0] : -1))
        set_fail("find", isa, cfg, n, fold, layout, r, nw ? set_want[0] : -1);
    if (nw && (which != set_wwhich[0] || len != set_k[set_wwhich[0]]))
        set_fail("find which", isa, cfg, n, fold, layout, which, set_wwhich[0]);
    r = fm_set_rfind(s, y, n, &len, &which);
    if (r != last)
        set_fail("rfind", isa, cfg, n, fold, layout, r, last);
    if (last >= 0 && (which != lastw || len != set_k[lastw]))
        set_fail("rfind which", isa, cfg, n, fold, layout, which, lastw);
    r = fm_set_count(s, y, n);
    if (r != nw)
        set_fail("count", isa, cfg, n, fold, layout, r, nw);
    cases += 3;
    for (ci = 0; ci < (ptrdiff_t)(sizeof(caps) / sizeof(caps[0])); ci++) {
        const ptrdiff_t cap = caps[ci];
        ptrdiff_t base = 0, have = 0, w, resume;
        for (;;) {
            ptrdiff_t *wh = (ci & 1) ? set_gwhich : NULL;
            set_got[cap] = set_gwhich[cap] = -12345;
            resume = -1;
            w = fm_set_find_all(s, y + base, n - base, set_got, wh, cap, &resume);
            if (set_got[cap] != -12345 || set_gwhich[cap] != -12345)
                set_fail("find_all wrote past cap", isa, cfg, n, fold, layout, cap, cap);
            if (w < 0 || w > cap || resume < 0 || resume > n - base)
                set_fail("find_all result range", isa, cfg, n, fold, layout, w, resume);
            for (i = 0; i < w; i++) {
                if (have + i >= nw || set_got[i] + base != set_want[have + i])
                    set_fail("find_all offset", isa, cfg, n, fold, layout, set_got[i] + base,
                             have + i < nw ? set_want[have + i] : -1);
                if (wh && wh[i] != set_wwhich[have + i])
                    set_fail("find_all which", isa, cfg, n, fold, layout, wh[i],
                             set_wwhich[have + i]);
            }
            have += w;
            if (w < cap) {
                if (resume != n - base)
                    set_fail("find_all short batch resume", isa, cfg, n, fold, layout,
                             resume, n - base);
                break;
            }
            if (resume != set_got[w - 1] + set_k[set_wwhich[have - 1]])
                set_fail("find_all resume", isa, cfg, n, fold, layout, resume,
                         set_got[w - 1] + set_k[set_wwhich[have - 1]]);
            base += resume;
        }
        if (have != nw)
            set_fail("find_all count", isa, cfg, n, fold, layout, have, nw);
        cases++;
    }
}

static const char *set_configs[] = {"auto", "none", "none"};

/* The set of set_x[0:set_count] against hay[0:n], every layout and
 * configuration of one ISA. */
static void set_check(const char *isa, const unsigned char *src, ptrdiff_t n, int fold)
{
    ptrdiff_t p, nw = 0, last = -1, lastw = -1, i, off = 0, total = 0;
    unsigned char *packed;
    int layout, c;
    /* The needles packed against a guard page, the last one flush. */
    for (i = 0; i < set_count; i++)
        total += set_k[i];
    if (total > MAX_K * 4)
        packed = NULL;          /* too long for the guarded area: as they are */
    else
        packed = needle_area.hi - total;
    for (i = 0; i < set_count && packed; i++) {
        memcpy(packed + off, set_x[i], (size_t)set_k[i]);
        set_x[i] = packed + off;
        off += set_k[i];
    }
    for (p = 0; p < n;) {
        const ptrdiff_t u = set_at(src, n, p, fold);
        if (u < 0) {
            p++;
            continue;
        }
        set_want[nw] = p;
        set_wwhich[nw++] = u;
        p += set_k[u];
    }
    for (p = n - 1; p >= 0 && last < 0; p--) {
        if ((lastw = set_at(src, n, p, fold)) >= 0)
            last = p;
    }
    for (c = 0; c < 3; c++) {
        fm_config cfg;
        fm_set *s;
        if (fm_config_named(&cfg, isa, set_configs[c], NULL) != 0)
            exit(2);
        fm_set_dense_limit = c == 2 ? 0 : -1;
        s = fm_set_new(&cfg, set_x, set_k, set_count, fold ? FM_SET_FOLD : 0);
        fm_set_dense_limit = -1;
        if (s == NULL) {
            perror("fm_set_new");
            exit(2);
        }
        if (fm_set_size(s) != set_count)
            set_fail("size", isa, set_configs[c], n, fold, "-", fm_set_size(s), set_count);
        for (i = 0; i < set_count; i++) {
            if (fm_set_len(s, i) != set_k[i])
                set_fail("len", isa, set_configs[c], n, fold, "-", fm_set_len(s, i), set_k[i]);
        }
        for (layout = 0; layout < 2; layout++) {
            unsigned char *y = layout == 0 ? hay_area.hi - n : hay_area.lo;
            memcpy(y, src, (size_t)n);
            set_check_one(s, isa, set_configs[c], y, n, fold, nw, last, lastw,
                          layout == 0 ? "ends-at-guard" : "starts-after-guard");
            /* match_at, flush with the guard page, for a few offsets. */
            for (i = 0; i < set_count && layout == 0; i++) {
                const ptrdiff_t q = n - set_k[i] - (ptrdiff_t)below(3);
                if (q < 0)
                    continue;
                if (fm_set_match_at(s, i, y + q, n - q)
                    != set_match_naive(src + q, set_x[i], set_k[i], fold))
                    set_fail("match_at", isa, set_configs[c], n, fold, "ends-at-guard",
                             fm_set_match_at(s, i, y + q, n - q), -1);
                cases++;
            }
        }
        fm_set_free(s);
    }
}

/* Needle i: k bytes from alphabet al (m letters). */
static void set_needle(ptrdiff_t i, ptrdiff_t k, const char *al, size_t m, unsigned char **at)
{
    ptrdiff_t j;
    for (j = 0; j < k; j++)
        (*at)[j] = (unsigned char)al[below(m)];
    set_x[i] = *at;
    set_k[i] = k;
    *at += k;
}

/* Random sets over small alphabets (mixed case when folding), with
 * prefixes, duplicates and case variants of one another, planted. */
static void set_random(const char *isa, int fold, ptrdiff_t count, ptrdiff_t maxk,
                       ptrdiff_t n)
{
    static const char *alphabets[] = {"ab", "abc", "aB\n", "the quick\n", "\x00\xff\x80",
                                      "aA@[`{zZ", "e t"};
    const char *al = alphabets[below(7)];
    const size_t m = strlen(al) ? strlen(al) : 3;   /* "\x00..." counts 3 */
    unsigned char *at = set_bytes;
    ptrdiff_t i, j;
    set_count = count;
    for (i = 0; i < count; i++) {
        const ptrdiff_t k = 1 + (ptrdiff_t)below((size_t)maxk);
        if (i > 0 && below(4) == 0) {
            /* A prefix, an extension, a duplicate or a case variant of an
             * earlier needle. */
            const ptrdiff_t o = (ptrdiff_t)below((size_t)i);
            const ptrdiff_t ko = set_k[o];
            const int how = (int)below(4);
            const ptrdiff_t kn = how == 0 ? 1 + (ptrdiff_t)below((size_t)ko)
                                 : how == 1 ? ko + 1 + (ptrdiff_t)below(3) : ko;
            for (j = 0; j < kn; j++)
                at[j] = j < ko ? set_x[o][j] : (unsigned char)al[below(m)];
            if (how == 3)
                for (j = 0; j < kn; j++)
                    at[j] = (unsigned char)((at[j] >= 'a' && at[j] <= 'z' && (rnd() & 1))
                                                ? at[j] ^ 0x20 : at[j]);
            set_x[i] = at;
            set_k[i] = kn;
            at += kn;
        } else {
            set_needle(i, k, al, m, &at);
        }
    }
    for (i = 0; i < n; i++)
        hay[i] = (unsigned char)al[below(m)];
    for (i = 0; i < 1 + (ptrdiff_t)below(6); i++) {
        const ptrdiff_t u = (ptrdiff_t)below((size_t)count);
        if (set_k[u] <= n) {
            const ptrdiff_t p = (ptrdiff_t)below((size_t)(n - set_k[u] + 1));
            for (j = 0; j < set_k[u]; j++) {
                unsigned char c = set_x[u][j];
                if (fold && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && (rnd() & 1))
                    c ^= 0x20;
                hay[p + j] = c;
            }
        }
    }
    set_check(isa, hay, n, fold);
}

static void run_sets(const char *isa)
{
    ptrdiff_t r, i, k, n;
    int fold;
    for (r = 0; r < 1500; r++) {
        fold = (int)(r & 1);
        set_random(isa, fold, 1 + (ptrdiff_t)below(r % 3 == 0 ? 3 : 12),
                   1 + (ptrdiff_t)below(r % 5 == 0 ? 40 : 6), (ptrdiff_t)below(700));
    }
    /* Teddy's grouped buckets and the automaton from the start. */
    for (r = 0; r < 60; r++)
        set_random(isa, (int)(r & 1), 9 + (ptrdiff_t)below(72), 1 + (ptrdiff_t)below(8),
                   (ptrdiff_t)below(3000));
    for (r = 0; r < 6; r++)
        set_random(isa, (int)(r & 1), SET_MAX, 2 + (ptrdiff_t)below(10), 4000);
    /* One needle ignoring case, every length near the block sizes, at every
     * alignment of both layouts. */
    for (k = 1; k <= 40; k++) {
        for (r = 0; r < 8; r++) {
            unsigned char *at = set_bytes;
            set_count = 1;
            set_needle(0, k, "aAbB@[`{\x80", 9, &at);
            n = k + (ptrdiff_t)below(200);
            for (i = 0; i < n; i++)
                hay[i] = (unsigned char)"aAbB@[`{\x80"[below(9)];
            if (n >= k && (rnd() & 1))
                memcpy(hay + below((size_t)(n - k + 1)), set_x[0], (size_t)k);
            set_check(isa, hay, n, 1);
        }
    }
    /* Near misses: needles a^i b over a^n (every candidate fails late);
     * the prefilter must hand over, and the results stay right. */
    for (fold = 0; fold < 2; fold++) {
        unsigned char *at = set_bytes;
        set_count = 0;
        for (i = 1; i <= 40; i++) {
            memset(at, fold ? 'A' : 'a', (size_t)i);
            at[i] = 'b';
            set_x[set_count] = at;
            set_k[set_count++] = i + 1;
            at += i + 1;
            if (i == 8 || i == 40) {
                n = 16000;
                memset(hay, 'a', (size_t)n);
                hay[n / 2] = 'b';
                hay[n - 1] = 'b';
                set_check(isa, hay, n, fold);
            }
        }
    }
    /* Frequent candidates over 60000 bytes: eight needles sharing their
     * first bytes with the text (Teddy widens), one needle of 4 to 6 bytes
     * ignoring case (a count tallies), near misses among them. */
    for (r = 0; r < 6; r++) {
        unsigned char *at = set_bytes;
        const ptrdiff_t k0 = 4 + r % 3;
        n = 60000;
        set_count = r < 3 ? 8 : 1;
        for (i = 0; i < set_count; i++) {
            set_needle(i, k0 + (ptrdiff_t)below(5), "abcdAB", 6, &at);
            memcpy((unsigned char *)set_x[i], r < 3 ? "abc" : "aBc", 3);
            if (r >= 3)
                ((unsigned char *)set_x[i])[k0 - 1] = 'd';
        }
        for (i = 0; i < n; i++)
            hay[i] = (unsigned char)"abcdxAB"[below(7)];
        for (i = 0; i + 8 < n; i += 16 + (ptrdiff_t)below(200)) {
            const ptrdiff_t u = (ptrdiff_t)below((size_t)set_count);
            memcpy(hay + i, set_x[u], (size_t)(below(3) ? 3 : set_k[u]));
        }
        set_check(isa, hay, n, (int)(r & 1) || r >= 3);
    }
    /* A needle longer than the automaton's window, with short ones. */
    {
        unsigned char *at = set_bytes;
        set_count = 3;
        memset(at, 'a', 5000);
        at[4999] = 'b';
        set_x[0] = at;
        set_k[0] = 5000;
        at += 5000;
        set_needle(1, 3, "ab", 2, &at);
        set_x[2] = (const unsigned char *)"aab";
        set_k[2] = 3;
        n = SET_HAY;
        memset(hay, 'a', (size_t)n);
        memcpy(hay + 9000, set_x[0], 5000);
        hay[3000] = 'b';
        set_check(isa, hay, n, 0);
        set_check(isa, hay, n, 1);
    }
}
