"""The file sets the many-file benchmarks scan (test_bench_files.py,
test_bench_grep.py), built once and cached in the temporary directory:

* ``source_tree()``: a copy of this machine's C headers (``/usr/include``)
  and of this Python's standard library (no site-packages, no __pycache__):
  about nine thousand small files, as a developer greps them;
* ``log_dir()``: 64 service logs of 16 MiB each (smaller for a quick run:
  ``LOG_MIB``), generated (deterministic: a pure function of the seed),
  one line per request;
* ``big_log()``: those 64 logs in one file (1 GiB).

The logs hold the needles of ``LOG_NEEDLES``: ``status=503`` on about one
line in 20,000 (rare), ``user=u1`` on most lines (frequent), and two that
never occur (absent).  Each builder writes to a temporary name and renames
into place when complete, so an interrupted build is never taken for a
cached one.
"""
import os
import shutil
import sysconfig
import tempfile

import numpy as np

FORMAT_VERSION = 1
SEED = 20261205
LOG_FILES = 64
# 16 MiB logs (1 GiB in all, the size the targets are stated for) from the
# default corpus size up; a quick run (FASTMMAP_BENCH_MB=32) gets smaller
# ones, as its corpus is smaller (building 1 GiB of logs takes a minute).
LOG_MIB = 16 if int(os.environ.get("FASTMMAP_BENCH_MB", 256)) >= 256 else max(
    1, int(os.environ.get("FASTMMAP_BENCH_MB", 256)) // 16)
LOGS = "%d x %d MiB" % (LOG_FILES, LOG_MIB)
BIG = "%d MiB" % (LOG_FILES * LOG_MIB)

LOG_NEEDLES = {
    "absent": b"status=504",
    "absent-long": b"timeout after 31s",
    "rare": b"status=503",
    "frequent": b"user=u1",
}

_LEVELS = np.array([b"INFO ", b"WARN ", b"ERROR", b"DEBUG"])
_METHODS = np.array([b"GET", b"POST", b"PUT", b"DELETE"])
_PATHS = np.array([b"/api/v1/items/", b"/api/v1/users/", b"/healthz?x=", b"/static/app.js?v="])
_STATUS = np.array([b"200", b"404", b"500", b"503"])


def _cache(name):
    return os.path.join(tempfile.gettempdir(), "fastmmap-bench-%s-v%d" % (name, FORMAT_VERSION))


def _log_lines(rng, count, start_seconds):
    """`count` log lines as one bytes object."""
    seconds = start_seconds + np.cumsum(rng.integers(0, 3, count))
    millis = rng.integers(0, 1000, count)
    level = _LEVELS[rng.choice(4, count, p=[0.86, 0.08, 0.03, 0.03])]
    service = rng.integers(1, 40, count)
    request = rng.integers(0, 1 << 32, count)
    user = rng.integers(100000, 999999, count)
    method = _METHODS[rng.choice(4, count, p=[0.7, 0.2, 0.07, 0.03])]
    path = _PATHS[rng.integers(0, 4, count)]
    item = rng.integers(0, 100000, count)
    status = _STATUS[rng.choice(4, count, p=[0.9, 0.06, 0.03995, 0.00005])]
    duration = rng.integers(1, 900, count)
    lines = []
    for i in range(count):
        s = int(seconds[i])
        day, s = divmod(s, 86400)
        hour, s = divmod(s, 3600)
        minute, s = divmod(s, 60)
        lines.append(b"2026-11-%02dT%02d:%02d:%02d.%03dZ %s [svc-%d] req=%08x user=u%d %s %s%d "
                     b"status=%s dur=%dms" % (
                         1 + day % 28, hour, minute, s, millis[i], level[i], service[i],
                         request[i], user[i], method[i], path[i], item[i], status[i],
                         duration[i]))
    return b"\n".join(lines) + b"\n"


def _write_log(path, index):
    rng = np.random.default_rng([SEED, index])
    target = LOG_MIB << 20
    tmp = "%s.%d.tmp" % (path, os.getpid())
    written = 0
    with open(tmp, "wb") as fh:
        while written < target:
            chunk = _log_lines(rng, 20000, 86400 * index)
            if written + len(chunk) > target:
                chunk = chunk[:target - written]
                chunk = chunk[:chunk.rfind(b"\n") + 1]
                if not chunk:
                    break
            fh.write(chunk)
            written += len(chunk)
    os.replace(tmp, path)


def log_dir():
    """The directory of LOG_FILES logs (built on first use)."""
    top = _cache("logs-%dx%dMiB" % (LOG_FILES, LOG_MIB))
    os.makedirs(top, exist_ok=True)
    for i in range(LOG_FILES):
        path = os.path.join(top, "app-%02d.log" % i)
        if not os.path.exists(path):
            _write_log(path, i)
    return top


def log_files():
    top = log_dir()
    return [os.path.join(top, name) for name in sorted(os.listdir(top))
            if name.endswith(".log")]


def big_log():
    """The logs concatenated into one file of about 1 GiB."""
    path = _cache("biglog-%dMiB" % (LOG_FILES * LOG_MIB)) + ".log"
    if not os.path.exists(path):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "wb") as out:
            for name in log_files():
                with open(name, "rb") as fh:
                    shutil.copyfileobj(fh, out, 16 << 20)
        os.replace(tmp, path)
    return path


def source_tree():
    """A copy of /usr/include and the standard library (built on first
    use); None when neither exists here."""
    top = _cache("srctree")
    if os.path.exists(os.path.join(top, ".complete")):
        return top
    sources = [("include", "/usr/include"), ("stdlib", sysconfig.get_paths()["stdlib"])]
    sources = [(name, path) for name, path in sources if os.path.isdir(path)]
    if not sources:
        return None
    tmp = "%s.%d.tmp" % (top, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    skip = shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc")
    for name, path in sources:
        shutil.copytree(path, os.path.join(tmp, name), symlinks=True, ignore=skip)
    with open(os.path.join(tmp, ".complete"), "w") as fh:
        fh.write("\n".join(path for _, path in sources) + "\n")
    shutil.rmtree(top, ignore_errors=True)
    os.replace(tmp, top)
    return top


def tree_files(top, under=""):
    """The regular files under top/under (no links), sorted."""
    out = []
    for root, dirs, files in os.walk(os.path.join(top, under)):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out.append(path)
    return out


def page_in(paths):
    """Reads every file once, so that the runs find them in the page cache."""
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(16 << 20)
                if not block:
                    break
                total += len(block)
    return total


if __name__ == "__main__":
    print("logs:", log_dir())
    print("1 GiB log:", big_log())
    print("source tree:", source_tree())
