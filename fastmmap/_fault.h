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
 * The handler acts only on a fault the kernel raised (si_code > 0) while
 * the faulting thread is inside a guarded access.  A SIGBUS some process
 * sent (kill, tgkill, sigqueue: si_code <= 0) is not a fault of the access:
 * it is held until the access ends and then re-raised (see
 * fastmmap_guard_run for why it is not passed on at once).  Every other
 * SIGBUS goes to whatever handler was installed before (faulthandler, a
 * user's handler) or gets what the kernel would have done without us, so
 * the process behaves exactly as if fastmmap were not loaded.
 *
 * Why this is safe: guarded accesses are pure memory operations (memchr,
 * memcmp, memmove, the search kernels) that hold no locks and allocate
 * nothing, so abandoning them mid-way with siglongjmp leaves no state
 * behind.  sigsetjmp(env, 0) saves no signal mask (a syscall on every
 * access otherwise); SIGBUS is blocked inside the handler only when a
 * handler installed in front of ours without SA_NODEFER called us, and the
 * fault path unblocks it after the jump (fastmmap_fault_unblock).
 *
 * Others may take the handler out: faulthandler.disable() puts back the
 * disposition it found, SIG_DFL when it was enabled before the import.
 * fastmmap_fault_check(), run before every GIL-free region, puts ours back
 * over SIG_DFL or SIG_IGN -- but not over another handler: one installed
 * after ours may chain to ours (faulthandler does), and putting ours in
 * front of it would make a loop.  docs/safety.rst lists what stays
 * unprotected.
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
    /* Set by the handler: a SIGBUS sent by a process arrived meanwhile. */
    volatile sig_atomic_t sent;
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

/* Did the kernel raise this SIGBUS for a memory access of this thread?
 * si_code <= 0 means a process sent it (SI_USER, SI_QUEUE, SI_TKILL).
 * BUS_MCEERR_AO reports a memory error somewhere in the process, not at
 * the current instruction.  A NULL info (a chaining handler dropped it)
 * counts as a fault: held back instead, a real fault would re-fault and
 * come back with NULL again, for ever. */
static int fastmmap_is_fault(const siginfo_t *info)
{
    if (info == NULL)
        return 1;
#ifdef BUS_MCEERR_AO
    if (info->si_code == BUS_MCEERR_AO)
        return 0;
#endif
    return info->si_code > 0;
}

/* SAFETY: sigaction and raise are async-signal-safe.  Restores SIG_DFL
 * and re-delivers, so the process dies of SIGBUS (with a core dump, where
 * enabled) exactly as it would have without us. */
static void fastmmap_default_action(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

/* Hands a SIGBUS that is not ours to what was installed before us, or
 * does what the kernel would do with that disposition.
 * SAFETY: reads fastmmap_previous_sigbus, which is written only while our
 * handler is not installed (fastmmap_take_over), and calls only
 * async-signal-safe functions. */
static void fastmmap_pass_on(int sig, siginfo_t *info, void *context)
{
    const struct sigaction *prev = &fastmmap_previous_sigbus;
    if (prev->sa_flags & SA_SIGINFO) {
        if (prev->sa_sigaction != NULL) {
            prev->sa_sigaction(sig, info, context);
            return;
        }
    }
    else if (prev->sa_handler == SIG_IGN) {
        /* The kernel discards an ignored SIGBUS that was sent, but forces
         * a fault's through SIG_IGN (it resets the disposition to SIG_DFL):
         * returning would re-run the access and fault again, for ever. */
        if (!fastmmap_is_fault(info))
            return;
    }
    else if (prev->sa_handler != SIG_DFL) {
        prev->sa_handler(sig);
        return;
    }
    fastmmap_default_action(sig);
}

static void fastmmap_sigbus_handler(int sig, siginfo_t *info, void *context)
{
    fastmmap_fault_scope *scope = fastmmap_fault_current;
    if (scope != NULL) {
        if (fastmmap_is_fault(info)) {
            fastmmap_fault_current = scope->prev;
            siglongjmp(scope->env, 1);
        }
        /* Sent by a process: fastmmap_guard_run re-raises it when the
         * access is over.  SAFETY: one store to a volatile sig_atomic_t of
         * this thread's own scope. */
        scope->sent = 1;
        return;
    }
    /* Not a fastmmap access: hand the signal on unchanged. */
    fastmmap_pass_on(sig, info, context);
}

static int fastmmap_is_ours(const struct sigaction *action)
{
    return (action->sa_flags & SA_SIGINFO)
           && action->sa_sigaction == fastmmap_sigbus_handler;
}

/* Installs our handler in front of ``current`` (the disposition now);
 * 0 or -1 with errno set.  ``current`` becomes the handler we pass other
 * SIGBUS to; it is saved before ours goes in, so our handler never sees a
 * half-written one. */
static int fastmmap_take_over(const struct sigaction *current)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = fastmmap_sigbus_handler;
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    fastmmap_previous_sigbus = *current;
    return sigaction(SIGBUS, &action, NULL);
}

/* Installs the handler once per process; returns 0 or -1 with errno set. */
static int fastmmap_fault_install(void)
{
    struct sigaction current;
    if (fastmmap_sigbus_installed)
        return 0;
    if (sigaction(SIGBUS, NULL, &current) != 0)
        return -1;
    if (fastmmap_take_over(&current) != 0)
        return -1;
    fastmmap_sigbus_installed = 1;
    return 0;
}

/* Called before every region that runs without the GIL (with the GIL held,
 * so calls do not race each other): puts our handler back if others took
 * it out and left SIG_DFL or SIG_IGN (faulthandler.disable() after an
 * enable() before the import does).  Another handler is left in front of
 * ours: it may call ours (see the comment at the top).  0, or -1 with errno
 * set.  One sigaction() query per GIL-free region: those cover at least
 * GIL_FREE_MIN bytes, so the syscall is lost in the scan. */
static int fastmmap_fault_check(void)
{
    struct sigaction current;
    if (!fastmmap_sigbus_installed)
        return 0;
    if (sigaction(SIGBUS, NULL, &current) != 0)
        return -1;
    if (fastmmap_is_ours(&current) || (current.sa_flags & SA_SIGINFO))
        return 0;
    if (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN)
        return 0;
    /* SAFETY: our handler is not installed, and nothing installed chains
     * to it, so no thread reads fastmmap_previous_sigbus while
     * fastmmap_take_over writes it. */
    return fastmmap_take_over(&current);
}

/* After the jump out of the handler: a handler in front of ours that was
 * installed without SA_NODEFER had SIGBUS blocked when it called ours, and
 * siglongjmp(env saved with 0) does not restore the mask.  Left blocked,
 * the next fault would be forced through SIG_DFL and kill the process.
 * One syscall, on the fault path only.  (Signals in that handler's
 * sa_mask stay blocked in this thread: docs/safety.rst.) */
static void fastmmap_fault_unblock(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Runs fn(arg); returns 0, or -1 if it touched memory that raised SIGBUS.
 *
 * A SIGBUS sent by a process meanwhile is re-raised once the access is
 * over, not passed on from the handler: faulthandler enabled after the
 * import reports a fault, puts our handler back and raise()s, so our
 * handler sees that fault only as a sent SIGBUS (SI_TKILL).  Held back, it
 * lets the access resume; the access faults again, the kernel raises it
 * (si_code > 0) straight to our handler, and we jump.  So a sent SIGBUS
 * that arrives while the access is faulting is dropped -- it most likely
 * is that fault's re-raise. */
static int fastmmap_guard_run(void (*fn)(void *), void *arg)
{
    fastmmap_fault_scope scope;
    scope.prev = fastmmap_fault_current;
    scope.sent = 0;
    fastmmap_fault_current = &scope;
    if (sigsetjmp(scope.env, 0) != 0) {
        /* The handler already unlinked the scope. */
        fastmmap_fault_unblock();
        return -1;
    }
    fn(arg);
    fastmmap_fault_current = scope.prev;
    if (scope.sent)
        raise(SIGBUS);      /* now outside the scope: passed on as usual */
    return 0;
}

#endif /* FASTMMAP_FAULT_H */
