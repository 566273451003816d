/*
 * Choosing the kernels: once, at import (fm_init), from what the CPU runs;
 * never per call.  The instruction sets are internal.h's FM_ISAS list;
 * each isa_<name>.c says whether this build has its kernels and whether
 * this CPU runs them.  x86-64: SSE2 is the baseline, AVX2 when CPUID and
 * the OS allow it.  aarch64: NEON is the baseline.  Elsewhere, and in the
 * portable build: the scalar table.
 */
#include <string.h>

#include "internal.h"

#define FM_ISA_ENTRY(isa) &fm_isa_##isa,
/* Every instruction set the engine knows, worst first. */
static const fm_isa *const fm_isas[] = {FM_ISAS(FM_ISA_ENTRY)};
#undef FM_ISA_ENTRY
#define FM_NISAS (sizeof(fm_isas) / sizeof(fm_isas[0]))

/* Whether this build has d's kernels and this CPU runs them. */
static int fm_usable(const fm_isa *d)
{
    return d->ops != NULL && (d->runs == NULL || d->runs());
}

static const fm_ops *fm_best(void)
{
    size_t i = FM_NISAS;
    while (i-- > 0) {
        if (fm_usable(fm_isas[i]))
            return fm_isas[i]->ops;
    }
    return &fm_ops_scalar;
}

/* The kernels named `isa` (NULL or "": the best); *err as for fm_init:
 * -1 for a name not in FM_ISAS, -2 for one this build or CPU lacks. */
static const fm_ops *fm_lookup(const char *isa, int *err)
{
    size_t i;
    *err = 0;
    if (isa == NULL || !*isa)
        return fm_best();
    for (i = 0; i < FM_NISAS; i++) {
        if (strcmp(fm_isas[i]->name, isa) == 0) {
            if (fm_usable(fm_isas[i]))
                return fm_isas[i]->ops;
            *err = -2;
            return fm_best();
        }
    }
    *err = -1;
    return fm_best();
}

fm_config fm_default = {.ops = &fm_ops_scalar,
                        .prefilter = FM_PREFILTER_AUTO,
                        .fallback = FM_FALLBACK_AUTO};

int fm_init(const char *isa)
{
    int err;
    fm_default.ops = fm_lookup(isa, &err);
    return err;
}

const char *fm_isa_name(const fm_config *cfg)
{
    size_t i;
    for (i = 0; i < FM_NISAS; i++) {
        if (fm_isas[i]->ops == cfg->ops)
            return fm_isas[i]->name;
    }
    return "?";
}

const char *fm_isa_available(void)
{
    static char names[64];
    size_t i, len = 0;
    if (names[0])
        return names;
    for (i = 0; i < FM_NISAS; i++) {
        const size_t m = strlen(fm_isas[i]->name);
        if (!fm_usable(fm_isas[i]) || len + m + 2 > sizeof(names))
            continue;
        if (len)
            names[len++] = ' ';
        memcpy(names + len, fm_isas[i]->name, m);
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
#ifdef FM_TESTING
    cfg->trace = NULL;
#endif
    if (prefilter == NULL || !*prefilter || !strcmp(prefilter, "auto"))
        cfg->prefilter = FM_PREFILTER_AUTO;
    else if (!strcmp(prefilter, "memchr"))
        cfg->prefilter = FM_PREFILTER_MEMCHR;
    else if (!strcmp(prefilter, "pair"))
        cfg->prefilter = FM_PREFILTER_PAIR;
    else if (!strcmp(prefilter, "none"))
        cfg->prefilter = FM_PREFILTER_NONE;
    else if (!strcmp(prefilter, "skip"))
        cfg->prefilter = FM_PREFILTER_SKIP;
    else
        return -1;
    if (fallback == NULL || !*fallback || !strcmp(fallback, "auto"))
        cfg->fallback = FM_FALLBACK_AUTO;
    else if (!strcmp(fallback, "two-way"))
        cfg->fallback = FM_FALLBACK_TWOWAY;
    else
        return -1;
    return err;
}
