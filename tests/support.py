"""Helpers shared by several test modules and their child scripts.

Child scripts (reliability_child.py, sigbus_child.py, guard_pages_child.py)
import this too: they run with tests/ on sys.path.  Nothing here imports
pytest, so a child never loads it.
"""
import contextlib
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


class Idx:
    """An object with __index__ only, whose repr is not its value."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value

    def __repr__(self):
        return "Idx(%r)" % (self.value,)


def norm_range(size, start, end):
    """start/end as bytes.count/find normalise them (start is not clamped
    to the size; an empty range may have start > end)."""
    s = 0 if start is None else start
    e = size if end is None else end
    if e > size:
        e = size
    elif e < 0:
        e = max(e + size, 0)
    if s < 0:
        s = max(s + size, 0)
    return s, e


def naive_find_all(hay, needle):
    """Offsets of the non-overlapping matches of a non-empty needle, left
    to right: the oracle of every find_all kernel."""
    out, pos = [], 0
    while True:
        p = hay.find(needle, pos)
        if p < 0:
            return out
        out.append(p)
        pos = p + len(needle)


# -- child scenarios: collect failures, then one RESULT line ----------------------

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL:", msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def finish():
    print("RESULT", "FAIL (%d)" % len(FAILURES) if FAILURES else "OK", flush=True)
    sys.stdout.flush()
    os._exit(1 if FAILURES else 0)


# -- running a child -------------------------------------------------------------

def env_with_package_path(*first):
    """os.environ with ``first`` and then the directory holding the tested
    fastmmap (an installed wheel or the source tree) at the front of
    PYTHONPATH: what a child process or a Dask worker needs to import it."""
    import fastmmap
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [*first, package_parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def child_env(tmp_path, **extra):
    """The environment for a child script: the tested fastmmap and tests/
    first on PYTHONPATH, scratch files in tmp_path, no inherited
    PYTHONFAULTHANDLER (scenarios choose their own)."""
    env = env_with_package_path(HERE)
    env["TMPDIR"] = str(tmp_path)
    env.pop("PYTHONFAULTHANDLER", None)
    env.update(extra)
    return env


def run_or_fail_if_hung(cmd, tmp_path, env, timeout, label):
    """subprocess.run(cmd) with text output; a timeout fails the test,
    saying so (that is how a re-fault loop or a deadlock shows)."""
    import pytest
    try:
        return subprocess.run(cmd, cwd=str(tmp_path), env=env,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail("scenario %s hangs (> %ds)\n--- stdout\n%s\n--- stderr\n%s"
                    % (label, timeout, exc.stdout, exc.stderr), pytrace=False)


# -- a file cut short while it is mapped --------------------------------------------

@contextlib.contextmanager
def cut_once_mapped(path, keep):
    """While the block runs, a thread cuts the file at ``path`` to ``keep``
    bytes as soon as this process has it mapped (it shows in
    /proc/self/maps): a scan of a big sparse file then runs into the lost
    pages.  Yields a list that holds True once the cut was made."""
    done = threading.Event()
    cut = []

    def watch():
        while not done.is_set():
            with open("/proc/self/maps") as maps:
                if path in maps.read():
                    os.truncate(path, keep)
                    cut.append(True)
                    return
            time.sleep(0.0002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield cut
    finally:
        done.set()
        watcher.join()


def unprivileged_prefix():
    """argv prefix that runs a command without the power to read files
    whatever their permissions: nothing when not root; for root, setpriv
    dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set
    (None if setpriv is missing)."""
    import shutil

    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
