# The scanning engine's interface (csrc/scan/scan.h and files.h), declared
# once for Cython; _scan.pyx is its binding.

from fastmmap._guard cimport Guarded

from fastmmap._search cimport fm_set

cdef extern from "csrc/scan/scan.h" nogil:
    ctypedef unsigned char fm_u8

    ctypedef struct fm_scan_env:
        Py_ssize_t (*find)(const char *y, Py_ssize_t n, const char *x,
                           Py_ssize_t k) noexcept nogil
        Py_ssize_t (*rfind)(const char *y, Py_ssize_t n, const char *x,
                            Py_ssize_t k) noexcept nogil
        Py_ssize_t (*count)(const char *y, Py_ssize_t n, const char *x,
                            Py_ssize_t k) noexcept nogil
        Py_ssize_t (*find_all)(const char *y, Py_ssize_t n, const char *x,
                               Py_ssize_t k, Py_ssize_t *out, Py_ssize_t cap,
                               Py_ssize_t *resume) noexcept nogil
        Py_ssize_t (*set_find)(const fm_set *s, const fm_u8 *y, Py_ssize_t n,
                               Py_ssize_t *len, Py_ssize_t *which) noexcept nogil
        Py_ssize_t (*set_rfind)(const fm_set *s, const fm_u8 *y, Py_ssize_t n,
                                Py_ssize_t *len, Py_ssize_t *which) noexcept nogil
        Py_ssize_t (*set_count)(const fm_set *s, const fm_u8 *y,
                                Py_ssize_t n) noexcept nogil
        Py_ssize_t (*set_find_all)(const fm_set *s, const fm_u8 *y, Py_ssize_t n,
                                   Py_ssize_t *out, Py_ssize_t *which,
                                   Py_ssize_t cap, Py_ssize_t *resume) noexcept nogil
        int (*set_match_at)(const fm_set *s, Py_ssize_t i, const fm_u8 *y,
                            Py_ssize_t n) noexcept nogil
        int (*guard_run)(Guarded fn, void *arg) noexcept nogil

    ctypedef struct fm_pattern:
        const fm_scan_env *env
        const fm_set *set
        const fm_u8 *x
        Py_ssize_t k
        const fm_u8 *const *xs
        const Py_ssize_t *ks
        Py_ssize_t count
        int empty
        int multiline
        int word
        int line
        int fold
        Py_ssize_t longest

    ctypedef struct fm_chunk:
        fm_chunk *next
        size_t len
        fm_u8 *data

    void fm_chunks_free(fm_chunk *c)

    enum:
        FM_GREP_INVERT
        FM_GREP_ONLY
        FM_GREP_COUNT
        FM_GREP_FILES_WITH
        FM_GREP_FILES_WITHOUT
        FM_GREP_QUIET
        FM_GREP_LINENO
        FM_GREP_BYTE_OFFSET
        FM_GREP_NAMES
        FM_GREP_COLOR
        FM_GREP_RECORDS

    ctypedef struct fm_grep_opts:
        const fm_pattern *pattern
        unsigned flags
        long long max_count
        long long before
        long long after

    enum:
        FM_TALLY_COUNT
        FM_TALLY_OFFSETS
        FM_TALLY_FIRST
        FM_TALLY_LAST

cdef extern from "csrc/scan/files.h" nogil:
    ctypedef struct fm_walk_opts:
        const char *const *globs
        const int *is_include "include"
        size_t nglobs
        const char *const *exclude_dirs
        size_t nexclude_dirs
        int bare_dot

    enum:
        FM_TASK_GREP
        FM_TASK_TALLY

    ctypedef struct fm_task:
        int kind
        fm_grep_opts grep
        const fm_pattern *pattern
        int tally
        int offsets_binary
        int names
        int text
        size_t map_min
        size_t block
        size_t window

    enum:
        FM_FAIL_NONE
        FM_FAIL_OS
        FM_FAIL_DIRECTORY
        FM_FAIL_WALK
        FM_FAIL_TRUNCATED
        FM_FAIL_MEMORY

    ctypedef struct fm_job:
        char *path
        size_t path_len
        int walked
        const fm_u8 *name
        size_t name_len
        int fail
        int err
        int regular
        long long size
        long long count
        long long first
        long long last
        int binary
        int lead_sep

    enum:
        FM_SUMMARY_NONE
        FM_SUMMARY_COUNT
        FM_SUMMARY_FILES_WITH
        FM_SUMMARY_FILES_WITHOUT
        FM_SUMMARY_FIRST
        FM_SUMMARY_LAST

    ctypedef struct fm_report:
        int summary
        int names
        int color
        int silent

    ctypedef struct fm_runner:
        pass

    fm_runner *fm_runner_new(const fm_scan_env *env, const fm_task *task,
                             const fm_walk_opts *walk)
    void fm_runner_free(fm_runner *r)
    int fm_runner_add(fm_runner *r, const char *path, size_t len)
    int fm_runner_set_roots(fm_runner *r, const char *const *roots, size_t n,
                            int recursive)
    void fm_runner_close(fm_runner *r)
    void fm_runner_set_workers(fm_runner *r, int workers)
    void fm_runner_walk(void *runner)
    void fm_runner_work(void *runner)
    void fm_runner_cancel(fm_runner *r)
    enum:
        FM_EVENT_TIMEOUT
        FM_EVENT_CHUNKS
        FM_EVENT_DONE
        FM_EVENT_END
    int fm_runner_next(fm_runner *r, size_t i, int timeout_ms, fm_job **job,
                       fm_chunk **chunks)
    void fm_runner_release(fm_runner *r, size_t i)
    void fm_runner_print_to(fm_runner *r, int out_fd, int err_fd,
                            const fm_report *report)
    int fm_runner_wait(fm_runner *r, int timeout_ms)
    void fm_runner_finish(fm_runner *r, long long *found, long long *failed,
                          int *write_err)
    size_t fm_job_report(const fm_report *report, const fm_job *job,
                         fm_u8 *buf, size_t cap)
    void fm_job_failure(const fm_job *job, char *why, size_t cap)
    int fm_job_found(const fm_job *job)
    int fm_runner_stopped_found(fm_runner *r)
    size_t fm_runner_splits(fm_runner *r)
