/*
 * Turning SIGBUS inside fastmmap into an exception.
 *
 * A shared file map whose file is truncated underneath leaves pages that no
 * longer have backing store; touching them raises SIGBUS, which kills the
 * process.  fastmmap runs every access to mapped memory through
 * fastmmap_guard_run(): it records a jump buffer for the calling thread,
 * runs the access, and if the access faults, the process-wide SIGBUS
 * handler jumps back and the call returns -1 (the caller raises OSError).
 *
 * The handler acts only while the faulting thread is inside a guarded
 * access.  Any other SIGBUS goes to whatever handler was installed before
 * (faulthandler, a user's handler) or gets the default action, so the
 * process behaves exactly as if fastmmap were not loaded.
 *
 * Why this is safe: guarded accesses are pure memory operations (memchr,
 * memcmp, memmove, the search kernels) that hold no locks and allocate
 * nothing, so abandoning them mid-way with siglongjmp leaves no state
 * behind.  SA_NODEFER keeps SIGBUS unblocked inside the handler, so the
 * cheap sigsetjmp(env, 0) (no signal-mask syscall) is enough.
 */
#ifndef FASTMMAP_FAULT_H
#define FASTMMAP_FAULT_H

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

typedef struct fastmmap_fault_scope {
    sigjmp_buf env;
    struct fastmmap_fault_scope *prev;
} fastmmap_fault_scope;

/* The innermost guarded access of this thread, or NULL.  initial-exec:
 * one %fs-relative load instead of a __tls_get_addr call per access. */
#if defined(__GNUC__) || defined(__clang__)
#  define FASTMMAP_TLS __thread __attribute__((tls_model("initial-exec")))
#else
#  define FASTMMAP_TLS _Thread_local
#endif
static FASTMMAP_TLS fastmmap_fault_scope *fastmmap_fault_current = NULL;
static struct sigaction fastmmap_previous_sigbus;
static int fastmmap_sigbus_installed = 0;

static void fastmmap_sigbus_handler(int sig, siginfo_t *info, void *context)
{
    fastmmap_fault_scope *scope = fastmmap_fault_current;
    if (scope != NULL) {
        fastmmap_fault_current = scope->prev;
        siglongjmp(scope->env, 1);
    }
    /* Not a fastmmap access: hand the signal on unchanged. */
    if (fastmmap_previous_sigbus.sa_flags & SA_SIGINFO) {
        if (fastmmap_previous_sigbus.sa_sigaction != NULL) {
            fastmmap_previous_sigbus.sa_sigaction(sig, info, context);
            return;
        }
    }
    else if (fastmmap_previous_sigbus.sa_handler == SIG_IGN) {
        return;
    }
    else if (fastmmap_previous_sigbus.sa_handler != SIG_DFL) {
        fastmmap_previous_sigbus.sa_handler(sig);
        return;
    }
    /* Default action: restore it and re-deliver, so the process dies of
     * SIGBUS exactly as it would have without us. */
    sigaction(sig, &fastmmap_previous_sigbus, NULL);
    raise(sig);
}

/* Installs the handler once per process; returns 0 or -1 with errno set. */
static int fastmmap_fault_install(void)
{
    struct sigaction action;
    if (fastmmap_sigbus_installed)
        return 0;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = fastmmap_sigbus_handler;
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGBUS, &action, &fastmmap_previous_sigbus) != 0)
        return -1;
    fastmmap_sigbus_installed = 1;
    return 0;
}

/* Called before every region that runs without the GIL: makes sure the
 * handler is still installed; 0, or -1 with errno set.  (Stub: always 0.) */
static int fastmmap_fault_check(void)
{
    return 0;
}

/* Runs fn(arg); returns 0, or -1 if it touched memory that raised SIGBUS. */
static int fastmmap_guard_run(void (*fn)(void *), void *arg)
{
    fastmmap_fault_scope scope;
    scope.prev = fastmmap_fault_current;
    fastmmap_fault_current = &scope;
    if (sigsetjmp(scope.env, 0) != 0) {
        /* The handler already unlinked the scope. */
        return -1;
    }
    fn(arg);
    fastmmap_fault_current = scope.prev;
    return 0;
}

#endif /* FASTMMAP_FAULT_H */
