"""Child-process scenarios for tests/test_sigbus.py.

Run as ``python tests/sigbus_child.py SCENARIO [ARGS...]`` with fastmmap
importable.  Each scenario sets up SIGBUS the way it needs *before* or
*after* importing fastmmap, so every one runs in a fresh interpreter.  It
prints ``FAIL: ...`` lines and ends with ``RESULT OK`` (exit 0) or ``RESULT
FAIL`` (exit 1); scenarios whose correct outcome is death by SIGBUS print
``survived`` and fail if the process lives on.  A hang (the old re-fault
loop) is caught by the parent's timeout.
"""
import ctypes
import errno
import faulthandler
import mmap as stdlib_mmap
import os
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time

from support import check, cut_once_mapped, fail, finish

PAGE = stdlib_mmap.PAGESIZE
def survived(what):
    """Reached only if the SIGBUS that should have killed us did not."""
    print("survived", what, flush=True)
    fail("survived " + what)
    finish()


def no_core_dumps():
    """Deaths by SIGBUS are the expected outcome here: no core files."""
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def truncated_map(fastmmap, size, keep):
    """A shared map of a ``size``-byte file cut to ``keep`` bytes underneath."""
    path = os.path.join(tempfile.mkdtemp(), "f")
    with open(path, "wb") as f:
        f.write(b"x" * keep)
        f.truncate(size)
    fd = os.open(path, os.O_RDWR)
    m = fastmmap.mmap(fd, size)
    m[:keep]                        # the kept part is resident and readable
    os.ftruncate(fd, keep)
    return m


def expect_efault(name, fn):
    try:
        value = fn()
    except OSError as exc:
        check(exc.errno == errno.EFAULT, "%s: errno %r, expected EFAULT" % (name, exc.errno))
        return
    except Exception as exc:
        fail("%s: %s: %s, expected OSError(EFAULT)" % (name, type(exc).__name__, exc))
        return
    fail("%s: returned %r, expected OSError(EFAULT)" % (name, value))


def sigbus_blocked():
    return signal.SIGBUS in signal.pthread_sigmask(signal.SIG_BLOCK, [])


# --------------------------------------------------------------------------
# 5. SIGBUS ignored before the import
# --------------------------------------------------------------------------

def scenario_ignored(toucher):
    """SIG_IGN before the import; a fault outside fastmmap (``toucher``:
    memoryview or numpy) must kill at once, as the kernel does without
    fastmmap (it forces a fault's SIGBUS through SIG_IGN); ``fastmmap``:
    fastmmap's own faults still raise OSError and a SIGBUS sent with kill()
    is ignored."""
    no_core_dumps()
    signal.signal(signal.SIGBUS, signal.SIG_IGN)
    import fastmmap
    m = truncated_map(fastmmap, 4 * PAGE, PAGE)
    if toucher == "fastmmap":
        expect_efault("m[2*PAGE]", lambda: m[2 * PAGE])
        expect_efault("find", lambda: m.find(b"y"))
        os.kill(os.getpid(), signal.SIGBUS)
        time.sleep(0.1)
        check(m[0] == ord("x"), "still alive and reading after an ignored kill()")
        finish()
    if toucher == "memoryview":
        view = memoryview(m)
        print("read", view[2 * PAGE], flush=True)
    elif toucher == "numpy":
        import numpy
        array = numpy.frombuffer(m, dtype=numpy.uint8)
        print("read", int(array[2 * PAGE]), flush=True)
    survived("a fault through a %s with SIGBUS ignored" % toucher)


# --------------------------------------------------------------------------
# 6. A C handler chained after the import, without SA_NODEFER
# --------------------------------------------------------------------------

CHAIN_SOURCE = r"""
#include <signal.h>
#include <string.h>

static struct sigaction chain_previous;
static volatile sig_atomic_t chain_calls;

/* Calls the handler it replaced, as a well-behaved library does. */
static void chain_handler(int sig, siginfo_t *info, void *context)
{
    chain_calls++;
    if (chain_previous.sa_flags & SA_SIGINFO)
        chain_previous.sa_sigaction(sig, info, context);
    else if (chain_previous.sa_handler != SIG_DFL
             && chain_previous.sa_handler != SIG_IGN)
        chain_previous.sa_handler(sig);
    else {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/* No SA_NODEFER: the kernel blocks SIGBUS while chain_handler runs. */
int chain_install(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = chain_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGBUS, &action, &chain_previous);
}

int chain_count(void)
{
    return chain_calls;
}
"""


def build_chain_library():
    """Compiles CHAIN_SOURCE; None if there is no C compiler."""
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, "chain.c")
    lib = os.path.join(tmp, "chain.so")
    with open(src, "w") as f:
        f.write(CHAIN_SOURCE)
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    try:
        subprocess.run(cc + ["-shared", "-fPIC", "-O1", "-o", lib, src], check=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except (OSError, subprocess.CalledProcessError) as exc:
        print("no C compiler:", exc, flush=True)
        return None
    return ctypes.CDLL(lib)


def scenario_chained():
    """A C handler installed after the import without SA_NODEFER, chaining
    to fastmmap's: every fastmmap fault raises OSError, the first one too,
    and SIGBUS is not left blocked after any of them."""
    no_core_dumps()
    chain = build_chain_library()
    if chain is None:
        print("SKIP: no C compiler", flush=True)
        os._exit(3)
    import fastmmap
    check(chain.chain_install() == 0, "chain_install")
    m = truncated_map(fastmmap, 4 << 20, 1 << 20)
    lost = 2 << 20
    ops = [("m[lost]", lambda: m[lost]),
           ("m[lost] again", lambda: m[lost]),
           ("read", lambda: (m.seek(lost), m.read(10))[1]),
           ("find (GIL-free)", lambda: m.find(b"needle")),
           ("m[lost] after GIL-free", lambda: m[lost])]
    for name, fn in ops:
        expect_efault(name, fn)
        check(not sigbus_blocked(), "SIGBUS blocked after " + name)
    check(chain.chain_count() >= len(ops), "the chained handler saw every fault: %d"
          % chain.chain_count())
    check(m[:4] == b"xxxx", "the kept part still reads")
    finish()


# --------------------------------------------------------------------------
# 7. A SIGBUS sent by a process during a guarded scan
# --------------------------------------------------------------------------

def send_sigbus(how):
    if how == "kill":                         # SI_USER, process-directed
        os.kill(os.getpid(), signal.SIGBUS)
    elif how == "pthread_kill":               # SI_TKILL, to the scanning thread
        signal.pthread_kill(threading.main_thread().ident, signal.SIGBUS)
    elif how == "sigqueue":                   # SI_QUEUE
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.sigqueue(os.getpid(), signal.SIGBUS, ctypes.c_void_p(0)) != 0:
            fail("sigqueue: errno %d" % ctypes.get_errno())
    else:
        raise SystemExit("unknown sender %r" % how)


def scenario_sent(how, disposition):
    """Another thread sends SIGBUS (``how``) while the main thread scans a
    256 MiB anonymous map in a loop.  ``disposition`` (set up around the
    import): default / faulthandler (before) / faulthandler_after: the
    process dies of SIGBUS; python (a signal.signal handler before the
    import): the handler is called.  Never OSError."""
    no_core_dumps()
    calls = []
    if disposition == "python":
        signal.signal(signal.SIGBUS, lambda sig, frame: calls.append(sig))
    elif disposition == "faulthandler":
        faulthandler.enable()
    import fastmmap
    if disposition == "faulthandler_after":
        faulthandler.enable()
    m = fastmmap.mmap(-1, 256 << 20)
    check(m.find(b"x") == -1, "first scan")     # maps the zero pages in

    def sender():
        time.sleep(0.3)
        send_sigbus(how)
        # Stay parked: faulthandler's report walks every thread's frames
        # without locking them, and a thread tearing itself down during
        # that walk can crash it (seen once on 3.10: SIGSEGV, not SIGBUS).
        time.sleep(60)

    threading.Thread(target=sender, daemon=True).start()
    scans = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not calls:
        try:
            m.find(b"x")
        except OSError as exc:
            fail("scan %d: the sent SIGBUS became %r" % (scans, exc))
            break
        scans += 1
    print("scans:", scans, "handler calls:", calls, flush=True)
    if disposition != "python":
        survived("a SIGBUS sent with " + how)
    check(calls == [signal.SIGBUS], "the Python handler was called once: %r" % calls)
    finish()


# --------------------------------------------------------------------------
# 8. The handler uninstalled by others
# --------------------------------------------------------------------------

def scenario_reinstalled(how, then):
    """faulthandler enabled before the import (``how``: enable, or by the
    parent: env, xoption), then disabled after it, which puts back SIG_DFL
    and so takes fastmmap's handler out.  The next GIL-free scan puts it
    back: a truncated find raises OSError(EFAULT), and so do the small
    accesses after it.  ``then`` = kill: a sent SIGBUS afterwards still
    gets the default action; ``then`` = cli: the command line's scans of a
    file truncated under them report it too (with one guard per process,
    the handler the map put back serves them as well)."""
    no_core_dumps()
    if how == "enable":
        faulthandler.enable()
    check(faulthandler.is_enabled(), "faulthandler enabled before the import")
    import fastmmap
    if then == "cli":
        import_every_module(fastmmap)
    faulthandler.disable()      # (signal.getsignal() cannot tell: it shows
                                # what Python cached, None for env/xoption)
    m = truncated_map(fastmmap, 4 << 20, 1 << 20)
    expect_efault("find over 4 MiB", lambda: m.find(b"needle"))
    expect_efault("m[lost] after it", lambda: m[2 << 20])
    expect_efault("find again", lambda: m.find(b"needle"))
    check(m[:4] == b"xxxx", "the kept part still reads")
    if then == "cli":
        for command in ("grep", "count"):
            code, err = command_line_on_truncated_file(command)
            check(code == 2 and "fastmmap: " in err,
                  "%s: exit %r, stderr %r; expected 2 and the truncation "
                  "reported" % (command, code, err[-500:]))
    if then == "kill":
        os.kill(os.getpid(), signal.SIGBUS)
        time.sleep(1)
        survived("a kill() after fastmmap re-installed its handler")
    finish()


def import_every_module(package):
    """Imports each module of the package (but __main__): whatever guard
    an extension installs at import is in place before faulthandler is
    disabled, as in a process that has used them all."""
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:         # e.g. fastmmap._array without NumPy
            pass


def command_line_on_truncated_file(command, size=2 << 30):
    """Runs ``fastmmap COMMAND needle FILE`` (in this process) on a sparse
    file that is cut to one page as soon as the command has mapped it, so
    that its scan runs into the lost pages.  Returns the exit status and
    what it printed on stderr."""
    import io

    from fastmmap._cli import main

    path = os.path.join(tempfile.mkdtemp(), "sparse")
    with open(path, "wb") as f:
        f.truncate(size)
    err, sys.stderr = sys.stderr, io.StringIO()
    try:
        with cut_once_mapped(path, PAGE):
            code = main([command, "needle", path])
        text = sys.stderr.getvalue()
    finally:
        sys.stderr = err
        os.unlink(path)
    return code, text


def scenario_faulthandler_after_scan(how):
    """faulthandler enabled after the import sits in front of fastmmap's
    handler and chains to it.  A GIL-free scan must not put fastmmap back in
    front of it (that would make a loop: fastmmap -> faulthandler ->
    fastmmap ...): a SIGBUS sent afterwards gets one report and kills."""
    no_core_dumps()
    import fastmmap
    faulthandler.enable()
    m = fastmmap.mmap(-1, 16 << 20)
    check(m.find(b"x") == -1, "GIL-free scan")
    send_sigbus(how)
    time.sleep(1)
    survived("a SIGBUS sent after a GIL-free scan, faulthandler enabled after import")


#: Scenario name (the first argument) -> function; the remaining arguments
#: are passed to it as strings.
SCENARIOS = {
    "ignored": scenario_ignored,
    "chained": scenario_chained,
    "sent": scenario_sent,
    "reinstalled": scenario_reinstalled,
    "faulthandler_after_scan": scenario_faulthandler_after_scan,
}


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in SCENARIOS:
        raise SystemExit("usage: sigbus_child.py {%s} [ARGS...]" % ",".join(sorted(SCENARIOS)))
    SCENARIOS[sys.argv[1]](*sys.argv[2:])
