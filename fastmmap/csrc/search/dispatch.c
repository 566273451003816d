/*
 * Choosing the kernels: once, at import (fm_init), from what the CPU runs;
 * never per call.  x86-64: SSE2 is the baseline, AVX2 when CPUID and the
 * OS (XCR0) allow it.  aarch64: NEON is the baseline.  Elsewhere, and in
 * the portable build: the scalar table.
 */
#include <string.h>

#include "internal.h"

#if defined(FM_HAVE_AVX2)
#  include <cpuid.h>
#endif

/* Every table this build has, worst first. */
static const fm_ops *const fm_tables[] = {
    &fm_ops_scalar,
#ifdef FM_HAVE_SSE2
    &fm_ops_sse2,
#endif
#ifdef FM_HAVE_AVX2
    &fm_ops_avx2,
#endif
#ifdef FM_HAVE_NEON
    &fm_ops_neon,
#endif
};
#define FM_NTABLES (sizeof(fm_tables) / sizeof(fm_tables[0]))

#ifdef FM_HAVE_AVX2
/* AVX2 with the BMI1 and POPCNT that its kernels are compiled for, and the
 * OS saving the YMM registers. */
static int fm_cpu_has_avx2(void)
{
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid(1, a, b, c, d);
    /* POPCNT, OSXSAVE, AVX. */
    if (!(c & (1u << 23)) || !(c & (1u << 27)) || !(c & (1u << 28)))
        return 0;
    /* XCR0: SSE and AVX state enabled.  The _xgetbv intrinsic would need
     * the XSAVE target in this file; the encoded instruction needs none. */
    {
        unsigned int lo, hi;
        __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
        (void)hi;
        if ((lo & 6u) != 6u)
            return 0;
    }
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) && (b & (1u << 3));
}
#endif

/* Whether this CPU runs table t. */
static int fm_runs(const fm_ops *t)
{
#ifdef FM_HAVE_AVX2
    if (t == &fm_ops_avx2) {
        static int avx2 = -1;
        if (avx2 < 0)
            avx2 = fm_cpu_has_avx2();
        return avx2;
    }
#endif
    (void)t;
    return 1;
}

static const fm_ops *fm_best(void)
{
    size_t i = FM_NTABLES;
    while (--i > 0) {
        if (fm_runs(fm_tables[i]))
            return fm_tables[i];
    }
    return fm_tables[0];
}

/* The table named `isa` (NULL or "": the best); *err as for fm_init. */
static const fm_ops *fm_lookup(const char *isa, int *err)
{
    size_t i;
    *err = 0;
    if (isa == NULL || !*isa)
        return fm_best();
    for (i = 0; i < FM_NTABLES; i++) {
        if (strcmp(fm_tables[i]->name, isa) == 0) {
            if (fm_runs(fm_tables[i]))
                return fm_tables[i];
            *err = -2;
            return fm_best();
        }
    }
    *err = strcmp(isa, "sse2") == 0 || strcmp(isa, "avx2") == 0
           || strcmp(isa, "neon") == 0 ? -2 : -1;
    return fm_best();
}

fm_config fm_default = {&fm_ops_scalar, FM_PREFILTER_AUTO, FM_FALLBACK_AUTO,
                        NULL};

int fm_init(const char *isa)
{
    int err;
    fm_default.ops = fm_lookup(isa, &err);
    return err;
}

const char *fm_isa_name(const fm_config *cfg)
{
    return cfg->ops->name;
}

const char *fm_isa_available(void)
{
    static char names[64];
    size_t i, len = 0;
    if (names[0])
        return names;
    for (i = 0; i < FM_NTABLES; i++) {
        const size_t m = strlen(fm_tables[i]->name);
        if (!fm_runs(fm_tables[i]) || len + m + 2 > sizeof(names))
            continue;
        if (len)
            names[len++] = ' ';
        memcpy(names + len, fm_tables[i]->name, m);
        len += m;
    }
    names[len] = '\0';
    return names;
}

int fm_config_named(fm_config *cfg, const char *isa, const char *prefilter,
                    const char *fallback)
{
    int err;
    cfg->ops = fm_lookup(isa, &err);
    cfg->trace = NULL;
    if (prefilter == NULL || !*prefilter || !strcmp(prefilter, "auto"))
        cfg->prefilter = FM_PREFILTER_AUTO;
    else if (!strcmp(prefilter, "memchr"))
        cfg->prefilter = FM_PREFILTER_MEMCHR;
    else if (!strcmp(prefilter, "pair"))
        cfg->prefilter = FM_PREFILTER_PAIR;
    else if (!strcmp(prefilter, "none"))
        cfg->prefilter = FM_PREFILTER_NONE;
    else
        return -1;
    if (fallback == NULL || !*fallback || !strcmp(fallback, "auto"))
        cfg->fallback = FM_FALLBACK_AUTO;
    else if (!strcmp(fallback, "no-memmem"))
        cfg->fallback = FM_FALLBACK_NO_MEMMEM;
    else if (!strcmp(fallback, "two-way"))
        cfg->fallback = FM_FALLBACK_TWOWAY;
    else
        return -1;
    return err;
}
