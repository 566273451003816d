/*
 * A run over many inputs (files.h): the list of jobs, the walk that fills
 * it, the workers that take jobs in order, and the handing back of results
 * in the same order -- to a consumer (fm_runner_next, the library) or
 * printed by the workers themselves (print.c, the command line).
 *
 * Nothing a worker touches belongs to Python: the runner, its jobs and
 * their output are malloc'ed C memory, so no worker ever needs the GIL.
 * Threads wait on condition variables only when there is nothing to do, and
 * are woken only when someone waits (the *_waiting / idle counters): a run
 * over ten thousand small files costs a handful of futex calls, not several
 * per file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "runner.h"

static const char STDIN_NAME[] = "(standard input)";

/* The walk hands jobs over this many at a time (one lock, one wake-up). */
#define WALK_BATCH 64

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

/* Appends jobs[0:n] (the lock held); -1 if out of memory. */
static int append_locked(fm_runner *r, fm_job **jobs, size_t n)
{
    size_t i;
    if (r->njobs + n > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        fm_job **grown;
        while (cap < r->njobs + n)
            cap *= 2;
        grown = (fm_job **)realloc(r->jobs, cap * sizeof(fm_job *));
        if (grown == NULL)
            return -1;
        r->jobs = grown;
        r->cap = cap;
    }
    for (i = 0; i < n; i++) {
        if (jobs[i]->path == NULL) {
            jobs[i]->stdin_again = r->stdin_added;
            r->stdin_added = 1;
        }
        r->jobs[r->njobs++] = jobs[i];
    }
    if (r->idle_workers)
        pthread_cond_broadcast(&r->work);
    if (r->consumer_waiting)
        pthread_cond_broadcast(&r->progress);
    return 0;
}

static int add_jobs(fm_runner *r, fm_job **jobs, size_t n)
{
    size_t i;
    int rc;
    pthread_mutex_lock(&r->mu);
    rc = append_locked(r, jobs, n);
    pthread_mutex_unlock(&r->mu);
    if (rc != 0) {
        for (i = 0; i < n; i++)
            free(jobs[i]);
    }
    return rc;
}

int fm_runner_add(fm_runner *r, const char *path, size_t len)
{
    fm_job *job = job_new(path, len);
    if (job == NULL)
        return -1;
    return add_jobs(r, &job, 1);
}

void fm_runner_close(fm_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->closed = 1;
    pthread_cond_broadcast(&r->work);
    pthread_cond_broadcast(&r->progress);
    pthread_cond_broadcast(&r->finished);
    pthread_mutex_unlock(&r->mu);
}

void fm_runner_cancel(fm_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->cancelled = 1;
    pthread_cond_broadcast(&r->work);
    pthread_cond_broadcast(&r->progress);
    pthread_cond_broadcast(&r->drained);
    pthread_cond_broadcast(&r->finished);
    pthread_mutex_unlock(&r->mu);
}

void fm_runner_stop_found(fm_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->stop_found = 1;
    pthread_mutex_unlock(&r->mu);
    fm_runner_cancel(r);
}

void fm_runner_set_workers(fm_runner *r, int workers)
{
    r->nworkers = workers;
}

int fm_runner_stopped_found(fm_runner *r)
{
    int found;
    pthread_mutex_lock(&r->mu);
    found = r->stop_found;
    pthread_mutex_unlock(&r->mu);
    return found;
}

/* ---- The walk (producer thread) ---- */

typedef struct {
    fm_runner *r;
    fm_job *batch[WALK_BATCH];
    size_t n;
    int failed;
} walk_state;

static int flush_batch(walk_state *w)
{
    int rc = w->n ? add_jobs(w->r, w->batch, w->n) : 0;
    w->n = 0;
    return rc;
}

static int walked(void *ctx, const char *path, int err)
{
    walk_state *w = (walk_state *)ctx;
    fm_job *job;
    if (w->r->cancelled)
        return 1;
    job = job_new(path, strlen(path));
    if (job == NULL)
        return -1;
    if (err) {
        job->fail = FM_FAIL_WALK;
        job->err = err;
    }
    else
        job->walked = 1;
    w->batch[w->n++] = job;
    return w->n == WALK_BATCH ? flush_batch(w) : 0;
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
    walk_state w;
    struct stat st;
    size_t i;
    w.r = r;
    w.n = 0;
    for (i = 0; i < r->nroots && !r->cancelled; i++) {
        char *root = r->roots[i];
        size_t len = strlen(root);
        if (strcmp(root, "-") == 0) {
            /* Standard input, as grep -r takes "-" too. */
            fm_job *job = job_new(NULL, 0);
            if (job == NULL)
                break;
            w.batch[w.n++] = job;
            if (w.n == WALK_BATCH && flush_batch(&w) != 0)
                break;
            continue;
        }
        if (r->recursive && stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
            /* "d//" names its files "d/x", as grep -r does. */
            while (len > 1 && root[len - 1] == '/')
                root[--len] = '\0';
            if (fm_walk(root, &r->walk, walked, &w) < 0)
                break;
        }
        else {
            /* A FILE operand, or one that is missing: opening it says. */
            fm_job *job = job_new(root, len);
            if (job == NULL)
                break;
            w.batch[w.n++] = job;
            if (w.n == WALK_BATCH && flush_batch(&w) != 0)
                break;
        }
    }
    flush_batch(&w);
    fm_runner_close(r);
}

/* ---- Output of a running job ---- */

int fm_runner_output_locked(fm_runner *r, fm_job *job, size_t index,
                            fm_chunk *c)
{
    /* The whole list goes on at once, before anything below may let go of
     * the lock (parts.c relies on that to keep a part's output in order). */
    if (job->chunks_tail != NULL)
        job->chunks_tail->next = c;
    else
        job->chunks = c;
    for (;;) {
        job->pending += c->len;
        if (c->next == NULL)
            break;
        c = c->next;
    }
    job->chunks_tail = c;
    if (r->out_fd >= 0)
        fm_print_ready(r);
    else if (r->consumer_waiting)
        pthread_cond_broadcast(&r->progress);
    /* Ahead of the printer or consumer with much output waiting: let it
     * catch up.  The job it is on was taken before this one, so that one
     * never waits here. */
    while (!r->cancelled && index > r->released && job->pending > FM_PENDING_MAX) {
        r->draining++;
        pthread_cond_wait(&r->drained, &r->mu);
        r->draining--;
    }
    return r->cancelled ? -1 : 0;
}

int fm_runner_output(fm_runner *r, fm_job *job, size_t index, fm_chunk *c)
{
    int rc;
    pthread_mutex_lock(&r->mu);
    rc = fm_runner_output_locked(r, job, index, c);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* ---- Workers ---- */

/* Whether the consumer, waiting for job `awaited`, should be woken: that
 * job and the CONSUMER_BATCH after it are done (it then takes them all
 * without waiting again), or no more jobs are waiting for a worker (the
 * run is draining: waking for each is all that is left). */
#define CONSUMER_BATCH 32

static int consumer_batch_ready(const fm_runner *r)
{
    size_t i = r->awaited, end = r->awaited + CONSUMER_BATCH;
    if (r->taken >= r->njobs)
        return 1;
    if (end > r->njobs)
        end = r->njobs;
    for (; i < end; i++) {
        if (r->jobs[i] == NULL || r->jobs[i]->state != FM_JOB_DONE)
            return 0;
    }
    return 1;
}

void fm_runner_work(void *runner)
{
    fm_runner *r = (fm_runner *)runner;
    fm_worker w = {NULL, 0};
    fm_job *job;
    fm_part *part;
    size_t i;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->cancelled && r->parts_head == NULL
               && !(r->taken < r->njobs && r->taken < r->released + FM_WINDOW)
               && !(r->closed && r->taken >= r->njobs && r->scanning == 0)) {
            r->idle_workers++;
            pthread_cond_wait(&r->work, &r->mu);
            r->idle_workers--;
        }
        /* A part of a big input first: its worker waits for it. */
        part = fm_take_part(r);
        if (part != NULL) {
            pthread_mutex_unlock(&r->mu);
            fm_run_part(r, part, &w);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        /* Past the wait with no job to take: the run is over (a worker
         * stays while any input is still scanned, as that one may split). */
        if (r->cancelled || r->taken >= r->njobs)
            break;
        i = r->taken++;
        r->scanning++;
        job = r->jobs[i];
        job->state = FM_JOB_TAKEN;
        pthread_mutex_unlock(&r->mu);
        fm_scan_input(r, &w, job, i);
        pthread_mutex_lock(&r->mu);
        job->state = FM_JOB_DONE;
        if (--r->scanning == 0 && r->closed && r->taken >= r->njobs && r->idle_workers)
            pthread_cond_broadcast(&r->work);
        if (r->out_fd >= 0)
            fm_print_ready(r);
        else if (r->consumer_waiting && consumer_batch_ready(r))
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
    fm_deadline(&deadline, timeout_ms);
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
                if (r->draining)
                    pthread_cond_broadcast(&r->drained);
            }
            if (j->state == FM_JOB_DONE) {
                *job = j;
                event = FM_EVENT_DONE;
                break;
            }
            if (*chunks != NULL) {
                *job = j;
                event = FM_EVENT_CHUNKS;
                break;
            }
        }
        else if (r->closed) {
            event = FM_EVENT_END;
            break;
        }
        r->consumer_waiting = 1;
        r->awaited = i;
        if (pthread_cond_timedwait(&r->progress, &r->mu, &deadline) == ETIMEDOUT) {
            r->consumer_waiting = 0;
            break;
        }
        r->consumer_waiting = 0;
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
    if (r->idle_workers)
        pthread_cond_broadcast(&r->work);
    if (r->draining)
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
    r->out_fd = r->err_fd = -1;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->work, NULL);
    pthread_cond_init(&r->progress, NULL);
    pthread_cond_init(&r->drained, NULL);
    pthread_cond_init(&r->finished, NULL);
    pthread_cond_init(&r->parts_done, NULL);
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
    free(r->pbuf);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->progress);
    pthread_cond_destroy(&r->drained);
    pthread_cond_destroy(&r->finished);
    pthread_cond_destroy(&r->parts_done);
    free(r);
}
