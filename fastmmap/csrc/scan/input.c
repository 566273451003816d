/*
 * One input, scanned by a worker:
 *
 *   - a regular file of task->map_min bytes or more is mapped and scanned
 *     under the SIGBUS guard (a file cut short meanwhile ends that input
 *     with FM_FAIL_TRUNCATED, not the process), a window at a time from
 *     the map or from read() copies, whichever is cheaper (window.c);
 *   - a smaller regular file is read whole into the worker's own buffer
 *     (below some size one read() costs less than setting up and tearing
 *     down a mapping: docs/performance.rst has the crossover); a file the
 *     walk found is read without an fstat first, and only one that fills
 *     the first read is sized (and mapped if it is big);
 *   - anything else (a pipe, a device, a /proc file that says size 0) is
 *     read a block at a time, the scan keeping what it still needs.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner.h"

#ifndef O_CLOEXEC
#  define O_CLOEXEC 0
#endif
#ifndef O_NOCTTY
#  define O_NOCTTY 0
#endif

/* Reads of inputs that are not regular files. */
#define BLOCK (1u << 20)
/* The first read of a file the walk found: most source files fit. */
#define FIRST_READ (64u << 10)
/* The bytes grep looks at for a NUL to call a file binary. */
#define BINARY_PROBE (32u << 10)

/* SAFETY: runs inside a guarded scan of a mapped file (fm_out_room calls
 * it): it takes the runner's lock, may write to the output and may wait on
 * a condition variable, but touches no mapped byte, so the fault guard can
 * never jump out of it while it holds the lock. */
static int to_runner(void *ctx, fm_chunk *c)
{
    fm_scan_state *s = (fm_scan_state *)ctx;
    if (s->part != NULL)
        return fm_part_output(s->r, s->part, c);
    /* Written before the chunk is published (under the runner's lock). */
    s->job->lead_sep = s->grep.lead_sep;
    return fm_runner_output(s->r, s->job, s->index, c);
}

static int lines_out(const fm_grep_opts *o)
{
    return !(o->flags & (FM_GREP_COUNT | FM_GREP_FILES_WITH
                         | FM_GREP_FILES_WITHOUT | FM_GREP_QUIET));
}

void fm_scan_begin(fm_scan_state *s, fm_runner *r, fm_job *job, size_t index,
                   fm_part *part, long long base)
{
    const fm_task *t = r->task;
    size_t plen = 0;
    memset(&s->grep, 0, sizeof(s->grep));
    s->r = r;
    s->job = job;
    s->index = index;
    s->part = part;
    s->base = base;
    s->probed = 0;
    s->binary = 0;
    s->rc = 0;
    s->fd = -1;
    s->file_offset = 0;
    s->w = NULL;
    fm_out_init(&s->out, FM_CHUNK);
    s->out.sink = to_runner;
    s->out.sink_ctx = s;
    if (t->kind == FM_TASK_TALLY) {
        if (t->names && job->name_len + 1 <= sizeof(s->prefix)) {
            memcpy(s->prefix, job->name, job->name_len);
            s->prefix[job->name_len] = ':';
            plen = job->name_len + 1;
        }
        fm_tally_init(&s->tally, t->pattern, t->tally, s->prefix, plen);
        s->tally.binary = t->offsets_binary;
        s->tally.base = base;
    }
}

/* grep's binary test, on the first bytes it sees: it only changes what is
 * printed for lines. */
void fm_scan_probe(fm_scan_state *s, const fm_u8 *buf, ptrdiff_t n, int binary)
{
    const fm_task *t = s->r->task;
    s->probed = 1;
    s->binary = binary >= 0 ? binary : !t->text && lines_out(&t->grep) && fm_has_nul(
        s->r->env, buf, n < (ptrdiff_t)BINARY_PROBE ? n : (ptrdiff_t)BINARY_PROBE);
    fm_grep_init(&s->grep, s->binary ? &s->r->quiet : &t->grep,
                 s->job->name, s->job->name_len);
    s->grep.base = s->base;
}

/* Feeds buf[0:n] to the job's scan; returns the bytes no longer needed. */
ptrdiff_t fm_scan_feed(fm_scan_state *s, const fm_u8 *buf, ptrdiff_t n, int final)
{
    const fm_task *t = s->r->task;
    ptrdiff_t keep;
    if (t->kind == FM_TASK_TALLY)
        keep = fm_tally_feed(&s->tally, buf, n, final, &s->out);
    else {
        if (!s->probed)
            fm_scan_probe(s, buf, n, -1);
        keep = fm_grep_feed(&s->grep, buf, n, final, &s->out);
    }
    if (keep < 0)
        s->rc = -1;
    return keep;
}

int fm_scan_over(const fm_scan_state *s)
{
    if (s->r->task->kind == FM_TASK_TALLY)
        return s->tally.done;
    return s->probed && s->grep.done && s->grep.after_left <= 0;
}

static void scan_end(fm_scan_state *s)
{
    fm_job *job = s->job;
    const fm_task *t = s->r->task;
    fm_out_flush(&s->out);
    if (t->kind == FM_TASK_TALLY) {
        job->count = s->tally.count;
        job->first = s->tally.first;
        job->last = s->tally.last;
    }
    else if (s->probed) {
        job->count = s->grep.selected;
        job->binary = s->binary && s->grep.selected > 0;
        if (s->grep.selected > 0 && (t->grep.flags & FM_GREP_QUIET))
            fm_runner_stop_found(s->r); /* -q: one line anywhere decides */
    }
    if (s->rc != 0 && !job->fail && !s->r->cancelled)
        job->fail = FM_FAIL_MEMORY;
    fm_out_free(&s->out);
}

/* A whole buffer (a map or a file read whole), for the guard: fed a
 * slice at a time as a stream is (the scan keeps what it still needs in
 * place, nothing is copied), so that a cancelled run (Ctrl-C, -q) stops
 * within a slice instead of at the end of a big file. */
#define SLICE ((ptrdiff_t)16 << 20)

void fm_scan_whole(void *arg)
{
    fm_scan_state *s = (fm_scan_state *)arg;
    ptrdiff_t start = 0, end = 0, keep;
    for (;;) {
        end = s->n - end > SLICE ? end + SLICE : s->n;
        keep = fm_scan_feed(s, s->data + start, end - start, end == s->n);
        if (keep < 0 || end == s->n || fm_scan_over(s) || s->r->cancelled)
            return;
        start += keep;
    }
}

int fm_worker_reserve(fm_worker *w, size_t need)
{
    size_t cap = w->cap ? w->cap : FIRST_READ + 1;
    fm_u8 *grown;
    if (w->cap >= need)
        return 0;
    while (cap < need)
        cap *= 2;
    grown = (fm_u8 *)realloc(w->buf, cap);
    if (grown == NULL)
        return ENOMEM;
    w->buf = grown;
    w->cap = cap;
    return 0;
}

/* Reads fd from its position to the end into the worker's buffer, after
 * the `filled` bytes already there; errno or 0.  A regular file's read
 * returns less than asked only at its end, so a short read ends it without
 * the extra read() that would return 0. */
static int read_rest(int fd, fm_worker *w, size_t *filled)
{
    ssize_t k;
    size_t want;
    for (;;) {
        if (w->cap - *filled < 1 && fm_worker_reserve(w, 2 * w->cap) != 0)
            return ENOMEM;
        want = w->cap - *filled;
        k = read(fd, w->buf + *filled, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        *filled += (size_t)k;
        if ((size_t)k < want)
            return 0;
    }
}

static int read_blocks(fm_runner *r, int fd, fm_worker *w, fm_scan_state *s)
{
    const size_t block = r->task->block ? r->task->block : BLOCK;
    size_t filled = 0, want;
    ssize_t k;
    ptrdiff_t keep;
    int final;
    for (;;) {
        if ((w->cap - filled < BLOCK / 2 || w->cap - filled < block)
                && fm_worker_reserve(w, w->cap < 2 * BLOCK ? 2 * BLOCK : 2 * w->cap) != 0)
            return ENOMEM;
        want = w->cap - filled < block ? w->cap - filled : block;
        k = read(fd, w->buf + filled, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        filled += (size_t)k;
        final = k == 0;
        keep = fm_scan_feed(s, w->buf, (ptrdiff_t)filled, final);
        if (keep < 0 || final || fm_scan_over(s) || r->cancelled)
            return 0;
        memmove(w->buf, w->buf + keep, filled - (size_t)keep);
        filled -= (size_t)keep;
    }
}

/* Maps [offset, offset + n) of the regular file fd and scans it under the
 * guard, a window at a time from the map or read into w's buffer
 * (window.c); 1 if it could not be mapped (the caller reads it instead). */
static int scan_mapped(fm_runner *r, int fd, fm_worker *w, off_t offset, size_t n,
                       fm_scan_state *s)
{
    const long page = sysconf(_SC_PAGESIZE);
    const off_t aligned = offset - offset % page;
    const size_t skip = (size_t)(offset - aligned);
    void *base = mmap(NULL, n + skip, PROT_READ, MAP_SHARED, fd, aligned);
    if (base == MAP_FAILED)
        return 1;
#ifdef MADV_SEQUENTIAL
    madvise(base, n + skip, MADV_SEQUENTIAL);
#endif
    s->data = (const fm_u8 *)base + skip;
    s->n = (ptrdiff_t)n;
    s->fd = fd;
    s->file_offset = (long long)offset;
    s->w = w;
    /* SAFETY: [data, data + n) is our own read-only mapping of the file,
     * unmapped only below, after the scan (and after every part of it that
     * other workers scan: fm_split_scan returns when they are done); the
     * guard turns the SIGBUS of a page the file no longer backs into a -1
     * return. */
    if (fm_split_wanted(r, n) > 1)
        fm_split_scan(r, s);
    else if (r->env->guard_run(fm_scan_windows, s) != 0)
        s->job->fail = FM_FAIL_TRUNCATED;
    munmap(base, n + skip);
    return 0;
}

/* A regular file from `offset`: mapped when big, else read whole (after
 * the `filled` bytes the caller read already); errno or 0. */
static int scan_regular(fm_runner *r, int fd, fm_worker *w, fm_scan_state *s,
                        off_t offset, off_t size, size_t filled)
{
    size_t n = size > offset ? (size_t)(size - offset) : 0;
    int err;
    if (n >= r->task->map_min) {
        if (scan_mapped(r, fd, w, offset, n, s) == 0)
            return 0;
        /* Not mapped after all: read it, after the bytes already in the
         * buffer (the mapping was to cover those too). */
        if (lseek(fd, offset + (off_t)filled, SEEK_SET) < 0)
            return errno;
    }
    if (fm_worker_reserve(w, (filled > n ? filled : n) + 1) != 0)
        return ENOMEM;
    err = read_rest(fd, w, &filled);
    if (err)
        return err;
    s->data = w->buf;
    s->n = (ptrdiff_t)filled;
    fm_scan_whole(s);
    return 0;
}

static int open_input(fm_job *job, int *fd)
{
    if (job->path == NULL) {
        *fd = 0;
        return 0;
    }
    do
        *fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    while (*fd < 0 && errno == EINTR);
    return *fd < 0 ? errno : 0;
}

void fm_scan_input(fm_runner *r, fm_worker *w, fm_job *job, size_t index)
{
    const fm_task *t = r->task;
    fm_scan_state *s;
    struct stat st;
    int fd = -1, err;
    off_t offset = 0;
    size_t filled = 0;
    ssize_t k;
    if (job->fail)
        return;                 /* reported by the walk */
    err = job->stdin_again ? 0 : open_input(job, &fd);
    if (err) {
        job->fail = FM_FAIL_OS;
        job->err = err;
        return;
    }
    s = (fm_scan_state *)malloc(sizeof(fm_scan_state));
    if (s == NULL) {
        job->fail = FM_FAIL_MEMORY;
        goto out;
    }
    fm_scan_begin(s, r, job, index, NULL, 0);
    if (job->stdin_again) {
        /* The first "-" read standard input to its end. */
        job->size = 0;
        fm_scan_feed(s, (const fm_u8 *)"", 0, 1);
        goto end;
    }
    if (job->walked && !t->block) {
        /* A regular file (the walk said so): read first, size it only
         * if it fills the first read. */
        job->regular = 1;
        if (fm_worker_reserve(w, FIRST_READ + 1) != 0) {
            err = ENOMEM;
            goto end;
        }
        do
            k = read(fd, w->buf, FIRST_READ);
        while (k < 0 && errno == EINTR);
        if (k < 0) {
            err = errno;
            goto end;
        }
        filled = (size_t)k;
        if (filled < FIRST_READ) {
            job->size = (long long)filled;
            s->data = w->buf;
            s->n = (ptrdiff_t)filled;
            fm_scan_whole(s);
            goto end;
        }
    }
    if (fstat(fd, &st) != 0) {
        err = errno;
        goto end;
    }
    if (S_ISDIR(st.st_mode)) {
        job->fail = FM_FAIL_DIRECTORY;
        job->err = EISDIR;
        goto end;
    }
    job->regular = S_ISREG(st.st_mode);
    job->size = (long long)st.st_size;
    if (job->regular && st.st_size > 0 && !t->block) {
        if (job->path == NULL) {
            /* Standard input redirected from a file: from its position. */
            offset = lseek(fd, 0, SEEK_CUR);
            if (offset < 0)
                offset = 0;
        }
        if (filled > 0 && (off_t)filled < st.st_size
                && (size_t)st.st_size >= t->map_min)
            filled = 0;         /* big: mapped from the start after all */
        if (filled == 0 && offset >= st.st_size)
            fm_scan_feed(s, (const fm_u8 *)"", 0, 1);
        else
            err = scan_regular(r, fd, w, s, offset, st.st_size, filled);
    }
    else if (filled > 0) {
        err = read_rest(fd, w, &filled);
        if (!err) {
            s->data = w->buf;
            s->n = (ptrdiff_t)filled;
            fm_scan_whole(s);
        }
    }
    else
        err = read_blocks(r, fd, w, s);
end:
    if (err) {
        job->fail = err == ENOMEM ? FM_FAIL_MEMORY : FM_FAIL_OS;
        job->err = err;
    }
    scan_end(s);
    free(s);
out:
    if (job->path != NULL)
        close(fd);
}
