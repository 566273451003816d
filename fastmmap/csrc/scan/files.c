/*
 * Many inputs on worker threads (files.h says how the producer, the workers
 * and the consumer meet).  Each worker opens an input, asks fstat what it
 * is, and then:
 *
 *   - a regular file of task->map_min bytes or more is mapped and scanned
 *     in one piece under the SIGBUS guard (a file cut short meanwhile ends
 *     that input with FM_FAIL_TRUNCATED, not the process);
 *   - a smaller regular file is read whole into the worker's own buffer
 *     (below some size one read() costs less than setting up and tearing
 *     down a mapping: docs/performance.rst has the crossover);
 *   - anything else (a pipe, a device, a /proc file that says size 0) is
 *     read a block at a time, the scan keeping what it still needs.
 *
 * Nothing a worker touches belongs to Python: the runner, its jobs and
 * their output are malloc'ed C memory, so no worker ever needs the GIL.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "files.h"

#ifndef O_CLOEXEC
#  define O_CLOEXEC 0
#endif
#ifndef O_NOCTTY
#  define O_NOCTTY 0
#endif

/* Output of one job is handed over in chunks of this size. */
#define CHUNK (1u << 20)
/* A worker ahead of the consumer keeps at most this much output of its
 * job before it waits for the consumer to reach it. */
#define PENDING_MAX (16u << 20)
/* Reads of inputs that are not regular files. */
#define BLOCK (1u << 20)
/* The bytes grep looks at for a NUL to call a file binary. */
#define BINARY_PROBE (32u << 10)
/* Workers take jobs at most this far ahead of the consumer. */
#define WINDOW 512

static const char STDIN_NAME[] = "(standard input)";

struct fm_runner {
    const fm_scan_env *env;
    const fm_task *task;
    fm_grep_opts quiet;         /* task->grep for a binary file: stop at one line */
    fm_walk_opts walk;
    pthread_mutex_t mu;
    pthread_cond_t work;        /* workers: a job, the end, or a cancel */
    pthread_cond_t progress;    /* the consumer: output, or a job done */
    pthread_cond_t drained;     /* workers waiting for the consumer to catch up */
    fm_job **jobs;
    size_t njobs, cap;
    size_t taken;               /* jobs[0:taken] went to workers */
    size_t released;            /* the consumer is done with jobs[0:released] */
    int closed;                 /* no job will be added */
    volatile int cancelled;
    char **roots;
    size_t nroots;
    int recursive;
};

/* ---- Jobs ---- */

static fm_job *job_new(const char *path, size_t len)
{
    fm_job *job = (fm_job *)calloc(1, sizeof(fm_job) + (path ? len + 1 : 0));
    if (job == NULL)
        return NULL;
    job->first = job->last = -1;
    job->size = -1;
    if (path != NULL) {
        job->path = (char *)(job + 1);
        memcpy(job->path, path, len);
        job->path[len] = '\0';
        job->path_len = len;
        job->name = (const fm_u8 *)job->path;
        job->name_len = len;
    }
    else {
        job->name = (const fm_u8 *)STDIN_NAME;
        job->name_len = sizeof(STDIN_NAME) - 1;
    }
    return job;
}

static int append_locked(fm_runner *r, fm_job *job)
{
    if (r->njobs == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        fm_job **grown = (fm_job **)realloc(r->jobs, cap * sizeof(fm_job *));
        if (grown == NULL)
            return -1;
        r->jobs = grown;
        r->cap = cap;
    }
    r->jobs[r->njobs++] = job;
    pthread_cond_signal(&r->work);
    pthread_cond_broadcast(&r->progress);
    return 0;
}

static int add_job(fm_runner *r, fm_job *job)
{
    int rc;
    if (job == NULL)
        return -1;
    pthread_mutex_lock(&r->mu);
    rc = append_locked(r, job);
    pthread_mutex_unlock(&r->mu);
    if (rc != 0)
        free(job);
    return rc;
}

int fm_runner_add(fm_runner *r, const char *path, size_t len)
{
    return add_job(r, job_new(path, len));
}

void fm_runner_close(fm_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->closed = 1;
    pthread_cond_broadcast(&r->work);
    pthread_cond_broadcast(&r->progress);
    pthread_mutex_unlock(&r->mu);
}

void fm_runner_cancel(fm_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->cancelled = 1;
    pthread_cond_broadcast(&r->work);
    pthread_cond_broadcast(&r->progress);
    pthread_cond_broadcast(&r->drained);
    pthread_mutex_unlock(&r->mu);
}

/* ---- The walk (producer thread) ---- */

static int walked(void *ctx, const char *path, int err)
{
    fm_runner *r = (fm_runner *)ctx;
    fm_job *job;
    if (r->cancelled)
        return 1;
    job = job_new(path, strlen(path));
    if (job != NULL && err) {
        job->fail = FM_FAIL_WALK;
        job->err = err;
    }
    return add_job(r, job) != 0 ? -1 : 0;
}

int fm_runner_set_roots(fm_runner *r, const char *const *roots, size_t n,
                        int recursive)
{
    size_t i;
    r->roots = (char **)calloc(n ? n : 1, sizeof(char *));
    if (r->roots == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        r->roots[i] = strdup(roots[i]);
        if (r->roots[i] == NULL)
            return -1;
        r->nroots = i + 1;
    }
    r->recursive = recursive;
    return 0;
}

void fm_runner_walk(void *runner)
{
    fm_runner *r = (fm_runner *)runner;
    struct stat st;
    size_t i;
    for (i = 0; i < r->nroots && !r->cancelled; i++) {
        const char *root = r->roots[i];
        if (r->recursive && stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (fm_walk(root, &r->walk, walked, r) < 0)
                break;
        }
        else if (fm_runner_add(r, root, strlen(root)) != 0)
            break;
    }
    fm_runner_close(r);
}

/* ---- One job's output, handed to the consumer as it fills ---- */

typedef struct {
    fm_runner *r;
    fm_job *job;
    size_t index;
} sink_ctx;

/* SAFETY: runs inside a guarded scan of a mapped file (fm_out_room calls
 * it): it takes the runner's lock and may wait on a condition variable,
 * but touches no mapped byte, so the fault guard can never jump out of it
 * while it holds the lock. */
static int to_consumer(void *ctx, fm_chunk *c)
{
    sink_ctx *s = (sink_ctx *)ctx;
    fm_runner *r = s->r;
    fm_job *job = s->job;
    pthread_mutex_lock(&r->mu);
    if (job->chunks_tail != NULL)
        job->chunks_tail->next = c;
    else
        job->chunks = c;
    job->chunks_tail = c;
    job->pending += c->len;
    pthread_cond_broadcast(&r->progress);
    /* Ahead of the consumer with much output waiting: let it catch up.
     * The job it is on was taken before this one, so it never waits. */
    while (!r->cancelled && s->index > r->released && job->pending > PENDING_MAX)
        pthread_cond_wait(&r->drained, &r->mu);
    pthread_mutex_unlock(&r->mu);
    return r->cancelled ? -1 : 0;
}

/* ---- Scanning one input ---- */

typedef struct {
    fm_u8 *buf;                 /* reused for every input read */
    size_t cap;
} worker;

/* What a job's scan needs, in one struct for the guarded call. */
typedef struct {
    fm_runner *r;
    fm_job *job;
    const fm_u8 *data;
    ptrdiff_t n;
    int probed, binary;
    fm_grep grep;
    fm_tally tally;
    fm_out out;
    fm_u8 prefix[4096];         /* TALLY text offsets: "name:" */
    int rc;                     /* -1: the output failed */
} scan;

static void scan_begin(scan *s, fm_runner *r, fm_job *job, sink_ctx *sink)
{
    const fm_task *t = r->task;
    size_t plen = 0;
    memset(&s->grep, 0, sizeof(s->grep));
    s->r = r;
    s->job = job;
    s->probed = 0;
    s->binary = 0;
    s->rc = 0;
    fm_out_init(&s->out, CHUNK);
    s->out.sink = to_consumer;
    s->out.sink_ctx = sink;
    if (t->kind == FM_TASK_TALLY) {
        if (t->names && job->name_len + 1 <= sizeof(s->prefix)) {
            memcpy(s->prefix, job->name, job->name_len);
            s->prefix[job->name_len] = ':';
            plen = job->name_len + 1;
        }
        fm_tally_init(&s->tally, t->pattern, t->tally, s->prefix, plen);
        s->tally.binary = t->offsets_binary;
    }
}

/* Feeds buf[0:n] to the job's scan; returns the bytes no longer needed. */
static ptrdiff_t scan_feed(scan *s, const fm_u8 *buf, ptrdiff_t n, int final)
{
    const fm_task *t = s->r->task;
    ptrdiff_t keep;
    if (t->kind == FM_TASK_TALLY)
        keep = fm_tally_feed(&s->tally, buf, n, final, &s->out);
    else {
        if (!s->probed) {
            /* grep's binary test, on the first bytes it sees. */
            s->probed = 1;
            s->binary = !t->text && fm_has_nul(
                s->r->env, buf, n < (ptrdiff_t)BINARY_PROBE ? n : (ptrdiff_t)BINARY_PROBE);
            fm_grep_init(&s->grep, s->binary ? &s->r->quiet : &t->grep,
                         s->job->name, s->job->name_len);
        }
        keep = fm_grep_feed(&s->grep, buf, n, final, &s->out);
    }
    if (keep < 0)
        s->rc = -1;
    return keep;
}

/* Whether the scan needs no more of the input. */
static int scan_over(const scan *s)
{
    if (s->r->task->kind == FM_TASK_TALLY)
        return s->tally.done;
    return s->probed && s->grep.done && s->grep.after_left <= 0;
}

static void scan_end(scan *s)
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
        job->starts_group = s->grep.printed_end >= 0;
        if (s->grep.selected > 0 && (t->grep.flags & FM_GREP_QUIET))
            fm_runner_cancel(s->r);     /* -q: one line anywhere decides */
    }
    if (s->rc != 0 && !job->fail) {
        job->fail = s->r->cancelled ? FM_FAIL_NONE : FM_FAIL_MEMORY;
    }
    fm_out_free(&s->out);
}

/* A whole buffer (a map or a file read whole), for the guard. */
static void scan_whole(void *arg)
{
    scan *s = (scan *)arg;
    scan_feed(s, s->data, s->n, 1);
}

static int read_fully(int fd, worker *w, size_t want, size_t *got)
{
    size_t filled = 0;
    ssize_t k;
    for (;;) {
        if (w->cap - filled < 1 || w->cap < want + 1) {
            size_t cap = w->cap ? w->cap : 64 << 10;
            fm_u8 *grown;
            while (cap < want + 1 || cap - filled < 1)
                cap *= 2;
            grown = (fm_u8 *)realloc(w->buf, cap);
            if (grown == NULL)
                return ENOMEM;
            w->buf = grown;
            w->cap = cap;
        }
        k = read(fd, w->buf + filled, w->cap - filled);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            break;
        filled += (size_t)k;
        want = filled;          /* it may have grown: read to the end */
    }
    *got = filled;
    return 0;
}

static int read_blocks(fm_runner *r, int fd, worker *w, scan *s)
{
    const size_t block = r->task->block ? r->task->block : BLOCK;
    size_t filled = 0, want;
    ssize_t k;
    ptrdiff_t keep;
    int final;
    for (;;) {
        if (w->cap - filled < BLOCK / 2 || w->cap - filled < block) {
            size_t cap = w->cap < 2 * BLOCK ? 2 * BLOCK : 2 * w->cap;
            fm_u8 *grown = (fm_u8 *)realloc(w->buf, cap);
            if (grown == NULL)
                return ENOMEM;
            w->buf = grown;
            w->cap = cap;
        }
        want = w->cap - filled < block ? w->cap - filled : block;
        k = read(fd, w->buf + filled, want);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        filled += (size_t)k;
        final = k == 0;
        keep = scan_feed(s, w->buf, (ptrdiff_t)filled, final);
        if (keep < 0 || final || scan_over(s) || r->cancelled)
            return 0;
        memmove(w->buf, w->buf + keep, filled - (size_t)keep);
        filled -= (size_t)keep;
    }
}

/* Maps [offset, offset + n) of the regular file fd and scans it under the
 * guard; 1 if it could not be mapped (the caller reads it instead). */
static int scan_mapped(fm_runner *r, int fd, off_t offset, size_t n, scan *s)
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
    /* SAFETY: [data, data + n) is our own read-only mapping of the file,
     * unmapped only below, after the scan; the guard turns the SIGBUS of a
     * page the file no longer backs into a -1 return. */
    if (r->env->guard_run(scan_whole, s) != 0)
        s->job->fail = FM_FAIL_TRUNCATED;
    munmap(base, n + skip);
    return 0;
}

static void scan_job(fm_runner *r, worker *w, fm_job *job, size_t index)
{
    const fm_task *t = r->task;
    sink_ctx sink;
    scan *s;
    struct stat st;
    int fd, err = 0;
    off_t offset = 0;
    size_t n = 0;
    if (job->fail)
        return;                 /* reported by the walk */
    if (job->path == NULL)
        fd = 0;
    else {
        do
            fd = open(job->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            job->fail = FM_FAIL_OS;
            job->err = errno;
            return;
        }
    }
    if (fstat(fd, &st) != 0) {
        job->fail = FM_FAIL_OS;
        job->err = errno;
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        job->fail = FM_FAIL_DIRECTORY;
        job->err = EISDIR;
        goto out;
    }
    job->regular = S_ISREG(st.st_mode);
    job->size = (long long)st.st_size;
    s = (scan *)malloc(sizeof(scan));
    if (s == NULL) {
        job->fail = FM_FAIL_MEMORY;
        goto out;
    }
    sink.r = r;
    sink.job = job;
    sink.index = index;
    scan_begin(s, r, job, &sink);
    if (job->regular && st.st_size > 0 && !t->block) {
        if (job->path == NULL) {
            /* Standard input redirected from a file: from its position. */
            offset = lseek(fd, 0, SEEK_CUR);
            if (offset < 0)
                offset = 0;
        }
        if (offset >= st.st_size)
            scan_feed(s, (const fm_u8 *)"", 0, 1);
        else {
            n = (size_t)(st.st_size - offset);
            if (n < t->map_min || scan_mapped(r, fd, offset, n, s) != 0) {
                if (offset != 0 && lseek(fd, offset, SEEK_SET) < 0)
                    err = errno;
                if (!err)
                    err = read_fully(fd, w, n, &n);
                if (!err) {
                    s->data = w->buf;
                    s->n = (ptrdiff_t)n;
                    scan_whole(s);
                }
            }
        }
    }
    else
        err = read_blocks(r, fd, w, s);
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

/* ---- Workers ---- */

void fm_runner_work(void *runner)
{
    fm_runner *r = (fm_runner *)runner;
    worker w = {NULL, 0};
    fm_job *job;
    size_t i;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->cancelled
               && !(r->taken < r->njobs && r->taken < r->released + WINDOW)
               && !(r->closed && r->taken >= r->njobs))
            pthread_cond_wait(&r->work, &r->mu);
        if (r->cancelled || r->taken >= r->njobs)
            break;
        i = r->taken++;
        job = r->jobs[i];
        job->state = FM_JOB_TAKEN;
        pthread_mutex_unlock(&r->mu);
        scan_job(r, &w, job, i);
        pthread_mutex_lock(&r->mu);
        job->state = FM_JOB_DONE;
        pthread_cond_broadcast(&r->progress);
    }
    pthread_mutex_unlock(&r->mu);
    free(w.buf);
}

/* ---- The consumer ---- */

int fm_runner_next(fm_runner *r, size_t i, int timeout_ms, fm_job **job,
                   fm_chunk **chunks)
{
    struct timespec deadline;
    fm_job *j;
    int event = FM_EVENT_TIMEOUT;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    *job = NULL;
    *chunks = NULL;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (r->cancelled) {
            event = FM_EVENT_END;
            break;
        }
        if (i < r->njobs) {
            j = r->jobs[i];
            if (j->chunks != NULL) {
                *chunks = j->chunks;
                j->chunks = j->chunks_tail = NULL;
                j->pending = 0;
                pthread_cond_broadcast(&r->drained);
            }
            if (j->state == FM_JOB_DONE) {
                *job = j;
                event = FM_EVENT_DONE;
                break;
            }
            if (*chunks != NULL) {
                event = FM_EVENT_CHUNKS;
                break;
            }
        }
        else if (r->closed) {
            event = FM_EVENT_END;
            break;
        }
        if (pthread_cond_timedwait(&r->progress, &r->mu, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&r->mu);
    return event;
}

void fm_runner_release(fm_runner *r, size_t i)
{
    fm_job *job;
    pthread_mutex_lock(&r->mu);
    job = i < r->njobs ? r->jobs[i] : NULL;
    if (job != NULL) {
        fm_chunks_free(job->chunks);
        free(job);
        r->jobs[i] = NULL;
    }
    if (i + 1 > r->released)
        r->released = i + 1;
    pthread_cond_broadcast(&r->work);
    pthread_cond_broadcast(&r->drained);
    pthread_mutex_unlock(&r->mu);
}

/* ---- Life cycle ---- */

fm_runner *fm_runner_new(const fm_scan_env *env, const fm_task *task,
                         const fm_walk_opts *walk)
{
    fm_runner *r = (fm_runner *)calloc(1, sizeof(fm_runner));
    if (r == NULL)
        return NULL;
    r->env = env;
    r->task = task;
    r->quiet = task->grep;
    r->quiet.flags |= FM_GREP_QUIET;
    if (walk != NULL)
        r->walk = *walk;
    r->walk.cancelled = &r->cancelled;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->work, NULL);
    pthread_cond_init(&r->progress, NULL);
    pthread_cond_init(&r->drained, NULL);
    return r;
}

void fm_runner_free(fm_runner *r)
{
    size_t i;
    if (r == NULL)
        return;
    for (i = 0; i < r->njobs; i++) {
        if (r->jobs[i] != NULL) {
            fm_chunks_free(r->jobs[i]->chunks);
            free(r->jobs[i]);
        }
    }
    for (i = 0; i < r->nroots; i++)
        free(r->roots[i]);
    free(r->roots);
    free(r->jobs);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->progress);
    pthread_cond_destroy(&r->drained);
    free(r);
}
