# cython: language_level=3
"""The scanning layer's binding: the C engine of csrc/scan (grep, counts,
offsets over many inputs on worker threads) driven from Python.

``Pattern`` holds what is searched for; ``Run`` scans a list of inputs (or
the files under directories) with one task and hands the results back in
input order: its ``next_event()`` is the consumer side of the engine
(files.h), and it is used by fastmmap.files (the library) and by the
command line.  ``print_output()`` is the command line's consumer: it
writes each input's output as it comes, with no Python object per line or
per file.

The engine calls the search kernels and the SIGBUS guard through the table
ENV, filled here once from _search.pxd and _guard.pxd.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.errno cimport EFAULT as _EFAULT
from libc.string cimport memcpy, strerror

from fastmmap cimport _guard, _search, _workers
from fastmmap._scan cimport *

cdef extern from "<unistd.h>" nogil:
    ssize_t write(int fd, const void *buf, size_t n)

# The table of engines the C code calls.
cdef fm_scan_env ENV
ENV.find = _search.find
ENV.rfind = _search.rfind
ENV.count = _search.count
ENV.find_all = _search.find_all
ENV.set_find = _search.set_find
ENV.set_rfind = _search.set_rfind
ENV.set_count = _search.set_count
ENV.set_find_all = _search.set_find_all
ENV.set_match_at = _search.set_match_at
ENV.guard_run = _guard.run_nogil

# Regular files this big or bigger are mapped, smaller ones read whole: on
# the machines measured, one read() of a file in the page cache costs less
# than setting up and tearing down its mapping up to 1 MiB, and more from
# 2 MiB on (docs/performance.rst; bench/test_bench_files.py's crossover).
MAP_MIN = 2 << 20

# How long the consumer waits for the engine before it looks for a signal
# (Ctrl-C) again.
cdef int _WAIT_MS = 20

STDIN = "-"
# How a job failed (fastmmap.files turns these into exceptions).
FAIL_OS = FM_FAIL_OS
FAIL_DIRECTORY = FM_FAIL_DIRECTORY
FAIL_WALK = FM_FAIL_WALK
FAIL_TRUNCATED = FM_FAIL_TRUNCATED
FAIL_MEMORY = FM_FAIL_MEMORY
EFAULT = _EFAULT
TRUNCATED = ("the mapped file is shorter than the map (truncated underneath?); "
             "these bytes cannot be accessed")


cdef class Pattern:
    """What a scan looks for: one needle or any of several (bytes), ASCII
    case ignored when asked, with grep's -w (``word``) and -x (``line``).
    No needle at all is a pattern that never occurs."""
    cdef fm_pattern p
    cdef readonly tuple needles
    cdef tuple _searched        # the non-empty needles, kept alive
    cdef const unsigned char **_xs
    cdef Py_ssize_t *_ks
    cdef fm_set *_set

    def __cinit__(self, needles, *, bint ignore_case=False, bint word=False,
                  bint line=False):
        cdef Py_ssize_t i, n
        cdef bytes x
        needles = tuple(bytes(n) for n in needles)
        self.needles = needles
        self._searched = tuple(x for x in needles if x)
        n = len(self._searched)
        self.p.env = &ENV
        self.p.word = word
        self.p.line = line
        self.p.fold = ignore_case
        self.p.empty = n < len(needles)
        self.p.multiline = any(b"\n" in x for x in self._searched)
        self.p.longest = max([len(x) for x in needles] or [0])
        self.p.count = n
        self.p.set = NULL
        self.p.x = <const fm_u8 *>b""
        self.p.k = 0
        if n == 0:
            return
        self._xs = <const unsigned char **>PyMem_Malloc(n * sizeof(void *))
        self._ks = <Py_ssize_t *>PyMem_Malloc(n * sizeof(Py_ssize_t))
        if self._xs == NULL or self._ks == NULL:
            raise MemoryError()
        for i in range(n):
            x = self._searched[i]
            self._xs[i] = <const unsigned char *>PyBytes_AS_STRING(x)
            self._ks[i] = len(x)
        self.p.xs = self._xs
        self.p.ks = self._ks
        if n == 1 and not ignore_case:
            # One needle: the single-needle engine, no set needed.
            self.p.x = self._xs[0]
            self.p.k = self._ks[0]
            return
        self._set = _search.set_new(self._xs, self._ks, n,
                                    _search.FM_SET_FOLD if ignore_case else 0)
        if self._set == NULL:
            raise MemoryError("cannot prepare the search for these needles")
        self.p.set = self._set

    def __dealloc__(self):
        if self._set != NULL:
            _search.set_free(self._set)
        PyMem_Free(self._xs)
        PyMem_Free(self._ks)


# What a run does to each input.
GREP = "grep"
COUNT = "count"
OFFSETS = "offsets"
FIRST = "first"
LAST = "last"

_TALLIES = {COUNT: FM_TALLY_COUNT, OFFSETS: FM_TALLY_OFFSETS,
            FIRST: FM_TALLY_FIRST, LAST: FM_TALLY_LAST}

_GREP_FLAGS = {
    "invert": FM_GREP_INVERT, "only_matching": FM_GREP_ONLY,
    "count": FM_GREP_COUNT, "files_with_matches": FM_GREP_FILES_WITH,
    "files_without_match": FM_GREP_FILES_WITHOUT, "quiet": FM_GREP_QUIET,
    "line_number": FM_GREP_LINENO, "byte_offset": FM_GREP_BYTE_OFFSET,
    "with_filename": FM_GREP_NAMES, "color": FM_GREP_COLOR,
    "records": FM_GREP_RECORDS,
}


cdef class Job:
    """One input's result, as the engine left it (a view of the C job,
    valid until the run moves on)."""
    cdef fm_job *job

    @property
    def name(self):
        return PyBytes_FromStringAndSize(<const char *>self.job.name,
                                         self.job.name_len)


cdef bytes _chunks_bytes(fm_chunk *c):
    """The chunks' bytes, joined (and freed)."""
    cdef Py_ssize_t total = 0, at = 0
    cdef fm_chunk *k = c
    cdef bytes out
    while k != NULL:
        total += k.len
        k = k.next
    out = PyBytes_FromStringAndSize(NULL, total)
    k = c
    while k != NULL:
        memcpy(PyBytes_AS_STRING(out) + at, k.data, k.len)
        at += k.len
        k = k.next
    fm_chunks_free(c)
    return out


cdef class Run:
    """One scan of many inputs: ``kind`` (GREP, COUNT, OFFSETS, FIRST,
    LAST) of ``pattern`` over ``inputs`` (bytes paths; STDIN for standard
    input), each directory walked when ``recursive``, on ``workers``
    threads.  Results come back in input order through next_event().
    ``map_min``: regular files this big or bigger are mapped, smaller ones
    read whole; ``block``: read every input that many bytes at a time
    instead (as a pipe is read); ``window`` (tests): scan mapped inputs
    that many bytes at a time, from the map and from read() copies in
    turn, instead of timing which is cheaper."""
    cdef fm_runner *r
    cdef fm_task task
    cdef fm_walk_opts walk
    cdef Pattern pattern
    cdef list _keep
    cdef const char **_globs
    cdef const char **_dirs
    cdef int *_include
    cdef const char **_roots
    cdef _workers.Threads **_threads
    cdef Py_ssize_t _nthreads
    cdef readonly Py_ssize_t position
    cdef object _inputs
    cdef bint _recursive
    cdef int _workers
    cdef bint _started

    def __cinit__(self, Pattern pattern, str kind, inputs, *, bint recursive=False,
                  int workers=1, bint names=False, bint text=False,
                  bint binary_offsets=False, grep=None, long long max_count=-1,
                  long long before=-1, long long after=-1, globs=(),
                  exclude_dirs=(), bare_dot=False, map_min=None, block=None,
                  window=None):
        cdef Py_ssize_t i, n
        cdef unsigned flags = 0
        self.pattern = pattern
        self._keep = []
        self.task.kind = FM_TASK_GREP if kind == GREP else FM_TASK_TALLY
        self.task.pattern = &pattern.p
        self.task.grep.pattern = &pattern.p
        self.task.tally = _TALLIES.get(kind, FM_TALLY_COUNT)
        self.task.offsets_binary = binary_offsets
        self.task.names = names
        self.task.text = text
        self.task.map_min = MAP_MIN if map_min is None else map_min
        # Every input read `block` bytes at a time, as a pipe would give
        # them: the scans' handling of block edges, on any file.
        self.task.block = 0 if block is None else block
        # Mapped inputs scanned `window` bytes at a time, from the map and
        # from read() copies in turn: the switches between the two.
        self.task.window = 0 if window is None else window
        for flag in grep or ():
            flags |= _GREP_FLAGS[flag]
        self.task.grep.flags = flags
        self.task.grep.max_count = max_count
        self.task.grep.before = before
        self.task.grep.after = after
        # --include / --exclude, in order: (bytes glob, is_include).
        n = len(globs)
        self._globs = <const char **>PyMem_Malloc(max(n, 1) * sizeof(char *))
        self._include = <int *>PyMem_Malloc(max(n, 1) * sizeof(int))
        if self._globs == NULL or self._include == NULL:
            raise MemoryError()
        for i, (glob, inc) in enumerate(globs):
            glob = bytes(glob)
            self._keep.append(glob)
            self._globs[i] = PyBytes_AS_STRING(glob)
            self._include[i] = 1 if inc else 0
        self.walk.globs = self._globs
        self.walk.is_include = self._include
        self.walk.nglobs = n
        n = len(exclude_dirs)
        self._dirs = <const char **>PyMem_Malloc(max(n, 1) * sizeof(char *))
        if self._dirs == NULL:
            raise MemoryError()
        for i in range(n):
            glob = bytes(exclude_dirs[i])
            self._keep.append(glob)
            self._dirs[i] = PyBytes_AS_STRING(glob)
        self.walk.exclude_dirs = self._dirs
        self.walk.nexclude_dirs = n
        self.walk.bare_dot = bare_dot
        self.r = fm_runner_new(&ENV, &self.task, &self.walk)
        if self.r == NULL:
            raise MemoryError()
        self._inputs = list(inputs)
        self._recursive = recursive
        self._workers = max(1, workers)

    cdef int start(self) except -1:
        """Adds the inputs and starts the threads (once)."""
        cdef Py_ssize_t i, n = len(self._inputs)
        cdef bytes path
        cdef int workers = self._workers
        cdef bint recursive = self._recursive
        inputs = self._inputs
        if self._started:
            return 0
        self._threads = <_workers.Threads **>PyMem_Malloc(
            (workers + 1) * sizeof(void *))
        if self._threads == NULL:
            raise MemoryError()
        self._nthreads = 0
        self._started = True
        if recursive:
            self._roots = <const char **>PyMem_Malloc(max(n, 1) * sizeof(char *))
            if self._roots == NULL:
                raise MemoryError()
            for i in range(n):
                # "-" (STDIN) walks as standard input.
                path = b"-" if inputs[i] == STDIN else bytes(inputs[i])
                self._keep.append(path)
                self._roots[i] = PyBytes_AS_STRING(path)
            if fm_runner_set_roots(self.r, self._roots, n, 1) != 0:
                raise MemoryError()
        else:
            for i in range(n):
                if inputs[i] == STDIN:
                    rc = fm_runner_add(self.r, NULL, 0)
                else:
                    path = bytes(inputs[i])
                    rc = fm_runner_add(self.r, PyBytes_AS_STRING(path), len(path))
                if rc != 0:
                    raise MemoryError()
            fm_runner_close(self.r)
        fm_runner_set_workers(self.r, workers)
        try:
            if recursive:
                self._threads[0] = _workers.start(
                    <Guarded>fm_runner_walk, self.r, 1)
                self._nthreads = 1
            for _ in range(workers):
                self._threads[self._nthreads] = _workers.start(
                    <Guarded>fm_runner_work, self.r, 1)
                self._nthreads += 1
        except BaseException:
            self.close()
            raise
        return 0

    cdef int next_event(self, fm_job **job, fm_chunk **chunks) except -1:
        """The next event of the job at ``position`` (FM_EVENT_*), waiting
        as long as it takes; Ctrl-C meanwhile cancels the run and raises
        KeyboardInterrupt."""
        cdef int event
        self.start()
        while True:
            with nogil:
                event = fm_runner_next(self.r, self.position, _WAIT_MS, job,
                                       chunks)
            if event != FM_EVENT_TIMEOUT:
                return event
            try:
                PyErr_CheckSignals()
            except BaseException:
                self.close()
                raise

    cdef void release(self) noexcept:
        fm_runner_release(self.r, self.position)
        self.position += 1

    cdef void stop(self) noexcept:
        """Cancels what still runs and waits for every thread."""
        cdef Py_ssize_t i
        if self.r == NULL:
            return
        fm_runner_cancel(self.r)
        with nogil:
            for i in range(self._nthreads):
                _workers.join(self._threads[i])
        self._nthreads = 0

    cdef int wait_printed(self) except -1:
        """With printing by the workers: waits for the end of the run,
        Ctrl-C meanwhile cancelling it (KeyboardInterrupt)."""
        cdef int over = 0
        self.start()
        while not over:
            with nogil:
                over = fm_runner_wait(self.r, _WAIT_MS)
            if not over:
                try:
                    PyErr_CheckSignals()
                except BaseException:
                    self.close()
                    raise
        self.stop()
        return 0

    def close(self):
        """Stops the workers (if any still run) and frees the engine."""
        if self.r == NULL:
            return
        self.stop()
        fm_runner_free(self.r)
        self.r = NULL

    def __dealloc__(self):
        self.close()
        PyMem_Free(self._globs)
        PyMem_Free(self._dirs)
        PyMem_Free(self._include)
        PyMem_Free(self._roots)
        PyMem_Free(self._threads)

    @property
    def splits(self):
        """How many inputs were scanned in parts on several workers (a big
        file with nothing else to do; counts and ungrouped grep output)."""
        return 0 if self.r == NULL else fm_runner_splits(self.r)

    def results(self):
        """Iterates (name, fail, err, count, first, last, size, regular,
        binary, output bytes) per input, in input order."""
        cdef fm_job *job
        cdef fm_chunk *chunks
        cdef int event
        pending = []
        while True:
            event = self.next_event(&job, &chunks)
            if event == FM_EVENT_END:
                return
            if chunks != NULL:
                pending.append(_chunks_bytes(chunks))
            if event != FM_EVENT_DONE:
                continue
            result = (PyBytes_FromStringAndSize(<const char *>job.name, job.name_len),
                      job.fail, job.err, job.count, job.first, job.last,
                      job.size if job.size >= 0 else None, bool(job.regular),
                      bool(job.binary), b"".join(pending))
            pending = []
            self.release()
            yield result


cdef str _failure(fm_job *job):
    """Why a job failed, as the command line reports it."""
    cdef char why[256]
    fm_job_failure(job, why, sizeof(why))
    return why.decode("utf-8", "replace")


def failure_text(int fail, int err):
    """The reason a failure (FM_FAIL_*, errno) is reported with."""
    cdef fm_job job
    job.fail = fail
    job.err = err
    return _failure(&job)


cdef object _report_text(fm_report *report, fm_job *job):
    """The line following a job's output, as bytes."""
    cdef fm_u8 line[8192]
    cdef size_t n = fm_job_report(report, job, line, sizeof(line))
    return PyBytes_FromStringAndSize(<const char *>line, n)


_SUMMARIES = {None: FM_SUMMARY_NONE, "count": FM_SUMMARY_COUNT,
              "files_with": FM_SUMMARY_FILES_WITH,
              "files_without": FM_SUMMARY_FILES_WITHOUT,
              "first": FM_SUMMARY_FIRST, "last": FM_SUMMARY_LAST}


cdef class _Printer:
    """Where the command line's output goes in consumer mode: a Python
    write() (tests capturing sys.stdout)."""
    cdef object write

    cdef int put(self, const fm_u8 *data, size_t n) except -1:
        if n:
            self.write(PyBytes_FromStringAndSize(<const char *>data, n))
        return 0

    cdef int put_chunks(self, fm_chunk *c) except -1:
        cdef fm_chunk *next_
        try:
            while c != NULL:
                self.put(c.data, c.len)
                next_ = c.next
                c.next = NULL
                fm_chunks_free(c)
                c = next_
        finally:
            fm_chunks_free(c)
        return 0


def print_output(Run run, int fd, write, report, *, summary=None,
                 bint names=False, bint color=False, bint silent=False):
    """The command line's output: each input's output and report, in input
    order; ``report(name, why)`` for an input that failed (unless
    ``silent``, -s); ``summary`` says what follows an input's own output:
    "count" (N, or NAME:N), "files_with" / "files_without" (the name),
    "first" / "last" (an offset), or None (the binary-file message).

    With ``fd`` >= 0 the workers print straight to that descriptor (and
    failures to descriptor 2); else output goes through ``write``.
    Returns (inputs where something was found, inputs that failed)."""
    cdef fm_report opts
    cdef long long found = 0, failed = 0
    cdef int write_err = 0
    opts.summary = _SUMMARIES[summary]
    opts.names = names
    opts.color = color
    opts.silent = silent
    if fd >= 0:
        fm_runner_print_to(run.r, fd, 2, &opts)
        try:
            run.wait_printed()
            fm_runner_finish(run.r, &found, &failed, &write_err)
        finally:
            run.close()
        if write_err:
            raise OSError(write_err, strerror(write_err).decode("utf-8", "replace"))
        return found, failed
    return _consume(run, write, report, &opts)


cdef tuple _consume(Run run, write, report, fm_report *opts):
    """print_output() through write() and report(), as print.c prints."""
    cdef _Printer out = _Printer.__new__(_Printer)
    cdef fm_job *job
    cdef fm_chunk *chunks
    cdef fm_chunk *next_
    cdef int event
    cdef Py_ssize_t found = 0, failed = 0, first_of = -1, skip
    cdef bint groups_seen = False
    out.write = write
    while True:
        event = run.next_event(&job, &chunks)
        if event == FM_EVENT_END:
            break
        if chunks != NULL and first_of != run.position:
            # The job's first output: the "--" of its first group goes out
            # only after an earlier job's lines.
            first_of = run.position
            skip = job.lead_sep
            if not groups_seen and 0 < skip <= <Py_ssize_t>chunks.len:
                out.put(chunks.data + skip, chunks.len - skip)
                next_ = chunks.next
                chunks.next = NULL
                fm_chunks_free(chunks)
                chunks = next_
        if chunks != NULL:
            out.put_chunks(chunks)
        if event != FM_EVENT_DONE:
            continue
        if job.fail:
            failed += 1
            if not opts.silent:
                report(PyBytes_FromStringAndSize(<const char *>job.name, job.name_len),
                       _failure(job))
        text = _report_text(opts, job)
        out.put(<const fm_u8 *>PyBytes_AS_STRING(text), len(text))
        if fm_job_found(job):
            found += 1
        if job.count > 0:
            groups_seen = True
        run.release()
    if fm_runner_stopped_found(run.r):
        found += 1
    return found, failed


cdef bytes _SEPARATOR = b"--\n"
cdef bytes _SEPARATOR_COLOR = b"\33[36m\33[K--\33[m\33[K\n"


def records(bytes data):
    """The (number, offset, text) of each line grep's RECORDS output holds
    (three native int64, then the text)."""
    cdef const char *p = PyBytes_AS_STRING(data)
    cdef Py_ssize_t at = 0, n = len(data)
    cdef long long head[3]
    out = []
    while at + 24 <= n:
        memcpy(head, p + at, 24)
        at += 24
        out.append((head[0], head[1], PyBytes_FromStringAndSize(p + at, head[2])))
        at += head[2]
    return out
