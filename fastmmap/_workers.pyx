# cython: language_level=3
"""Worker threads: the one place fastmmap starts threads of its own.

Work that runs without the GIL on several cores (count() and find_all()
with workers=, the file-set scans) hands this module a function and one
argument struct per task.  The threads are plain POSIX threads: they never
touch a Python object, so they need no thread state, and starting one costs
about as much as scanning a megabyte, which is why callers only split work
that is much larger than that.

The threads block every asynchronous signal (Ctrl-C is the main thread's
to see, as CPython expects) but leave the synchronous ones alone: a SIGBUS
from a truncated file must reach the fault guard in the faulting thread.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_RawFree, PyMem_RawMalloc

from fastmmap cimport _guard, _os
from fastmmap cimport _posix as posix

import os as _pyos


cdef int default_count() except -1:
    try:
        return max(1, len(_pyos.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, _pyos.cpu_count() or 1)


cdef struct _Task:
    Guarded fn
    void *arg
    int faulted
    posix.pthread_t thread
    bint started


cdef void *_thread_main(void *arg) noexcept nogil:
    cdef _Task *task = <_Task *>arg
    task.faulted = _guard.run_nogil(task.fn, task.arg) != 0
    return NULL


cdef int _start(_Task *task) noexcept nogil:
    """pthread_create with every asynchronous signal blocked in the new
    thread (it inherits the mask in force here); 0 or an errno."""
    cdef posix.sigset_t block, old
    cdef int err
    posix.sigfillset(&block)
    posix.sigdelset(&block, posix.SIGBUS)
    posix.sigdelset(&block, posix.SIGSEGV)
    posix.sigdelset(&block, posix.SIGFPE)
    posix.sigdelset(&block, posix.SIGILL)
    posix.sigdelset(&block, posix.SIGTRAP)
    posix.pthread_sigmask(posix.SIG_SETMASK, &block, &old)
    err = posix.pthread_create(&task.thread, NULL, _thread_main, task)
    posix.pthread_sigmask(posix.SIG_SETMASK, &old, NULL)
    task.started = err == 0
    return err


cdef int run_tasks(Guarded fn, void *tasks, size_t stride, Py_ssize_t n,
                   int *faulted) except -1:
    cdef _Task *threads
    cdef Py_ssize_t i
    cdef int err = 0
    if n <= 0:
        return 0
    threads = <_Task *>PyMem_Malloc(<size_t>n * sizeof(_Task))
    if threads == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            threads[i].fn = fn
            threads[i].arg = <char *>tasks + <size_t>i * stride
            threads[i].faulted = 0
            threads[i].started = False
        _guard.prepare()
        # SAFETY: every task runs under the fault guard, and no task outlives
        # this call (all are joined before it returns), so the memory they
        # read needs to stay mapped only as long as the caller already keeps
        # it (its scan guard: _parallel.pxi).
        with nogil:
            for i in range(1, n):
                err = _start(&threads[i])
                if err:
                    break
            if not err:
                threads[0].faulted = _guard.run_nogil(fn, threads[0].arg) != 0
            for i in range(1, n):
                if threads[i].started:
                    posix.pthread_join(threads[i].thread, NULL)
        for i in range(n):
            faulted[i] = threads[i].faulted
        if err:
            _os.raise_errno(err)
    finally:
        PyMem_Free(threads)
    return 0


cdef struct Threads:
    _Task *tasks
    Py_ssize_t n


cdef Threads *start(Guarded fn, void *arg, Py_ssize_t n) except NULL:
    # Raw allocations: join() frees them without the GIL.
    cdef Threads *threads = <Threads *>PyMem_RawMalloc(sizeof(Threads))
    cdef Py_ssize_t i
    cdef int err = 0
    if threads == NULL:
        raise MemoryError()
    threads.tasks = <_Task *>PyMem_RawMalloc(<size_t>max(n, 1) * sizeof(_Task))
    if threads.tasks == NULL:
        PyMem_RawFree(threads)
        raise MemoryError()
    threads.n = 0
    _guard.prepare()
    # SAFETY: the threads run fn under the fault guard and touch no Python
    # object; what they read is the caller's to keep alive until join()
    # (_scan.Run keeps its runner; a worker unmaps a file only after every
    # part of it is done: csrc/scan/parts.c).
    with nogil:
        for i in range(n):
            threads.tasks[i].fn = fn
            threads.tasks[i].arg = arg
            threads.tasks[i].faulted = 0
            err = _start(&threads.tasks[i])
            if err:
                break
            threads.n = i + 1
    if err:
        with nogil:
            join(threads)
        _os.raise_errno(err)
    return threads


cdef Py_ssize_t join(Threads *threads) noexcept nogil:
    cdef Py_ssize_t i, faulted = 0
    for i in range(threads.n):
        posix.pthread_join(threads.tasks[i].thread, NULL)
        faulted += threads.tasks[i].faulted
    PyMem_RawFree(threads.tasks)
    PyMem_RawFree(threads)
    return faulted
