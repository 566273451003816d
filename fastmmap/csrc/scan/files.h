/*
 * Scanning many inputs on worker threads (files.c) and listing the files
 * under directories (walk.c).
 *
 * A run has one producer (the caller's list of inputs, or a thread walking
 * directories), a pool of workers and one consumer.  Inputs become jobs in
 * a list, in the order they are named or walked; workers take them in that
 * order, open, size, read or map and scan each, and leave the results in
 * the job; the consumer takes the jobs back in the same order, so what it
 * prints never depends on which worker was faster.  The output of the job
 * the consumer is on is handed over chunk by chunk while it is produced;
 * a worker ahead of the consumer keeps at most a bounded amount.
 */
#ifndef FM_FILES_H
#define FM_FILES_H

#include <pthread.h>

#include "scan.h"

/* ---- Walking ---- */
typedef struct fm_walk_opts {
    const char *const *globs;   /* --include/--exclude, in the order given */
    const int *include;         /* 1: --include, 0: --exclude */
    size_t nglobs;
    const char *const *exclude_dirs;
    size_t nexclude_dirs;
    int bare_dot;               /* "." lists names without "./" */
    const volatile int *cancelled;
} fm_walk_opts;

/* emit(ctx, path, 0) for each regular file under root (or root itself when
 * it is not a directory: the caller decides), emit(ctx, dir, errno) for a
 * directory that cannot be read; stops when emit returns nonzero. */
int fm_walk(const char *root, const fm_walk_opts *o,
            int (*emit)(void *ctx, const char *path, int err), void *ctx);
int fm_glob_allows(const fm_walk_opts *o, const char *name);
int fm_dir_excluded(const fm_walk_opts *o, const char *name);

/* ---- What is done to each input ---- */
enum { FM_TASK_GREP, FM_TASK_TALLY };

typedef struct fm_task {
    int kind;
    fm_grep_opts grep;          /* GREP */
    const fm_pattern *pattern;  /* TALLY (GREP: grep.pattern) */
    int tally;                  /* FM_TALLY_* */
    int offsets_binary;         /* OFFSETS as int64 (library) */
    int names;                  /* output names each input */
    int text;                   /* -a: a binary file is scanned as text */
    size_t map_min;             /* regular files this big or bigger are mapped */
    size_t block;               /* > 0: every input read this many bytes at a
                                   time (streamed, as a pipe is) */
    size_t window;              /* > 0 (tests): mapped inputs scanned in
                                   windows this big, from the map and from
                                   read() in turn (window.c) */
} fm_task;

enum {
    FM_JOB_WAITING = 0,
    FM_JOB_TAKEN,
    FM_JOB_DONE
};

/* Where a job failed. */
enum {
    FM_FAIL_NONE = 0,
    FM_FAIL_OS,                 /* err: open, fstat, read (errno) */
    FM_FAIL_DIRECTORY,          /* a directory where a file was wanted */
    FM_FAIL_WALK,               /* err: a directory of the walk (errno) */
    FM_FAIL_TRUNCATED,          /* the file shrank under its map */
    FM_FAIL_MEMORY
};

typedef struct fm_job {
    char *path;                 /* NUL-terminated, owned; NULL: standard input */
    size_t path_len;
    int walked;                 /* the walk saw a regular file (no fstat needed) */
    int stdin_again;            /* standard input named a second time: the
                                   first read it to its end, so this one
                                   is empty, as in grep (never two workers
                                   reading one pipe) */
    const fm_u8 *name;          /* what output calls it */
    size_t name_len;
    /* Written by the worker, read by the consumer once state is DONE
     * (chunks: as they come, under the runner's lock). */
    int state;
    int fail;
    int err;
    int regular;                /* fstat said a regular file */
    long long size;             /* st_size (wc's column width) */
    long long count;            /* TALLY count; GREP lines selected */
    long long first, last;      /* TALLY FIRST / LAST */
    int binary;                 /* GREP: binary, and a line was selected */
    int lead_sep;               /* GREP: its output starts with a "--" that
                                   is dropped unless an earlier job
                                   selected lines (set before its first
                                   chunk is handed over) */
    fm_chunk *chunks;           /* output not yet taken by the consumer */
    fm_chunk *chunks_tail;
    size_t pending;             /* bytes in chunks */
} fm_job;

/* What the command line prints for an input besides its own output. */
enum {
    FM_SUMMARY_NONE = 0,        /* nothing (or "binary file NAME matches") */
    FM_SUMMARY_COUNT,           /* N, or NAME:N */
    FM_SUMMARY_FILES_WITH,      /* NAME, if something was found */
    FM_SUMMARY_FILES_WITHOUT,   /* NAME, if nothing was */
    FM_SUMMARY_FIRST,           /* the first offset (or NAME:OFFSET) */
    FM_SUMMARY_LAST
};

typedef struct fm_report {
    int summary;                /* FM_SUMMARY_* */
    int names;                  /* NAME: before counts and offsets */
    int color;                  /* GNU grep's colours on names */
    int silent;                 /* -s: no message for an input that failed */
} fm_report;

typedef struct fm_runner fm_runner;

/* workers >= 1 threads will run fm_runner_work(); the walker, if any,
 * fm_runner_walk().  NULL when out of memory. */
fm_runner *fm_runner_new(const fm_scan_env *env, const fm_task *task,
                         const fm_walk_opts *walk);
void fm_runner_free(fm_runner *r);

/* Producer: adds an input (NULL path: standard input), or -- with roots
 * to walk -- the walk does.  0, or -1 if out of memory. */
int fm_runner_add(fm_runner *r, const char *path, size_t len);
/* Sets the roots fm_runner_walk() goes through: with recursive, each
 * directory is walked, anything else added as it is. */
int fm_runner_set_roots(fm_runner *r, const char *const *roots, size_t n,
                        int recursive);
/* No more inputs will be added. */
void fm_runner_close(fm_runner *r);

/* How many threads will run fm_runner_work (before they start): a big
 * input is split across them when they have nothing else to do. */
void fm_runner_set_workers(fm_runner *r, int workers);

/* Thread bodies (void *arg is the runner). */
void fm_runner_walk(void *runner);
void fm_runner_work(void *runner);

/* Stop everything soon: workers finish their current read or block and
 * take no new job; the walk stops. */
void fm_runner_cancel(fm_runner *r);

/* Consumer: waits at most timeout_ms for the next event of job number i
 * (in input order).  Returns FM_EVENT_CHUNKS with output taken from the
 * job (*chunks; the job in *job: only its lead_sep may be read), or
 * FM_EVENT_DONE when the job is finished (any last output in *chunks; the
 * job in *job), FM_EVENT_END when there is no job i and none will come,
 * FM_EVENT_TIMEOUT. */
enum { FM_EVENT_TIMEOUT, FM_EVENT_CHUNKS, FM_EVENT_DONE, FM_EVENT_END };
int fm_runner_next(fm_runner *r, size_t i, int timeout_ms, fm_job **job,
                   fm_chunk **chunks);
/* The consumer is done with job i: its memory goes, and workers may run
 * further ahead. */
void fm_runner_release(fm_runner *r, size_t i);

/* Instead of a consumer: the workers themselves print each job's output
 * and report to out_fd, and messages for inputs that failed to err_fd, in
 * input order (whichever worker finishes the job next in line prints it,
 * and any that follow it done already).  Call before the workers start. */
void fm_runner_print_to(fm_runner *r, int out_fd, int err_fd,
                        const fm_report *report);
/* With print_to: waits at most timeout_ms for everything to be printed
 * or the run to be cancelled (1), else 0. */
int fm_runner_wait(fm_runner *r, int timeout_ms);
/* With print_to, once no worker runs: writes what is left in the print
 * buffer; *found and *failed count the inputs where something was found
 * or that failed, *write_err is the errno of a failed write to out_fd
 * (EPIPE: the reader went away) or 0. */
void fm_runner_finish(fm_runner *r, long long *found, long long *failed,
                      int *write_err);
/* -q: a line was selected; everything stops, and that counts as found. */
void fm_runner_stop_found(fm_runner *r);
/* Whether the run stopped at a line -q selected. */
int fm_runner_stopped_found(fm_runner *r);
/* How many inputs were scanned in parts on several workers so far. */
size_t fm_runner_splits(fm_runner *r);

/* The line that follows a job's output (report->summary, or the binary
 * message) into buf (room for cap bytes); its length.  And the reason a
 * job failed, NUL-terminated, into why. */
size_t fm_job_report(const fm_report *report, const fm_job *job, fm_u8 *buf,
                     size_t cap);
void fm_job_failure(const fm_job *job, char *why, size_t cap);
/* Whether a job found something (grep's exit status). */
int fm_job_found(const fm_job *job);

#endif /* FM_FILES_H */
