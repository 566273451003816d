/*
 * grep over one input: which lines are selected (those an accepted
 * occurrence touches, or with -v the others), and what is printed for them
 * -- the lines with their prefixes, context and group separators, only the
 * occurrences (-o), or nothing but a tally (-c, -l, -L, -q) -- in GNU
 * grep's format, byte for byte.
 *
 * The input comes in one buffer or block by block.  A block that is not the
 * last is scanned up to its last newline: lines are decided whole, and the
 * caller keeps the rest (and the lines before-context may still print) for
 * the next call.  State that spans blocks lives in fm_grep in stream
 * offsets or as buffer offsets rebased at each call.
 */
#include <string.h>

#include "scan.h"

/* GNU grep's default colours (GREP_COLORS' ms, mc, fn, ln, bn, se). */
#define SGR_END "\33[m\33[K"
#define SGR_MATCH "\33[01;31m\33[K"
#define SGR_NAME "\33[35m\33[K"
#define SGR_NUMBER "\33[32m\33[K"
#define SGR_SEP "\33[36m\33[K"
#define SGR_LEN(s) (sizeof(s) - 1)

enum { SELECTED, CONTEXT };

/* One call's view of the buffer. */
typedef struct {
    fm_grep *g;
    const fm_grep_opts *o;
    const fm_pattern *p;
    const fm_scan_env *env;
    const fm_u8 *buf;
    ptrdiff_t n;            /* bytes in buf */
    ptrdiff_t limit;        /* end of the complete lines */
    ptrdiff_t search_end;   /* where occurrences may end */
    int final;
    fm_out *out;
    int lines_out;          /* lines are printed (not a tally) */
    int context;            /* -A or -B given */
} run;

static ptrdiff_t line_end(const run *r, ptrdiff_t from)
{
    ptrdiff_t nl;
    if (from >= r->n)
        return r->n;
    nl = r->env->find((const char *)r->buf + from, r->n - from, "\n", 1);
    return nl < 0 ? r->n : from + nl + 1;
}

/* Start of the line holding buf[pos], not before lo (a line start). */
static ptrdiff_t line_start(const run *r, ptrdiff_t lo, ptrdiff_t pos)
{
    ptrdiff_t nl;
    if (pos <= lo)
        return lo;
    nl = r->env->rfind((const char *)r->buf + lo, pos - lo, "\n", 1);
    return nl < 0 ? lo : lo + nl + 1;
}

static ptrdiff_t newlines(const run *r, ptrdiff_t from, ptrdiff_t to)
{
    if (to <= from)
        return 0;
    return r->env->count((const char *)r->buf + from, to - from, "\n", 1);
}

/* Lines in [from, to): the newlines, plus a last line without one. */
static long long lines_in(const run *r, ptrdiff_t from, ptrdiff_t to)
{
    long long k = newlines(r, from, to);
    if (to > from && r->buf[to - 1] != '\n')
        k++;
    return k;
}

/* The line number of the line starting at ls (LINENO only). */
static long long number_of(run *r, ptrdiff_t ls)
{
    fm_grep *g = r->g;
    if (ls > g->counted) {
        g->lineno += newlines(r, g->counted, ls);
        g->counted = ls;
    }
    return g->lineno;
}

static fm_u8 *put(fm_u8 *dst, const char *s, size_t n)
{
    memcpy(dst, s, n);
    return dst + n;
}

/* "--" between groups of lines that do not touch. */
static int separator(run *r)
{
    fm_u8 *dst = fm_out_room(r->out, 32);
    fm_u8 *start = dst;
    if (dst == NULL)
        return -1;
    if (r->o->flags & FM_GREP_COLOR) {
        dst = put(dst, SGR_SEP, SGR_LEN(SGR_SEP));
        dst = put(dst, "--", 2);
        dst = put(dst, SGR_END, SGR_LEN(SGR_END));
    }
    else
        dst = put(dst, "--", 2);
    *dst++ = '\n';
    fm_out_commit(r->out, dst);
    return (int)(dst - start);
}

/* The end of a prefix field: its separator, coloured as GNU grep colours
 * it (the field's own colour ends first). */
static fm_u8 *field_end(fm_u8 *dst, int color, char sep)
{
    if (color) {
        dst = put(dst, SGR_END, SGR_LEN(SGR_END));
        dst = put(dst, SGR_SEP, SGR_LEN(SGR_SEP));
    }
    *dst++ = (fm_u8)sep;
    if (color)
        dst = put(dst, SGR_END, SGR_LEN(SGR_END));
    return dst;
}

/* The prefix of a line or occurrence: name, line number, byte offset, each
 * followed by ':' (selected) or '-' (context).  dst has room for it. */
static fm_u8 *prefix(run *r, fm_u8 *dst, long long lineno, long long offset,
                     int kind)
{
    const unsigned flags = r->o->flags;
    const int color = (flags & FM_GREP_COLOR) != 0;
    const char sep = kind == SELECTED ? ':' : '-';
    if (flags & FM_GREP_NAMES) {
        if (color)
            dst = put(dst, SGR_NAME, SGR_LEN(SGR_NAME));
        dst = put(dst, (const char *)r->g->name, r->g->name_len);
        dst = field_end(dst, color, sep);
    }
    if (flags & FM_GREP_LINENO) {
        if (color)
            dst = put(dst, SGR_NUMBER, SGR_LEN(SGR_NUMBER));
        dst += fm_put_uint(dst, (unsigned long long)lineno);
        dst = field_end(dst, color, sep);
    }
    if (flags & FM_GREP_BYTE_OFFSET) {
        if (color)
            dst = put(dst, SGR_NUMBER, SGR_LEN(SGR_NUMBER));
        dst += fm_put_uint(dst, (unsigned long long)offset);
        dst = field_end(dst, color, sep);
    }
    return dst;
}

/* Room a prefix may take. */
static size_t prefix_room(const run *r)
{
    return r->g->name_len + 3 * (SGR_LEN(SGR_NAME) + 2 * SGR_LEN(SGR_END)
                                 + SGR_LEN(SGR_SEP) + 24);
}

/* Copies line [ls, le) with its matches coloured.  dst has room. */
static fm_u8 *coloured(run *r, fm_u8 *dst, ptrdiff_t ls, ptrdiff_t le)
{
    /* Searched within the line: its end is where -w and -x see one. */
    ptrdiff_t body_end = le > ls && r->buf[le - 1] == '\n' ? le - 1 : le;
    ptrdiff_t copied = ls, from = ls, s, len;
    fm_hits hits;
    hits.valid = 0;
    while (from <= body_end) {
        s = fm_pattern_next(r->p, &hits, r->buf, body_end, from, &len);
        if (s < 0 || s >= body_end)
            break;
        if (len == 0) {
            from = s + 1;       /* an empty match colours nothing */
            continue;
        }
        memcpy(dst, r->buf + copied, (size_t)(s - copied));
        dst += s - copied;
        dst = put(dst, SGR_MATCH, SGR_LEN(SGR_MATCH));
        memcpy(dst, r->buf + s, (size_t)len);
        dst += len;
        dst = put(dst, SGR_END, SGR_LEN(SGR_END));
        copied = from = s + len;
    }
    memcpy(dst, r->buf + copied, (size_t)(le - copied));
    return dst + (le - copied);
}

/* The room colouring line [ls, le) may take: every byte a match. */
static size_t coloured_room(ptrdiff_t ls, ptrdiff_t le)
{
    return (size_t)(le - ls) * (1 + SGR_LEN(SGR_MATCH) + SGR_LEN(SGR_END));
}

/* -o: each non-empty accepted occurrence in line [ls, le), one per output
 * line; an occurrence holding a newline is printed a line at a time, each
 * piece with its own line number but the occurrence's byte offset (as
 * rg -o -U does). */
static int print_occurrences(run *r, ptrdiff_t ls, ptrdiff_t le, int kind)
{
    const int color = (r->o->flags & FM_GREP_COLOR) != 0;
    ptrdiff_t s, len, piece, end, nl;
    /* Searched within the line (to its newline, which -w and -x see as
     * its end), unless an occurrence may hold a newline. */
    const ptrdiff_t stop = r->p->multiline ? r->search_end
                           : le > ls && r->buf[le - 1] == '\n' ? le - 1 : le;
    long long lineno = 0;
    fm_hits hits;
    fm_u8 *dst;
    hits.valid = 0;
    s = fm_pattern_next(r->p, &hits, r->buf, stop, ls, &len);
    while (s >= 0 && s < le) {
        for (piece = s, end = s + len; len > 0 && piece < end; piece = nl) {
            nl = line_end(r, piece);
            if (nl > end)
                nl = end;
            if (r->o->flags & FM_GREP_LINENO)
                lineno = number_of(r, line_start(r, ls, piece));
            dst = fm_out_room(r->out, prefix_room(r) + (size_t)(nl - piece) + 1
                              + SGR_LEN(SGR_MATCH) + SGR_LEN(SGR_END));
            if (dst == NULL)
                return -1;
            dst = prefix(r, dst, lineno, r->g->base + s, kind);
            if (color)
                dst = put(dst, SGR_MATCH, SGR_LEN(SGR_MATCH));
            /* The piece without its newline: each piece ends a line. */
            memcpy(dst, r->buf + piece, (size_t)(nl - piece));
            dst += nl - piece;
            if (dst[-1] == '\n' && nl - piece > 0)
                dst--;
            if (color)
                dst = put(dst, SGR_END, SGR_LEN(SGR_END));
            *dst++ = '\n';
            fm_out_commit(r->out, dst);
        }
        s = fm_pattern_next(r->p, &hits, r->buf, stop,
                            len > 0 ? s + len : s + 1, &len);
    }
    return 0;
}

/* Prints line [ls, le) (le past its newline, or the input's end) as a
 * selected or context line -- with -o, the occurrences in it, which only
 * lines holding one have (selected ones, or with -v the context ones). */
static int print_line(run *r, ptrdiff_t ls, ptrdiff_t le, int kind)
{
    fm_grep *g = r->g;
    const unsigned flags = r->o->flags;
    const int holds_matches = (kind == SELECTED) != ((flags & FM_GREP_INVERT) != 0);
    long long lineno = 0;
    size_t room;
    fm_u8 *dst;
    int colour_matches;
    g->printed_end = g->base + le;
    if (flags & FM_GREP_ONLY)
        return holds_matches ? print_occurrences(r, ls, le, kind) : 0;
    if (flags & FM_GREP_LINENO)
        lineno = number_of(r, ls);
    colour_matches = (flags & FM_GREP_COLOR) && holds_matches;
    room = prefix_room(r) + 1
           + (colour_matches ? coloured_room(ls, le) : (size_t)(le - ls));
    dst = fm_out_room(r->out, room);
    if (dst == NULL)
        return -1;
    dst = prefix(r, dst, lineno, g->base + ls, kind);
    if (colour_matches)
        dst = coloured(r, dst, ls, le);
    else {
        memcpy(dst, r->buf + ls, (size_t)(le - ls));
        dst += le - ls;
    }
    if (le == ls || r->buf[le - 1] != '\n')
        *dst++ = '\n';          /* the last line, without its newline */
    else if (flags & FM_GREP_LINENO) {
        g->lineno++;            /* counted past this line at once */
        g->counted = le;
    }
    fm_out_commit(r->out, dst);
    return 0;
}

/* A line for the library (RECORDS): line number, stream offset, length,
 * then the line without its newline. */
static int record_line(run *r, ptrdiff_t ls, ptrdiff_t le)
{
    int64_t head[3];
    ptrdiff_t body = le > ls && r->buf[le - 1] == '\n' ? le - 1 - ls : le - ls;
    fm_u8 *dst = fm_out_room(r->out, sizeof(head) + (size_t)body);
    if (dst == NULL)
        return -1;
    head[0] = number_of(r, ls);
    head[1] = r->g->base + ls;
    head[2] = body;
    memcpy(dst, head, sizeof(head));
    memcpy(dst + sizeof(head), r->buf + ls, (size_t)body);
    fm_out_commit(r->out, dst + sizeof(head) + body);
    if (le > ls && r->buf[le - 1] == '\n') {
        r->g->lineno++;
        r->g->counted = le;
    }
    return 0;
}

/* Context lines owed after a selected line, from `from` up to `to` (a
 * line start); returns where they stop. */
static ptrdiff_t after_context(run *r, ptrdiff_t from, ptrdiff_t to)
{
    fm_grep *g = r->g;
    ptrdiff_t le;
    while (g->after_left > 0 && from < to) {
        le = line_end(r, from);
        if (le > to)
            le = to;
        if (print_line(r, from, le, CONTEXT) != 0)
            return -1;
        g->after_left--;
        from = le;
    }
    return from;
}

/* Where the -B lines before ls begin: at most -B lines back, none already
 * printed. */
static ptrdiff_t before_start(run *r, ptrdiff_t ls)
{
    fm_grep *g = r->g;
    ptrdiff_t floor = 0, start = ls;
    long long k;
    if (g->printed_end >= 0 && g->printed_end - g->base > floor)
        floor = (ptrdiff_t)(g->printed_end - g->base);
    for (k = 0; k < r->o->before && start > floor; k++)
        start = line_start(r, floor, start - 1);
    return start;
}

/* A group of output starts at p (GNU grep's prtext): with context, "--"
 * before it unless it continues the last output.  The first group of an
 * input gets one too, marked, which the printer drops unless an earlier
 * input had a group (GNU grep's `used` spans its inputs). */
static int group_start(run *r, ptrdiff_t p)
{
    fm_grep *g = r->g;
    int n;
    if (!r->context)
        return 0;
    if (g->printed_end >= 0 && g->base + p == g->printed_end)
        return 0;
    n = separator(r);
    if (n < 0)
        return -1;
    if (g->printed_end < 0 && g->groups == 0)
        g->lead_sep = n;
    return 0;
}

/* One selected line [ls, le), after its group separator and leading
 * context unless it continues a group.  Returns -1 if the output failed. */
static int selected_line(run *r, ptrdiff_t ls, ptrdiff_t le, int continues)
{
    const unsigned flags = r->o->flags;
    ptrdiff_t p, cl;
    if (flags & FM_GREP_RECORDS)
        return record_line(r, ls, le);
    if (!continues) {
        p = r->o->before > 0 ? before_start(r, ls) : ls;
        if (group_start(r, p) != 0)
            return -1;
        for (; p < ls; p = cl) {
            cl = line_end(r, p);
            if (print_line(r, p, cl, CONTEXT) != 0)
                return -1;
        }
        r->g->groups++;
    }
    if (print_line(r, ls, le, SELECTED) != 0)
        return -1;
    r->g->after_left = r->o->after;
    return 0;
}

/* Counts a selected line; 1 when the scan of this input is over (-l, -L,
 * -q, or -m reached). */
static int tally(run *r)
{
    fm_grep *g = r->g;
    g->selected++;
    if (r->o->flags & (FM_GREP_FILES_WITH | FM_GREP_FILES_WITHOUT | FM_GREP_QUIET))
        return 1;
    return r->o->max_count >= 0 && g->selected >= r->o->max_count;
}

/* The next block of lines an accepted occurrence touches: the occurrence
 * at *s (*len), searched from g->search (pos for needles without a
 * newline), and its lines from *ls (not before pos: a needle holding a
 * newline may start in a line already decided) to *le.  0 if there is none
 * among the complete lines; -1 if there is one but its lines run past them
 * (the next block must come first); 1 otherwise. */
static int next_block(run *r, ptrdiff_t pos, ptrdiff_t *ls, ptrdiff_t *le,
                      ptrdiff_t *s, ptrdiff_t *len)
{
    fm_grep *g = r->g;
    /* A needle holding a newline is searched for greedily from the end of
     * the last occurrence, which may lie in a line already printed. */
    ptrdiff_t from = r->p->multiline ? g->search : pos;
    ptrdiff_t at = fm_pattern_next(r->p, &g->hits, r->buf, r->search_end,
                                   from, len);
    if (at < 0 || at > r->limit)
        return 0;
    if (at == r->limit && !(r->final && at == r->n && pos < r->n
                            && r->buf[r->n - 1] != '\n'))
        return 0;               /* past the last line: no line there (an
                                   empty match may end an unterminated one
                                   not decided yet) */
    *s = at;
    *ls = line_start(r, pos, at);
    *le = line_end(r, *len > 0 ? at + *len - 1 : at);
    if (*le > r->limit)
        return -1;
    return 1;
}

/* After the block: where occurrences are looked for next (multiline) --
 * greedy, from the end of this one. */
static void searched(run *r, ptrdiff_t s, ptrdiff_t len, ptrdiff_t le)
{
    r->g->search = r->p->multiline ? (len > 0 ? s + len : s + 1) : le;
}

/* Non-inverted: the lines occurrences touch. */
static int scan_matching(run *r)
{
    fm_grep *g = r->g;
    ptrdiff_t pos = g->pos, ls, le, s, len, one;
    int found;
    while (!g->done) {
        found = next_block(r, pos, &ls, &le, &s, &len);
        if (found <= 0) {
            /* Decided up to the complete lines' end, or to the start of a
             * block that needs the next buffer. */
            le = found < 0 ? ls : r->limit;
            if (r->lines_out && after_context(r, pos, le) < 0)
                return -1;
            pos = le;
            break;
        }
        if (r->lines_out && after_context(r, pos, ls) < 0)
            return -1;
        searched(r, s, len, le);
        /* A block of several lines (a needle holding a newline) counts
         * and prints each; only the first holds the occurrence's start. */
        while (ls < le && !g->done) {
            one = r->p->multiline ? line_end(r, ls) : le;
            if (r->lines_out && selected_line(r, ls, one, s < 0) != 0)
                return -1;
            if (tally(r))
                g->done = 1;
            s = -1;
            ls = one;
        }
        pos = ls;
    }
    g->pos = pos;
    return 0;
}

/* -v: the lines no accepted occurrence touches. */
static int scan_inverted(run *r)
{
    fm_grep *g = r->g;
    const int just_count = !r->lines_out && r->o->max_count < 0
        && !(r->o->flags & (FM_GREP_FILES_WITH | FM_GREP_FILES_WITHOUT
                            | FM_GREP_QUIET));
    ptrdiff_t pos = g->pos, ms, me, s, len, le;
    int found;
    while (!g->done) {
        found = next_block(r, pos, &ms, &me, &s, &len);
        if (found <= 0)
            ms = me = found < 0 ? ms : r->limit;
        /* [pos, ms) holds no occurrence: every line there is selected. */
        if (just_count) {
            g->selected += lines_in(r, pos, ms);
            pos = ms;
        }
        while (pos < ms && !g->done) {
            le = line_end(r, pos);
            if (r->lines_out && selected_line(r, pos, le, 0) != 0)
                return -1;
            if (tally(r))
                g->done = 1;
            pos = le;
        }
        if (found <= 0 || g->done)
            break;
        /* The block is not selected: it may print as context. */
        if (r->lines_out && after_context(r, ms, me) < 0)
            return -1;
        searched(r, s, len, me);
        pos = me;
    }
    g->pos = pos;
    return 0;
}

void fm_grep_init(fm_grep *g, const fm_grep_opts *o, const fm_u8 *name,
                  size_t name_len)
{
    memset(g, 0, sizeof(*g));
    g->o = o;
    g->name = name;
    g->name_len = name_len;
    g->lineno = 1;
    g->printed_end = -1;
    g->done = o->max_count == 0;
    g->after_left = 0;
}

/* The bytes the next call still needs: from the first undecided line, or
 * the lines -B may print before it (not those printed already). */
static ptrdiff_t keep_from(run *r)
{
    fm_grep *g = r->g;
    ptrdiff_t keep = g->pos, floor = 0;
    long long k;
    if (r->p->multiline && g->search < keep)
        keep = line_start(r, 0, g->search);     /* the next occurrence may start there */
    if (r->o->before > 0 && r->lines_out && !g->done) {
        if (g->printed_end >= 0 && g->printed_end - g->base > floor)
            floor = (ptrdiff_t)(g->printed_end - g->base);
        for (k = 0; k < r->o->before && keep > floor; k++)
            keep = line_start(r, floor, keep - 1);
    }
    return keep;
}

ptrdiff_t fm_grep_feed(fm_grep *g, const fm_u8 *buf, ptrdiff_t n, int final,
                       fm_out *out)
{
    const fm_grep_opts *o = g->o;
    const unsigned flags = o->flags;
    run r;
    ptrdiff_t keep, last_nl;
    r.g = g;
    r.o = o;
    r.p = o->pattern;
    r.env = o->pattern->env;
    r.buf = buf;
    r.n = n;
    r.final = final;
    r.out = out;
    r.lines_out = !(flags & (FM_GREP_COUNT | FM_GREP_FILES_WITH
                             | FM_GREP_FILES_WITHOUT | FM_GREP_QUIET));
    r.context = r.lines_out && !(flags & FM_GREP_RECORDS)
                && (o->before >= 0 || o->after >= 0);
    if (final)
        r.limit = n;
    else {
        /* Lines are decided whole, and only once every occurrence that
         * may touch them is in the buffer: a needle holding a newline can
         * run up to longest - 1 bytes past the end of the line it starts
         * in. */
        ptrdiff_t seen = r.p->multiline ? n - r.p->longest + 1 : n;
        last_nl = g->pos < seen ? r.env->rfind((const char *)buf + g->pos,
                                               seen - g->pos, "\n", 1) : -1;
        r.limit = last_nl < 0 ? g->pos : g->pos + last_nl + 1;
    }
    r.search_end = r.p->multiline ? n : r.limit;
    if (g->done) {
        /* Only the context owed after the last selected line. */
        if (r.lines_out && g->after_left > 0) {
            ptrdiff_t stop = after_context(&r, g->pos, r.limit);
            if (stop < 0)
                return -1;
            g->pos = stop;
        }
        else
            g->pos = r.limit;
    }
    else if (flags & FM_GREP_INVERT) {
        if (scan_inverted(&r) != 0)
            return -1;
    }
    else if (scan_matching(&r) != 0)
        return -1;
    if (g->done && r.lines_out && g->after_left > 0) {
        /* -m reached: the context owed after its last line still prints. */
        ptrdiff_t stop = after_context(&r, g->pos, r.limit);
        if (stop < 0)
            return -1;
        g->pos = stop;
    }
    if (out->failed)
        return -1;
    if (final)
        return n;
    keep = keep_from(&r);
    /* Rebase what is kept to the next buffer. */
    if (flags & (FM_GREP_LINENO | FM_GREP_RECORDS))
        number_of(&r, keep);
    g->counted -= keep;
    g->pos -= keep;
    g->search = g->search > keep ? g->search - keep : 0;
    g->base += keep;
    g->hits.valid = 0;
    return keep;
}

int fm_has_nul(const fm_scan_env *env, const fm_u8 *buf, ptrdiff_t n)
{
    return n > 0 && env->find((const char *)buf, n, "\0", 1) >= 0;
}
