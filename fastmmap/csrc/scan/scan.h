/*
 * fastmmap's scanning engine: what the command line and fastmmap.files do
 * with the bytes of each input -- count a needle, list its offsets, print
 * the lines it occurs in with grep's options -- and the machinery that runs
 * those scans over many inputs on worker threads (files.c).
 *
 * Layers inside: pattern.c finds the next occurrence a grep option accepts
 * (word, line, several needles, an empty needle); grep.c turns occurrences
 * into selected lines, context and output; tally.c counts and lists offsets;
 * out.c is the output buffer; files.c opens, maps or reads each input and
 * runs the scans; walk.c lists the files under a directory as grep -r does.
 *
 * The searching itself is the search engine's (csrc/search), reached through
 * the function table fm_scan_env, which the Cython binding (_scan.pyx) fills
 * from _search.pxd and _guard.pxd: this directory compiles into its own
 * extension and names no symbol of another.
 *
 * Every scan works on (pointer, length) of an input's bytes, fed in one
 * piece (a mapped or read file) or block by block (a pipe): the caller keeps
 * the bytes a scan says it still needs and appends the next block to them.
 */
#ifndef FM_SCAN_H
#define FM_SCAN_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned char fm_u8;
typedef struct fm_set fm_set;          /* the search engine's (search.h) */

/* ---- The engines this one calls (filled once by the binding) ---- */
typedef struct fm_scan_env {
    ptrdiff_t (*find)(const char *y, ptrdiff_t n, const char *x, ptrdiff_t k);
    ptrdiff_t (*rfind)(const char *y, ptrdiff_t n, const char *x, ptrdiff_t k);
    ptrdiff_t (*count)(const char *y, ptrdiff_t n, const char *x, ptrdiff_t k);
    ptrdiff_t (*find_all)(const char *y, ptrdiff_t n, const char *x,
                          ptrdiff_t k, ptrdiff_t *out, ptrdiff_t cap,
                          ptrdiff_t *resume);
    /* Any of several needles (NULL where the binding has none). */
    ptrdiff_t (*set_find)(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                          ptrdiff_t *len, ptrdiff_t *which);
    ptrdiff_t (*set_rfind)(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                           ptrdiff_t *len, ptrdiff_t *which);
    ptrdiff_t (*set_count)(const fm_set *s, const fm_u8 *y, ptrdiff_t n);
    ptrdiff_t (*set_find_all)(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                              ptrdiff_t *out, ptrdiff_t *which, ptrdiff_t cap,
                              ptrdiff_t *resume);
    int (*set_match_at)(const fm_set *s, ptrdiff_t i, const fm_u8 *y,
                        ptrdiff_t n);
    /* fn(arg) under the SIGBUS guard: 0, or -1 if it touched a page its
     * file no longer backs. */
    int (*guard_run)(void (*fn)(void *), void *arg);
} fm_scan_env;

/* ---- What is searched for ---- */

/* One needle, or any of several (set), as grep -F takes them: an empty
 * needle among them matches at every offset; -w and -x restrict where an
 * occurrence counts (pattern.c). */
typedef struct fm_pattern {
    const fm_scan_env *env;
    const fm_set *set;          /* NULL: the single needle x[0:k] */
    const fm_u8 *x;
    ptrdiff_t k;                /* >= 1 unless only the empty needle */
    /* With a set: each needle and its length, for -w/-x retries. */
    const fm_u8 *const *xs;
    const ptrdiff_t *ks;
    ptrdiff_t count;
    int empty;                  /* an empty needle is among them */
    int multiline;              /* a needle holds a newline */
    int word;                   /* -w: delimited by non-word bytes */
    int line;                   /* -x: the whole line */
    int fold;                   /* ASCII case ignored (set searches) */
    ptrdiff_t longest;          /* the longest needle's length */
} fm_pattern;

/* Occurrences found ahead by one batched search (needles of two bytes or
 * more: one engine call per batch, not per line). */
#define FM_HITS 256
typedef struct fm_hits {
    ptrdiff_t from;             /* the batch holds the greedy occurrences from here */
    ptrdiff_t resume;           /* ... up to here, where the sequence goes on */
    ptrdiff_t at[FM_HITS];
    ptrdiff_t len[FM_HITS];
    ptrdiff_t count, next;
    int exhausted;              /* none after at[count - 1] */
    int valid;
} fm_hits;

/* The first occurrence in y[pos:n) that the pattern accepts, as grep -F
 * finds them; its length in *len; -1 if none.  y[0] is a line start and
 * y[n] the end of the input or of a complete line (the caller stops at
 * the last newline of a block that is not the last). */
ptrdiff_t fm_pattern_next(const fm_pattern *p, fm_hits *h, const fm_u8 *y,
                          ptrdiff_t n, ptrdiff_t pos, ptrdiff_t *len);

/* ---- Output ---- */

/* Bytes a scan produced for the consumer, in chunks handed over one by one
 * (out.c).  `sink` takes a full chunk; NULL keeps everything in the list. */
typedef struct fm_chunk {
    struct fm_chunk *next;
    size_t len, cap;
    fm_u8 data[];
} fm_chunk;

typedef struct fm_out {
    fm_chunk *head, *tail;      /* finished chunks, oldest first */
    fm_chunk *cur;              /* being filled */
    size_t chunk_size;
    /* Called with each chunk as it fills (e.g. to pass it to the consumer
     * at once); 0 to go on, -1 to stop the scan (cancelled). */
    int (*sink)(void *ctx, fm_chunk *c);
    void *sink_ctx;
    int failed;                 /* out of memory */
} fm_out;

void fm_out_init(fm_out *o, size_t chunk_size);
/* Room for at least `need` more bytes at the end; NULL when memory ran out
 * or the sink said stop (o->failed). */
fm_u8 *fm_out_room(fm_out *o, size_t need);
void fm_out_commit(fm_out *o, fm_u8 *end);     /* the bytes up to end are used */
int fm_out_put(fm_out *o, const void *data, size_t n);
/* Hands the chunk being filled on (to the list or the sink). */
int fm_out_flush(fm_out *o);
fm_chunk *fm_out_take(fm_out *o);              /* the finished list; o keeps none */
void fm_out_free(fm_out *o);
void fm_chunks_free(fm_chunk *c);
/* Decimal digits of v >= 0 at dst; returns how many. */
size_t fm_put_uint(fm_u8 *dst, unsigned long long v);

/* ---- grep ---- */

enum {
    FM_GREP_INVERT = 1 << 0,        /* -v */
    FM_GREP_ONLY = 1 << 1,          /* -o */
    FM_GREP_COUNT = 1 << 2,         /* -c */
    FM_GREP_FILES_WITH = 1 << 3,    /* -l */
    FM_GREP_FILES_WITHOUT = 1 << 4, /* -L */
    FM_GREP_QUIET = 1 << 5,         /* -q */
    FM_GREP_LINENO = 1 << 6,        /* -n */
    FM_GREP_BYTE_OFFSET = 1 << 7,   /* -b */
    FM_GREP_NAMES = 1 << 8,         /* file name before each line */
    FM_GREP_COLOR = 1 << 9,         /* GNU grep's default SGR colours */
    FM_GREP_RECORDS = 1 << 10       /* library: lines and numbers, no text */
};

typedef struct fm_grep_opts {
    const fm_pattern *pattern;
    unsigned flags;
    long long max_count;            /* -m; < 0: no limit */
    long long before, after;        /* -B, -A; < 0: not given */
} fm_grep_opts;

/* One input's grep.  Positions are offsets in the current buffer; `base`
 * is the stream offset of buffer[0]. */
typedef struct fm_grep {
    const fm_grep_opts *o;
    const fm_u8 *name;              /* shown before lines (NAMES) */
    size_t name_len;
    fm_hits hits;
    long long base;                 /* stream offset of buf[0] */
    ptrdiff_t pos;                  /* where the next line to decide starts */
    ptrdiff_t search;               /* where occurrences are looked for next */
    ptrdiff_t counted;              /* a line start whose number is lineno */
    long long lineno;
    long long selected;             /* lines selected so far */
    long long after_left;           /* context lines still owed after a selected one */
    long long printed_end;          /* stream offset past the last line printed; -1 none */
    long long groups;               /* groups of output lines so far */
    int lead_sep;                   /* bytes of the "--" before the first group,
                                       which the printer drops unless an
                                       earlier input had a group */
    int done;                       /* nothing more to do (-m, -l, -q) */
    int stopped;                    /* the output said stop */
} fm_grep;

void fm_grep_init(fm_grep *g, const fm_grep_opts *o, const fm_u8 *name,
                  size_t name_len);
/* Scans buf[0:n] (the input's last bytes when final), writing to out.
 * Returns how many leading bytes of buf the next call no longer needs (the
 * caller drops them and appends the next block); -1 if out failed. */
ptrdiff_t fm_grep_feed(fm_grep *g, const fm_u8 *buf, ptrdiff_t n, int final,
                       fm_out *out);

/* ---- Counting and locating ---- */

enum {
    FM_TALLY_COUNT,                 /* non-overlapping occurrences */
    FM_TALLY_OFFSETS,               /* ... and their offsets, to the output */
    FM_TALLY_FIRST,                 /* the first one's offset */
    FM_TALLY_LAST                   /* the last one's offset */
};

/* One input's tally.  The pattern has no -w/-x here: occurrences as
 * bytes.count takes them (the empty needle: every offset, the end too). */
typedef struct fm_tally {
    const fm_pattern *p;
    int kind;
    int binary;                     /* OFFSETS as int64, not text lines */
    const fm_u8 *prefix;            /* text lines: before each offset */
    size_t prefix_len;
    long long base;                 /* stream offset of buf[0] */
    ptrdiff_t pos;                  /* where the greedy scan goes on */
    long long count;
    long long first, last;          /* -1: none */
    int done;                       /* FIRST found */
} fm_tally;

void fm_tally_init(fm_tally *t, const fm_pattern *p, int kind,
                   const fm_u8 *prefix, size_t prefix_len);
/* As fm_grep_feed: returns the leading bytes no longer needed, -1 if the
 * output failed. */
ptrdiff_t fm_tally_feed(fm_tally *t, const fm_u8 *buf, ptrdiff_t n, int final,
                        fm_out *out);

/* Whether a NUL byte is in buf[0:n] (grep's test for a binary file). */
int fm_has_nul(const fm_scan_env *env, const fm_u8 *buf, ptrdiff_t n);

#endif /* FM_SCAN_H */
