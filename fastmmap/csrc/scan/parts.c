/*
 * One big mapped input split across the workers, when there is nothing
 * else for them to do (a single big file, or the last of a list).
 *
 * The worker that mapped the input cuts it into parts, queues parts 1..P-1
 * for the other workers (they take parts before new jobs), scans part 0
 * itself, helps with the parts still queued, and waits for the rest before
 * it unmaps.  Parts are cut where a scan of the whole would be in the same
 * state as a scan started there: for counts and offsets where no occurrence
 * straddles the cut, for grep at a line start.  So the parts' answers,
 * added up, and their outputs, put one after the other, are the whole
 * input's.  Output stays in input order: the part in front streams to the
 * job's output; a part behind it keeps its output (a bounded amount, then
 * it waits) until the parts before it are done.
 *
 * Only what adds up is split: counts, offsets, and grep without line
 * numbers, context, -m, -l/-L/-q or a needle holding a newline.
 */
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* A part smaller than this is not worth a thread. */
#define PART_MIN ((size_t)16 << 20)
#define MAX_PARTS 64
/* How often a cut is moved past a straddling occurrence before it is given
 * up (a needle like "aa" in a run of "a" straddles everywhere). */
#define CUT_TRIES 64

typedef struct fm_split fm_split;

struct fm_part {
    fm_part *next;              /* in the runner's queue */
    fm_split *split;
    int k;
    int state;                  /* FM_JOB_* */
    const fm_u8 *data;
    ptrdiff_t n;
    long long base;
    fm_chunk *chunks, *tail;    /* output kept while parts before run */
    size_t pending;
    long long count;            /* occurrences, or lines selected */
    int faulted, failed;
};

struct fm_split {
    fm_scan_state *owner;       /* the whole input's scan */
    int nparts, current, done;
    int binary;
    fm_part parts[MAX_PARTS];
};

static int splittable(const fm_task *t)
{
    const unsigned no = FM_GREP_LINENO | FM_GREP_FILES_WITH | FM_GREP_FILES_WITHOUT
                        | FM_GREP_QUIET | FM_GREP_RECORDS;
    if (t->kind == FM_TASK_TALLY)
        return t->tally == FM_TALLY_COUNT || t->tally == FM_TALLY_OFFSETS;
    return !(t->grep.flags & no) && t->grep.max_count < 0 && t->grep.before < 0
           && t->grep.after < 0 && !t->grep.pattern->multiline;
}

int fm_split_wanted(fm_runner *r, size_t n)
{
    size_t parts;
    int idle;
    if (!splittable(r->task) || r->nworkers < 2 || n < 2 * PART_MIN)
        return 1;
    /* Only when the other workers would have nothing else to do. */
    pthread_mutex_lock(&r->mu);
    idle = r->closed && r->taken >= r->njobs;
    pthread_mutex_unlock(&r->mu);
    if (!idle)
        return 1;
    parts = n / PART_MIN;
    if (parts > (size_t)r->nworkers)
        parts = (size_t)r->nworkers;
    return parts > MAX_PARTS ? MAX_PARTS : (int)parts;
}

/* ---- Cuts ---- */

/* A position at or after pos, before hi, where no occurrence of the
 * pattern straddles (starts before it, ends after it); -1 if none is found
 * quickly. */
static ptrdiff_t clean_cut(const fm_pattern *p, const fm_u8 *y, ptrdiff_t lo,
                           ptrdiff_t pos, ptrdiff_t hi)
{
    const ptrdiff_t k = p->set != NULL ? p->longest : p->k;
    ptrdiff_t from, to, hit, len;
    int tries;
    for (tries = 0; tries < CUT_TRIES; tries++) {
        if (pos <= lo || pos >= hi)
            return -1;
        if (k <= 1 || p->empty)
            return pos;
        /* Every occurrence that starts before pos and ends after it lies
         * inside [pos - k + 1, pos + k - 1). */
        from = pos - k + 1 > lo ? pos - k + 1 : lo;
        to = pos + k - 1 < hi ? pos + k - 1 : hi;
        if (p->set != NULL)
            hit = p->env->set_find(p->set, y + from, to - from, &len, NULL);
        else {
            hit = p->env->find((const char *)y + from, to - from,
                               (const char *)p->x, p->k);
            len = p->k;
        }
        if (hit < 0)
            return pos;
        pos = from + hit + len;
    }
    return -1;
}

/* A line start at or after pos, before hi; -1 if none. */
static ptrdiff_t line_cut(const fm_scan_env *env, const fm_u8 *y, ptrdiff_t pos,
                          ptrdiff_t hi)
{
    ptrdiff_t nl = env->find((const char *)y + pos, hi - pos, "\n", 1);
    return nl < 0 || pos + nl + 1 >= hi ? -1 : pos + nl + 1;
}

typedef struct {
    fm_runner *r;
    fm_scan_state *s;
    fm_split *split;
    int wanted;
} cutting;

/* Guarded: the cuts (they read the map) and grep's binary probe. */
static void make_cuts(void *arg)
{
    cutting *c = (cutting *)arg;
    fm_scan_state *s = c->s;
    const fm_task *t = c->r->task;
    const ptrdiff_t n = s->n;
    ptrdiff_t bounds[MAX_PARTS + 1], cut;
    int i, k = 0;
    fm_split *split = c->split;
    bounds[k++] = 0;
    for (i = 1; i < c->wanted; i++) {
        ptrdiff_t at = n / c->wanted * i;
        if (at <= bounds[k - 1])
            continue;
        cut = t->kind == FM_TASK_TALLY
            ? clean_cut(t->pattern, s->data, bounds[k - 1], at, n)
            : line_cut(c->r->env, s->data, at, n);
        if (cut > bounds[k - 1])
            bounds[k++] = cut;
    }
    bounds[k] = n;
    split->nparts = k;
    for (i = 0; i < k; i++) {
        fm_part *p = &split->parts[i];
        memset(p, 0, sizeof(*p));
        p->split = split;
        p->k = i;
        p->data = s->data + bounds[i];
        p->n = bounds[i + 1] - bounds[i];
        p->base = s->base + bounds[i];
    }
    if (t->kind == FM_TASK_GREP)
        fm_scan_probe(s, s->data, n, -1);
    split->binary = s->binary;
}

/* ---- Running a part ---- */

typedef struct {
    fm_scan_state scan;
    fm_part *part;
} part_run;

void fm_run_part(fm_runner *r, fm_part *p, fm_worker *w)
{
    fm_split *split = p->split;
    fm_scan_state *owner = split->owner;
    fm_scan_state *s = (fm_scan_state *)malloc(sizeof(fm_scan_state));
    if (s == NULL)
        p->failed = 1;
    else {
        fm_scan_begin(s, r, owner->job, owner->index, p, p->base);
        if (r->task->kind == FM_TASK_GREP)
            fm_scan_probe(s, NULL, 0, split->binary);
        s->data = p->data;
        s->n = p->n;
        s->fd = owner->fd;
        s->file_offset = owner->file_offset + (p->data - owner->data);
        s->w = w;
        /* SAFETY: the part lies inside the owner's mapping, which stays
         * mapped until every part is done (fm_split_scan waits); the owner's
         * descriptor stays open as long (pread needs no shared position). */
        if (r->env->guard_run(fm_scan_windows, s) != 0)
            p->faulted = 1;
        fm_out_flush(&s->out);
        p->count = r->task->kind == FM_TASK_TALLY ? s->tally.count : s->grep.selected;
        if (s->rc != 0)
            p->failed = 1;
        fm_out_free(&s->out);
        free(s);
    }
    pthread_mutex_lock(&r->mu);
    p->state = FM_JOB_DONE;
    split->done++;
    /* The part in front finished: the next ones come forward, their kept
     * output first.  A part becomes current and hands its kept list on in
     * one step under the lock: handing it on may let go of the lock (to
     * print, or wait for the printer), and the part, once current, sends
     * its next output straight on; had the list gone a chunk at a time,
     * that output would have overtaken the rest of it. */
    while (split->current < split->nparts
           && split->parts[split->current].state == FM_JOB_DONE) {
        split->current++;
        if (split->current < split->nparts) {
            fm_part *next = &split->parts[split->current];
            fm_chunk *kept = next->chunks;
            next->chunks = next->tail = NULL;
            next->pending = 0;
            if (kept != NULL)
                fm_runner_output_locked(r, owner->job, owner->index, kept);
        }
    }
    pthread_cond_broadcast(&r->parts_done);
    pthread_mutex_unlock(&r->mu);
}

int fm_part_output(fm_runner *r, fm_part *p, fm_chunk *c)
{
    fm_split *split = p->split;
    int rc;
    pthread_mutex_lock(&r->mu);
    if (p->k == split->current) {
        rc = fm_runner_output_locked(r, split->owner->job, split->owner->index, c);
        pthread_mutex_unlock(&r->mu);
        return rc;
    }
    if (p->tail != NULL)
        p->tail->next = c;
    else
        p->chunks = c;
    p->tail = c;
    p->pending += c->len;
    /* Behind the part in front with much output: wait to come forward
     * (the part in front never waits here, so this ends). */
    while (!r->cancelled && p->k != split->current && p->pending > FM_PENDING_MAX)
        pthread_cond_wait(&r->parts_done, &r->mu);
    pthread_mutex_unlock(&r->mu);
    return r->cancelled ? -1 : 0;
}

size_t fm_runner_splits(fm_runner *r)
{
    size_t n;
    pthread_mutex_lock(&r->mu);
    n = r->splits;
    pthread_mutex_unlock(&r->mu);
    return n;
}

fm_part *fm_take_part(fm_runner *r)
{
    fm_part *p = r->parts_head;
    if (p != NULL) {
        r->parts_head = p->next;
        if (r->parts_head == NULL)
            r->parts_tail = NULL;
        p->next = NULL;
        p->state = FM_JOB_TAKEN;
    }
    return p;
}

void fm_split_scan(fm_runner *r, fm_scan_state *s)
{
    fm_split *split = (fm_split *)calloc(1, sizeof(fm_split));
    cutting c;
    long long total = 0;
    int i, faulted = 0, failed = 0;
    fm_part *p;
    if (split == NULL) {
        if (r->env->guard_run(fm_scan_windows, s) != 0)
            s->job->fail = FM_FAIL_TRUNCATED;
        return;
    }
    split->owner = s;
    c.r = r;
    c.s = s;
    c.split = split;
    c.wanted = fm_split_wanted(r, (size_t)s->n);
    if (r->env->guard_run(make_cuts, &c) != 0) {
        s->job->fail = FM_FAIL_TRUNCATED;
        free(split);
        return;
    }
    /* Parts 1.. to the queue, for any worker; part 0 here. */
    pthread_mutex_lock(&r->mu);
    if (split->nparts > 1)
        r->splits++;
    for (i = 1; i < split->nparts; i++) {
        p = &split->parts[i];
        if (r->parts_tail != NULL)
            r->parts_tail->next = p;
        else
            r->parts_head = p;
        r->parts_tail = p;
    }
    if (r->idle_workers)
        pthread_cond_broadcast(&r->work);
    split->parts[0].state = FM_JOB_TAKEN;
    pthread_mutex_unlock(&r->mu);
    fm_run_part(r, &split->parts[0], s->w);
    /* Help with this input's parts still queued, then wait for the rest. */
    pthread_mutex_lock(&r->mu);
    for (;;) {
        if (split->done == split->nparts)
            break;
        p = r->parts_head;
        if (p != NULL && p->split == split) {
            fm_take_part(r);
            pthread_mutex_unlock(&r->mu);
            fm_run_part(r, p, s->w);
            pthread_mutex_lock(&r->mu);
            continue;
        }
        pthread_cond_wait(&r->parts_done, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    for (i = 0; i < split->nparts; i++) {
        total += split->parts[i].count;
        faulted |= split->parts[i].faulted;
        failed |= split->parts[i].failed;
    }
    if (r->task->kind == FM_TASK_TALLY)
        s->tally.count = total;
    else
        s->grep.selected = total;
    if (faulted)
        s->job->fail = FM_FAIL_TRUNCATED;
    else if (failed)
        s->rc = -1;
    free(split);
}
