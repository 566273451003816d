/*
 * What the command line prints for each input besides its own output (a
 * count, a name, an offset, the binary-file message, a failure), and the
 * workers printing all of it in input order (fm_runner_print_to).
 *
 * Printing in order without a consumer thread: the worker that finishes the
 * job next in line prints it, then every job after it that is done too, and
 * stops at the first that is not -- whose worker will print it in turn.  A
 * job still running but next in line is printed chunk by chunk as its output
 * fills.  One worker prints at a time (`printing`), outside the lock, so
 * writing to a slow pipe holds up no worker but the printer.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

/* GNU grep's colours for names and separators. */
#define SGR_NAME "\33[35m\33[K"
#define SGR_SEP "\33[36m\33[K"
#define SGR_END "\33[m\33[K"
#define SGR_LEN(s) (sizeof(s) - 1)

static const char TRUNCATED[] =
    "the mapped file is shorter than the map (truncated underneath?); "
    "these bytes cannot be accessed";

static fm_u8 *put(fm_u8 *dst, const void *s, size_t n)
{
    memcpy(dst, s, n);
    return dst + n;
}

static fm_u8 *put_name(fm_u8 *dst, const fm_report *report, const fm_job *job)
{
    if (report->color)
        dst = put(dst, SGR_NAME, SGR_LEN(SGR_NAME));
    dst = put(dst, job->name, job->name_len);
    if (report->color)
        dst = put(dst, SGR_END, SGR_LEN(SGR_END));
    return dst;
}

int fm_job_found(const fm_job *job)
{
    return job->count > 0 || job->first >= 0 || job->last >= 0;
}

size_t fm_job_report(const fm_report *report, const fm_job *job, fm_u8 *buf,
                     size_t cap)
{
    /* Room for the name, colours and a number. */
    const size_t need = job->name_len + 3 * (SGR_LEN(SGR_NAME) + SGR_LEN(SGR_END)) + 48;
    fm_u8 *dst = buf;
    long long value;
    /* A directory given without -r still gets its count or its name, as
     * grep and wc give them, after the error. */
    if ((job->fail && job->fail != FM_FAIL_DIRECTORY) || cap < need)
        return 0;
    switch (report->summary) {
    case FM_SUMMARY_NONE:
        if (!job->binary)
            return 0;
        dst = put(dst, "binary file ", 12);
        dst = put(dst, job->name, job->name_len);
        dst = put(dst, " matches\n", 9);
        return (size_t)(dst - buf);
    case FM_SUMMARY_FILES_WITH:
    case FM_SUMMARY_FILES_WITHOUT:
        if ((job->count > 0) != (report->summary == FM_SUMMARY_FILES_WITH))
            return 0;
        dst = put_name(dst, report, job);
        *dst++ = '\n';
        return (size_t)(dst - buf);
    case FM_SUMMARY_COUNT:
        value = job->count;
        break;
    case FM_SUMMARY_FIRST:
        value = job->first;
        break;
    default:
        value = job->last;
        break;
    }
    if (value < 0)
        return 0;
    if (report->names) {
        dst = put_name(dst, report, job);
        if (report->color)
            dst = put(dst, SGR_SEP, SGR_LEN(SGR_SEP));
        *dst++ = ':';
        if (report->color)
            dst = put(dst, SGR_END, SGR_LEN(SGR_END));
    }
    dst += fm_put_uint(dst, (unsigned long long)value);
    *dst++ = '\n';
    return (size_t)(dst - buf);
}

void fm_job_failure(const fm_job *job, char *why, size_t cap)
{
    const char *text;
    if (job->fail == FM_FAIL_TRUNCATED)
        text = TRUNCATED;
    else if (job->fail == FM_FAIL_MEMORY)
        text = "out of memory";
    else {
        /* The GNU strerror_r returns its text; the XSI one fills `why`. */
        text = why;
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
        text = strerror_r(job->err, why, cap);
#else
        if (strerror_r(job->err, why, cap) != 0)
            text = "unknown error";
#endif
    }
    if (text != why) {
        strncpy(why, text, cap - 1);
        why[cap - 1] = '\0';
    }
}

/* ---- Writing ---- */

static int write_all(int fd, const fm_u8 *data, size_t n)
{
    ssize_t k;
    while (n > 0) {
        k = write(fd, data, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        data += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The printer's writes to out_fd go through its buffer; a failure stops
 * the run (EPIPE: the reader went away). */
static void out_bytes(fm_runner *r, const fm_u8 *data, size_t n)
{
    int err = 0;
    if (r->write_err || n == 0)
        return;
    if (r->plen + n > FM_PRINT_BUFFER) {
        err = write_all(r->out_fd, r->pbuf, r->plen);
        r->plen = 0;
        if (!err && n >= FM_PRINT_BUFFER / 2)
            err = write_all(r->out_fd, data, n);
        else if (!err) {
            memcpy(r->pbuf, data, n);
            r->plen = n;
        }
    }
    else {
        memcpy(r->pbuf + r->plen, data, n);
        r->plen += n;
    }
    if (err) {
        r->write_err = err;
        fm_runner_cancel(r);
    }
}

void fm_print_flush(fm_runner *r)
{
    int err;
    if (r->plen == 0 || r->write_err)
        return;
    err = write_all(r->out_fd, r->pbuf, r->plen);
    r->plen = 0;
    if (err)
        r->write_err = err;
}

/* A job's output; its first chunk may open with the "--" of its first
 * group, which only goes out if an earlier job selected lines. */
static void print_chunks(fm_runner *r, const fm_job *job, fm_chunk *c)
{
    fm_chunk *next;
    size_t skip;
    while (c != NULL) {
        skip = 0;
        if (r->first_chunk) {
            r->first_chunk = 0;
            if (!r->groups_seen && (size_t)job->lead_sep <= c->len)
                skip = (size_t)job->lead_sep;
        }
        out_bytes(r, c->data + skip, c->len - skip);
        next = c->next;
        free(c);
        c = next;
    }
}

static void print_end(fm_runner *r, const fm_job *job)
{
    fm_u8 line[8192];
    char why[256];
    size_t n;
    if (job->fail) {
        r->failed++;
        if (!r->report.silent && !r->write_err) {
            fm_u8 *dst = line;
            size_t len;
            fm_job_failure(job, why, sizeof(why));
            len = strlen(why);
            if (job->name_len + len + 16 <= sizeof(line)) {
                dst = put(dst, "fastmmap: ", 10);
                dst = put(dst, job->name, job->name_len);
                dst = put(dst, ": ", 2);
                dst = put(dst, why, len);
                *dst++ = '\n';
                /* stderr is unbuffered: what was printed goes first. */
                fm_print_flush(r);
                write_all(r->err_fd, line, (size_t)(dst - line));
            }
        }
    }
    n = fm_job_report(&r->report, job, line, sizeof(line));
    out_bytes(r, line, n);
    if (fm_job_found(job))
        r->found++;
    if (job->count > 0)
        r->groups_seen = 1;
    r->first_chunk = 1;         /* the next job's */
}

void fm_print_ready(fm_runner *r)
{
    fm_job *job;
    fm_chunk *chunks;
    size_t index;
    int done;
    if (r->out_fd < 0 || r->printing)
        return;
    r->printing = 1;
    while (!r->cancelled && r->released < r->njobs) {
        index = r->released;
        job = r->jobs[index];
        chunks = job->chunks;
        done = job->state == FM_JOB_DONE;
        if (chunks == NULL && !done)
            break;
        job->chunks = job->chunks_tail = NULL;
        job->pending = 0;
        pthread_mutex_unlock(&r->mu);
        print_chunks(r, job, chunks);
        if (done)
            print_end(r, job);
        pthread_mutex_lock(&r->mu);
        if (r->draining)
            pthread_cond_broadcast(&r->drained);
        if (done) {
            r->jobs[index] = NULL;
            free(job);
            r->released = index + 1;
            if (r->idle_workers)
                pthread_cond_broadcast(&r->work);
        }
    }
    r->printing = 0;
    if (r->cancelled || (r->closed && r->released >= r->njobs))
        pthread_cond_broadcast(&r->finished);
}

void fm_runner_print_to(fm_runner *r, int out_fd, int err_fd,
                        const fm_report *report)
{
    r->out_fd = out_fd;
    r->err_fd = err_fd;
    r->report = *report;
    r->first_chunk = 1;
    if (r->pbuf == NULL)
        r->pbuf = (fm_u8 *)malloc(FM_PRINT_BUFFER);
    if (r->pbuf == NULL)
        r->out_fd = -1;         /* the caller prints, as a consumer */
}

int fm_runner_wait(fm_runner *r, int timeout_ms)
{
    struct timespec deadline;
    int over;
    fm_deadline(&deadline, timeout_ms);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        over = r->cancelled || (r->closed && r->released >= r->njobs && !r->printing);
        if (over || pthread_cond_timedwait(&r->finished, &r->mu, &deadline) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&r->mu);
    return over;
}

void fm_runner_finish(fm_runner *r, long long *found, long long *failed,
                      int *write_err)
{
    fm_print_flush(r);
    *found = r->found + r->stop_found;
    *failed = r->failed;
    *write_err = r->write_err;
}
