# Threads that run without the GIL (_workers.pyx): the process's one place
# that starts them, for every module that splits work across cores.

from fastmmap._guard cimport Guarded

# How many threads work is split across by default: the CPUs this process
# may run on (its affinity mask), at least 1.
cdef int default_count() except -1

# fn(tasks + i * stride) for i in range(n), each on its own thread (the
# calling thread runs task 0) without the GIL and under the fault guard;
# faulted[i] is set to 1 for a task that touched a page its file no longer
# backs, else 0.  Returns when every task is done.  The caller keeps
# everything the tasks touch alive and mapped until then.  OSError if a
# thread cannot be started (the tasks already started still finish first).
cdef int run_tasks(Guarded fn, void *tasks, size_t stride, Py_ssize_t n,
                   int *faulted) except -1

# Threads that run alongside the caller (the file-set scans: a consumer
# needs to go on while they work).  n threads each run fn(arg), without the
# GIL and under the fault guard; join() waits for them all and frees the
# handle, returning how many faulted.  start() raises OSError if a thread
# cannot be started (none is left running then).
cdef struct Threads
cdef Threads *start(Guarded fn, void *arg, Py_ssize_t n) except NULL
cdef Py_ssize_t join(Threads *threads) noexcept nogil
