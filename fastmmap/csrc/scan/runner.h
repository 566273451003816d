/*
 * Inside a run (files.h): the runner's state, shared by files.c (jobs,
 * workers, the consumer), input.c (one input, read or mapped, scanned) and
 * print.c (the workers printing in input order).
 *
 * Everything below `mu` is read and written with it held, except where a
 * field says otherwise.
 */
#ifndef FM_RUNNER_H
#define FM_RUNNER_H

#include <time.h>

#include "files.h"

/* Output of one job is handed over in chunks of this size. */
#define FM_CHUNK (1u << 20)
/* A worker ahead of the printer or consumer keeps at most this much output
 * of its job before it waits for them to reach it. */
#define FM_PENDING_MAX (16u << 20)
/* Workers take jobs at most this far ahead of the printer or consumer. */
#define FM_WINDOW 512
/* The printer gathers small outputs (counts, names, short jobs) into one
 * write of up to this much. */
#define FM_PRINT_BUFFER (64u << 10)

typedef struct fm_part fm_part;

struct fm_runner {
    const fm_scan_env *env;
    const fm_task *task;
    fm_grep_opts quiet;         /* task->grep for a binary file: stop at one line */
    fm_walk_opts walk;
    pthread_mutex_t mu;
    pthread_cond_t work;        /* workers: a job, the end, or a cancel */
    pthread_cond_t progress;    /* the consumer: output, or a job done */
    pthread_cond_t drained;     /* workers waiting for the printer or consumer */
    pthread_cond_t finished;    /* the caller of fm_runner_wait */
    fm_job **jobs;
    size_t njobs, cap;
    size_t taken;               /* jobs[0:taken] went to workers */
    size_t scanning;            /* of those, jobs not done yet: one may
                                   still queue parts for idle workers */
    size_t released;            /* jobs[0:released] are printed or consumed */
    int closed;                 /* no job will be added */
    int stdin_added;            /* a job reads standard input */
    volatile int cancelled;
    /* Who waits (so that nobody is woken for nothing). */
    int idle_workers, draining, consumer_waiting;
    size_t awaited;             /* the job the consumer waits for */
    /* The walk. */
    char **roots;
    size_t nroots;
    int recursive;
    /* Printing by the workers (out_fd >= 0). */
    int out_fd, err_fd;
    fm_report report;
    int printing;               /* a worker is printing: only it touches
                                   the fields below */
    int groups_seen;            /* an earlier job selected lines ("--") */
    int first_chunk;            /* the next chunk is its job's first */
    fm_u8 *pbuf;
    size_t plen;
    int write_err;
    long long found, failed;
    int stop_found;             /* -q: stopped at a selected line */
    /* Parts of big inputs (parts.c). */
    int nworkers;               /* workers (fm_runner_set_workers) */
    fm_part *parts_head, *parts_tail;   /* waiting for a worker */
    size_t splits;              /* inputs scanned in parts */
    pthread_cond_t parts_done;  /* a part finished */
};

/* One input's scan (or one part's: input.c, parts.c). */
typedef struct fm_scan_state {
    fm_runner *r;
    fm_job *job;
    size_t index;
    fm_part *part;              /* NULL: the whole input */
    long long base;             /* stream offset of data[0] */
    const fm_u8 *data;
    ptrdiff_t n;
    /* A mapped input: data[0] is byte file_offset of fd, which windows
     * may read into w's buffer instead (window.c); fd < 0 otherwise. */
    int fd;
    long long file_offset;
    struct fm_worker *w;
    int probed, binary;
    fm_grep grep;
    fm_tally tally;
    fm_out out;
    fm_u8 prefix[4096];         /* TALLY text offsets: "name:" */
    int rc;                     /* -1: the output failed */
} fm_scan_state;

void fm_scan_begin(fm_scan_state *s, fm_runner *r, fm_job *job, size_t index,
                   fm_part *part, long long base);
/* grep's binary test on buf[0:n] (binary < 0), or the answer given. */
void fm_scan_probe(fm_scan_state *s, const fm_u8 *buf, ptrdiff_t n, int binary);
ptrdiff_t fm_scan_feed(fm_scan_state *s, const fm_u8 *buf, ptrdiff_t n, int final);
void fm_scan_whole(void *arg);      /* fm_scan_feed(s->data, s->n, final) */
/* Whether the scan needs no more of the input. */
int fm_scan_over(const fm_scan_state *s);
/* window.c: a mapped input (s->fd, s->file_offset, s->w set), a window at
 * a time from the map or read into the buffer; run under the guard. */
void fm_scan_windows(void *arg);

/* parts.c: a big mapped input split across the workers. */
int fm_split_wanted(fm_runner *r, size_t n);
/* Scans s->data[0:n] in parts (the caller's thread takes part 0 and helps
 * with the rest), leaving the totals in s as one scan would. */
void fm_split_scan(fm_runner *r, fm_scan_state *s);
int fm_part_output(fm_runner *r, fm_part *p, fm_chunk *c);
/* With the lock held: a part waiting for a worker, or NULL. */
fm_part *fm_take_part(fm_runner *r);
void fm_run_part(fm_runner *r, fm_part *p, struct fm_worker *w);

/* The time timeout_ms from now, for pthread_cond_timedwait. */
static inline void fm_deadline(struct timespec *deadline, int timeout_ms)
{
    clock_gettime(CLOCK_REALTIME, deadline);
    deadline->tv_nsec += (long)timeout_ms * 1000000L;
    deadline->tv_sec += deadline->tv_nsec / 1000000000L;
    deadline->tv_nsec %= 1000000000L;
}

/* A worker's own memory, reused from input to input. */
typedef struct fm_worker {
    fm_u8 *buf;
    size_t cap;
} fm_worker;

/* Grows w's buffer to `need` bytes or more (keeping its bytes); errno
 * (ENOMEM) or 0. */
int fm_worker_reserve(fm_worker *w, size_t need);

/* input.c: scans one input, leaving its results in the job. */
void fm_scan_input(fm_runner *r, fm_worker *w, fm_job *job, size_t index);

/* files.c: a chunk of job `index`'s output (or a list of them, linked by
 * next), from its worker (takes the lock; may wait while the job is far
 * ahead); -1 if the run was cancelled.  The _locked one is called with the
 * lock held. */
int fm_runner_output(fm_runner *r, fm_job *job, size_t index, fm_chunk *c);
int fm_runner_output_locked(fm_runner *r, fm_job *job, size_t index,
                            fm_chunk *c);

/* print.c: with the lock held, prints whatever is ready in input order if
 * no other worker is printing (drops the lock while it writes). */
void fm_print_ready(fm_runner *r);
/* The end: what is left in the print buffer goes out (no worker runs). */
void fm_print_flush(fm_runner *r);

#endif /* FM_RUNNER_H */
