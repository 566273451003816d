/*
 * C harness for the search engine (fastmmap/csrc/search): every search,
 * under every configuration (instruction set x prefilter x fallback),
 * against a naive oracle.
 *
 * - needle lengths 1..300, haystacks of every start alignment mod 64,
 *   small alphabets so matches and near misses are dense;
 * - each haystack placed twice: ending at a PROT_NONE page and beginning
 *   right after one (a read past either end faults); the needle ends at
 *   another guard page;
 * - long haystacks of near misses that exhaust the prefilters' budgets,
 *   so every hand-over (memchr -> pair -> fallback) runs;
 * - haystacks past 64 KiB of log-like lines (digits, punctuation,
 *   capitals), where the anchors come from a sample of the haystack and
 *   the packed pair chooses its probes again when candidates run high,
 *   with a prefix unlike the rest so that the sample misleads;
 * - find_all in batches of several capacities (the resume contract, and no
 *   write past cap), and the copying 1-byte find_all.
 *
 * Usage: harness [isa ...]   (default: every ISA this build and CPU runs)
 * Exit status 0 when every case agrees; the first disagreement is printed.
 */
#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "search.h"

#define MAX_K 300
/* Needles of the long-haystack sections: past the skip search's
 * two-gram threshold (543 bytes) and its widest stride. */
#define LONG_K 4200
/* Beyond the engine's FM_SAMPLE_FROM (64 KiB): long haystacks are
 * searched with anchors from a sample of them; beyond FM_BUDGET_SPAN
 * (256 KiB), the prefilters' accounts start afresh; beyond FM_SPREAD_FROM
 * (1 MiB), the packed pair's first probes are weighed against spread
 * ones. */
#define MAX_N (1280 * 1024)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    /* xorshift64*: reproducible across platforms. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static size_t below(size_t n) { return (size_t)(rnd() % n); }

/* A readable area of `size` bytes between two PROT_NONE pages. */
typedef struct {
    unsigned char *lo;   /* first readable byte (a guard page just below) */
    unsigned char *hi;   /* one past the last (a guard page from here) */
} guarded;

static guarded guarded_new(size_t size)
{
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t body = (size + page - 1) / page * page;
    guarded g;
    unsigned char *base = mmap(NULL, body + 2 * page, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    if (mprotect(base, page, PROT_NONE) || mprotect(base + page + body, page, PROT_NONE)) {
        perror("mprotect");
        exit(2);
    }
    g.lo = base + page;
    g.hi = base + page + body;
    return g;
}

/* ---- The oracle ---- */

static int at(const unsigned char *y, ptrdiff_t j, const unsigned char *x, ptrdiff_t k)
{
    ptrdiff_t i;
    for (i = 0; i < k; i++)
        if (y[j + i] != x[i])
            return 0;
    return 1;
}

/* Non-overlapping matches left to right into out (returns how many), and
 * the last (possibly overlapping) match in *last. */
static ptrdiff_t oracle(const unsigned char *y, ptrdiff_t n, const unsigned char *x,
                        ptrdiff_t k, ptrdiff_t *out, ptrdiff_t *last)
{
    ptrdiff_t j, w = 0;
    *last = -1;
    for (j = n - k; j >= 0; j--)
        if (at(y, j, x, k)) {
            *last = j;
            break;
        }
    for (j = 0; j + k <= n;) {
        if (at(y, j, x, k)) {
            out[w++] = j;
            j += k;
        } else {
            j++;
        }
    }
    return w;
}

/* ---- Checks ---- */

static const char *prefilters[] = {"auto", "memchr", "pair", "none", "none", "skip"};
static const char *fallbacks[] = {"auto", "auto", "auto", "auto", "two-way", "auto"};
#define NCONFIGS 6

static long cases;
static ptrdiff_t want[MAX_N + 1], got[MAX_N + 64];
static unsigned char copy_area[MAX_N];

static void fail(const char *what, const char *isa, int c, ptrdiff_t n, ptrdiff_t k,
                 const char *layout, long g, long w)
{
    fprintf(stderr, "FAIL %s isa=%s prefilter=%s fallback=%s n=%ld k=%ld layout=%s: "
            "got %ld, expected %ld\n", what, isa, prefilters[c], fallbacks[c],
            (long)n, (long)k, layout, g, w);
    exit(1);
}

/* Every search on (y, n, x, k) under configuration cfg agrees with the
 * oracle's nw matches (want[]) and last match. */
static void check_one(const fm_config *cfg, const char *isa, int c, const unsigned char *y,
                      ptrdiff_t n, const unsigned char *x, ptrdiff_t k, ptrdiff_t nw,
                      ptrdiff_t last, const char *layout)
{
    static const ptrdiff_t caps[] = {1, 2, 3, 7, 64, 1000};
    ptrdiff_t r, i, ci;
    r = fm_find(cfg, y, n, x, k);
    if (r != (nw ? want[0] : -1))
        fail("find", isa, c, n, k, layout, r, nw ? want[0] : -1);
    r = fm_rfind(cfg, y, n, x, k);
    if (r != last)
        fail("rfind", isa, c, n, k, layout, r, last);
    r = fm_count(cfg, y, n, x, k);
    if (r != nw)
        fail("count", isa, c, n, k, layout, r, nw);
    cases += 3;
    for (ci = 0; ci < (ptrdiff_t)(sizeof(caps) / sizeof(caps[0])); ci++) {
        const ptrdiff_t cap = caps[ci];
        ptrdiff_t base = 0, have = 0, w, resume;
        for (;;) {
            /* A canary after cap slots: nothing may be written there. */
            got[cap] = -12345;
            resume = -1;
            w = fm_find_all(cfg, y + base, n - base, x, k, got, cap, &resume);
            if (got[cap] != -12345)
                fail("find_all wrote past cap", isa, c, n, k, layout, cap, cap);
            if (w < 0 || w > cap || resume < 0 || resume > n - base)
                fail("find_all result range", isa, c, n, k, layout, w, resume);
            for (i = 0; i < w; i++) {
                if (have + i >= nw || got[i] + base != want[have + i])
                    fail("find_all offset", isa, c, n, k, layout, got[i] + base,
                         have + i < nw ? want[have + i] : -1);
            }
            have += w;
            if (w < cap) {
                if (resume != n - base)
                    fail("find_all short batch resume", isa, c, n, k, layout, resume, n - base);
                break;
            }
            if (w == 0 && resume == 0)
                fail("find_all no progress", isa, c, n, k, layout, 0, 1);
            base += resume;
        }
        if (have != nw)
            fail("find_all count", isa, c, n, k, layout, have, nw);
        cases++;
        if (k == 1 && cap >= 7) {
            w = fm_copy_find_all_byte(cfg, copy_area, y, n, x[0], got, cap, &resume);
            if (memcmp(copy_area, y, (size_t)n) != 0)
                fail("copy_find_all_byte copy", isa, c, n, k, layout, 0, 0);
            for (i = 0; i < w; i++)
                if (i >= nw || got[i] != want[i])
                    fail("copy_find_all_byte offset", isa, c, n, k, layout, got[i], want[i]);
            if (w != (nw < cap ? nw : cap))
                fail("copy_find_all_byte count", isa, c, n, k, layout, w, nw);
            if (w < cap && resume != n)
                fail("copy_find_all_byte resume", isa, c, n, k, layout, resume, n);
            if (w == cap && resume != want[cap - 1] + 1)
                fail("copy_find_all_byte resume", isa, c, n, k, layout, resume, want[cap - 1] + 1);
            cases++;
        }
    }
}

static guarded hay_area, needle_area;

/* Check (src, n) x (needle, k) in both layouts, every configuration. */
static void check(const char *isa, const unsigned char *src, ptrdiff_t n,
                  const unsigned char *needle, ptrdiff_t k)
{
    unsigned char *x = needle_area.hi - k;
    unsigned char *y;
    ptrdiff_t nw, last;
    int c, layout;
    memcpy(x, needle, (size_t)k);
    nw = oracle(src, n, needle, k, want, &last);
    for (layout = 0; layout < 2; layout++) {
        y = layout == 0 ? hay_area.hi - n : hay_area.lo;
        memcpy(y, src, (size_t)n);
        for (c = 0; c < NCONFIGS; c++) {
            fm_config cfg;
            if (fm_config_named(&cfg, isa, prefilters[c], fallbacks[c]) != 0) {
                fprintf(stderr, "cannot configure isa %s\n", isa);
                exit(2);
            }
            check_one(&cfg, isa, c, y, n, x, k, nw, last,
                      layout == 0 ? "ends-at-guard" : "starts-after-guard");
        }
    }
}

static unsigned char hay[MAX_N], ndl[LONG_K];

/* A haystack of n bytes from alphabet[0:m], with copies (or one-byte
 * corruptions) of the needle planted at random places. */
static void make(ptrdiff_t n, ptrdiff_t k, const char *alphabet, size_t m, int plants)
{
    ptrdiff_t i;
    for (i = 0; i < n; i++)
        hay[i] = (unsigned char)alphabet[below(m)];
    for (i = 0; i < plants && n >= k; i++) {
        const ptrdiff_t p = (ptrdiff_t)below((size_t)(n - k + 1));
        memcpy(hay + p, ndl, (size_t)k);
        if (rnd() & 1)
            hay[p + (ptrdiff_t)below((size_t)k)] ^= 1;
    }
}

#include "harness_sets.h"

static void run_isa(const char *isa)
{
    static const char *alphabets[] = {"ab", "abc", "ab\n", "the quick brown fox\n",
                                      "\x00\xff", "e t"};
    const long before = cases;
    ptrdiff_t k, a, i, n;
    size_t s;
    /* Every needle length, every start alignment mod 64. */
    for (k = 1; k <= MAX_K; k++) {
        for (a = 0; a < 64; a++) {
            const char *al = alphabets[(size_t)(k + a) % 6];
            const size_t m = strlen(al) ? strlen(al) : 2;
            for (i = 0; i < k; i++)
                ndl[i] = (unsigned char)al[below(m)];
            /* Lengths such that the layout ending at the guard starts at
             * every offset mod 64 across a. */
            n = k + a + 64 * (ptrdiff_t)below(4);
            make(n, k, al, m, 1 + (int)below(4));
            check(isa, hay, n, ndl, k);
        }
    }
    /* One rare byte in a run of others, or none: the byte scans' block
     * steps (64 and 256 bytes, placed from the start forwards or from the
     * end backwards), their flush blocks and the byte-wise tails.  The
     * byte sits next to every 64-byte boundary counted from either end,
     * sometimes with a second one after it; alone (k = 1) and as the
     * memchr prefilter's anchor (b"#x"). */
    ndl[0] = '#';
    ndl[1] = 'x';
    for (n = 1; n <= 600; n += 1 + (n > 80 ? (ptrdiff_t)below(8) : 0)) {
        ptrdiff_t p;
        for (p = -1; p < n; p++) {
            const ptrdiff_t head = p % 64, tail = (n - 1 - p) % 64;
            if (p >= 0 && head != 0 && head != 63 && tail != 0 && tail != 63)
                continue;
            memset(hay, 'x', (size_t)n);
            if (p >= 0) {
                hay[p] = '#';
                if (rnd() & 1)
                    hay[p + (ptrdiff_t)below((size_t)(n - p))] = '#';
            }
            check(isa, hay, n, ndl, 1);
            if (n >= 2)
                check(isa, hay, n, ndl, 2);
        }
    }
    /* Long haystacks: dense near misses exhaust each prefilter's budget. */
    {
        static const ptrdiff_t ks[] = {2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                                       63, 64, 65, 100, 255, 300, 543, 1000, 4200};
        for (s = 0; s < sizeof(ks) / sizeof(ks[0]); s++) {
            k = ks[s];
            /* Near-miss needle: a run of a's ending in b (every window
             * matches all but the last byte), and a periodic one. */
            memset(ndl, 'a', (size_t)k);
            ndl[k - 1] = 'b';
            n = 16384 + (ptrdiff_t)below(64);
            memset(hay, 'a', (size_t)n);
            hay[n - 1] = 'b';
            hay[n / 2 + k] = 'b';
            check(isa, hay, n, ndl, k);
            for (i = 0; i < k; i++)
                ndl[i] = (unsigned char)"ab"[i % 2];
            make(n, k, "ab", 2, 8);
            check(isa, hay, n, ndl, k);
            /* Common letters: the packed pair's weak spot. */
            for (i = 0; i < k; i++)
                ndl[i] = (unsigned char)"e t"[below(3)];
            make(n, k, "e t", 3, 16);
            check(isa, hay, n, ndl, k);
        }
    }
    /* Past the sample threshold: log-like lines, and needles cut from
     * them (present, or with one byte changed: every line near-misses). */
    for (s = 0; s < 24; s++) {
        static const char *tail[] = {"", "x", "#", "\n"};
        ptrdiff_t lead, at, len;
        n = 65536 + (ptrdiff_t)below(120 * 1024);
        /* A misleading start: one byte value, or none of the rest. */
        lead = s % 3 == 0 ? 0 : (ptrdiff_t)below(8192);
        memset(hay, s % 2 ? 'x' : '#', (size_t)lead);
        for (i = lead; i < n;) {
            char line[160];
            const int w = snprintf(line, sizeof(line),
                                   "2026-11-%02dT%02d:%02d:%02d INFO [api-%d] status=%d "
                                   "user=u%06d msg=\"took %dms\"\n",
                                   (int)(1 + i * 28 / n), (int)below(24), (int)below(60),
                                   (int)below(60), (int)below(9),
                                   (int)(200 + 100 * below(4) + below(5)),
                                   (int)below(1000000), (int)below(3000));
            memcpy(hay + i, line, (size_t)(i + w <= n ? w : n - i));
            i += w;
        }
        len = 2 + (ptrdiff_t)below(s % 4 == 3 ? 298 : s % 4 == 1 ? LONG_K - 2 : 30);
        at = (ptrdiff_t)below((size_t)(n - len));
        memcpy(ndl, hay + at, (size_t)len);
        if (s % 2)
            ndl[below((size_t)len)] ^= 1;
        if (s % 5 == 4 && len > 1)
            ndl[len - 1] = (unsigned char)tail[below(4)][0];
        check(isa, hay, n, ndl, len);
        /* The month it does not hold: a candidate on every line. */
        memcpy(ndl, "2026-12-0", 9);
        ndl[9] = (unsigned char)('1' + below(9));
        check(isa, hay, n, ndl, 10);
    }
    /* A quiet stretch, then one dense with near misses: past 256 KiB the
     * accounts start afresh, so the prefilters hand over there instead of
     * living on the quiet stretch's credit. */
    for (s = 0; s < 12; s++) {
        static const char *fills[] = {"#a", "abcdefgh", "2026-11-0"};
        const char *fill = fills[s % 3];
        const size_t m = strlen(fill);
        const ptrdiff_t quiet = 300 * 1024 + (ptrdiff_t)below(4096);
        n = quiet + 200 * 1024 + (ptrdiff_t)below(4096);
        /* The quiet stretch holds none of the needle's bytes (the memchr
         * prefilter leads), or holds them (the sample sees them, so the
         * packed pair leads) in an order it never matches. */
        for (i = 0; i < quiet; i++)
            hay[i] = s < 6 || i % 7 == 0 ? 'x' : i % 11 == 0 ? 'y'
                     : (unsigned char)fill[m - 1 - (size_t)i % m];
        for (i = quiet; i < n; i++)
            hay[i] = (unsigned char)fill[(size_t)i % m];
        k = s % 6 < 3 ? 12 : 300;
        for (i = 0; i < k; i++)
            ndl[i] = (unsigned char)fill[(size_t)(i + 1) % m];
        ndl[k - 1 - (ptrdiff_t)below(3)] = 'y';
        check(isa, hay, n, ndl, k);
        /* And the mirror image, for the reverse scans. */
        for (i = 0; i < n / 2; i++) {
            const unsigned char t = hay[i];
            hay[i] = hay[n - 1 - i];
            hay[n - 1 - i] = t;
        }
        check(isa, hay, n, ndl, k);
    }
    /* CSV rows past 1 MiB with rising ids: the needle's rarest bytes sit
     * together and the rows tie them (probes spread over the needle are
     * weighed against them), and any probe set on the id's digits is
     * dense in some stretch of rows (the probes are chosen again there,
     * again and again). */
    for (s = 0; s < 4; s++) {
        ptrdiff_t at;
        n = 1100 * 1024 + (ptrdiff_t)below(64 * 1024);
        for (i = 0; i < n;) {
            char row[96];
            const int w = snprintf(row, sizeof(row), "%ld,2026-11-%02dT%02d:%02dZ,%d.%02d,OK\n",
                                   1000000L + (long)(i / 40), (int)(1 + i * 28 / n),
                                   (int)below(24), (int)below(60), (int)below(100000),
                                   (int)below(100));
            memcpy(hay + i, row, (size_t)(i + w <= n ? w : n - i));
            i += w;
        }
        at = (ptrdiff_t)below((size_t)n / 8) + (s % 2 ? 0 : n - n / 8 - 64);
        while (at > 0 && hay[at - 1] != '\n')
            at--;
        k = s < 2 ? 16 : 9;
        memcpy(ndl, hay + at, (size_t)k);
        if (s >= 2)
            memcpy(ndl, "12345.678", 9);
        check(isa, hay, n, ndl, k);
    }
    run_sets(isa);
    printf("isa %-6s %ld cases ok\n", isa, cases - before);
}

int main(int argc, char **argv)
{
    char names[64];
    char *tok, *save = NULL;
    int i;
    hay_area = guarded_new(MAX_N);
    needle_area = guarded_new(LONG_K);
    if (argc > 1) {
        for (i = 1; i < argc; i++) {
            fm_config probe;
            if (fm_config_named(&probe, argv[i], NULL, NULL) != 0) {
                fprintf(stderr, "isa %s: not in this build or not run by this CPU "
                        "(available: %s)\n", argv[i], fm_isa_available());
                return 2;
            }
            run_isa(argv[i]);
        }
    } else {
        strncpy(names, fm_isa_available(), sizeof(names) - 1);
        names[sizeof(names) - 1] = '\0';
        for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            run_isa(tok);
    }
    printf("all %ld cases ok\n", cases);
    return 0;
}
