"""Deterministic corpora that look like the files people scan, beside the
English-like text of ``corpus.py``: service logs, JSON lines, CSV with
numbers and C-like source code, with needles drawn from each kind of file.

* ``logs``: ``2026-11-03T14:22:07.123Z INFO  [api-3] req=9f3a1c2e
  user=u123456 method=GET path=/api/v1/items/8812 status=200 ...``, the
  timestamps rising through November 2026.
* ``json``: one object a line (``{"id": 1234567, "ts": "2026-11-...",
  "level": "info", "user": "u123456", "event": "page_view", "value":
  12.5, ...}``), ids rising.
* ``csv``: a header, then ``1234567,2026-11-03T14:22:07Z,eu-west-1,
  SKU-48213,7,12345.67,86419.69,OK`` rows, ids rising.
* ``source``: C functions, ``#define`` and ``#include`` lines, comments and
  structs, each function name carrying a rising number.

Each file is a pure function of (kind, size, seed): NumPy's ``PCG64`` draws
the fields, Python formats them, a chunk of lines at a time.  Files are
cached in ``tempfile.gettempdir()`` as ``fastmmap-bench-<kind>-v<format>-
<MiB>MiB-seed<seed>.txt`` with a JSON sidecar (size, lines, and the needles
with their answers, which take a stdlib scan each to establish); both are
written to temporary names and renamed into place.  The byte 0x01 never
occurs in any of them: the limit's memchr looks for it.

Needle classes (``make_needles``), for ``find`` and ``rfind``:

* ``typical``: absent needles a person greps such a file for (``status=504``,
  ``2026-12-06``, ``"value": 100.5``, ``,FAILED``, ``#define FOO_BAR_BAZ``):
  made of the file's own bytes, each near-missing on most lines;
* ``freq``: 2 to 256 bytes drawn by frequency among the file's 24 most
  common bytes (digits, punctuation and capitals included) until absent;
* ``edit``: a slice of the file at a fixed fraction, 8 bytes to 4 KiB, with
  its middle byte changed to another of the same kind (digit for digit,
  letter for letter) so that it is absent: it matches the file up to that
  byte;
* ``present``: a timestamp, id or function name that first occurs (find)
  or last occurs (rfind) deep in the file;
* ``slice``: 16 bytes to 4 KiB copied from a line start deep in the file
  (at 0.9 of it for find, 0.1 for rfind), first (last) occurring there.

Run ``python bench/corpora.py [MiB]`` to build every file and print its
needles.
"""
import json
import mmap
import os
import sys
import tempfile

import numpy as np

from corpus import default_mb, page_in

FORMAT_VERSION = 1
SEED = 20261205
KINDS = ("logs", "json", "csv", "source")
#: the byte no corpus contains (the limit's memchr scans for it)
ABSENT_BYTE = 0x01
LINES_PER_CHUNK = 20000
FREQ_LENGTHS = (2, 3, 4, 8, 16, 64, 256)
EDIT_LENGTHS = (8, 16, 64, 256, 1024, 4096)
SLICE_LENGTHS = (16, 64, 256, 1024, 4096)
FREQ_BYTES = 24

TYPICAL = {
    "logs": (b"ERROR 504", b"status=504", b"2026-12-06", b"timeout after 31s",
             b"user=u9999999"),
    "json": (b'"user": "u9999999"', b'"value": 100.5', b"2026-12-01T",
             b'"level": "fatal"', b'"event": "logout_failed"'),
    "csv": (b",2026-12-01T", b"12345.678", b",FAILED", b",ap-north-9,", b",SKU-00000,"),
    "source": (b"#define FOO_BAR_BAZ", b"fastmmap_guard", b"return -ENOSPC;",
               b"struct fm_missing", b"0xdeadbeef"),
}

_LEVELS = np.array(["INFO ", "DEBUG", "WARN ", "ERROR"])
_LEVEL_P = [0.70, 0.15, 0.10, 0.05]
_METHODS = np.array(["GET", "POST", "PUT", "DELETE"])
_RESOURCES = np.array(["items", "users", "orders", "carts", "sessions", "search"])
_SERVICES = np.array(["api", "worker", "auth", "billing", "gateway"])
_OK_STATUS = np.array([200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404])
_ERR_STATUS = np.array([500, 502, 503])
_EVENTS = np.array(["page_view", "click", "add_to_cart", "purchase", "login",
                    "logout", "search", "scroll"])
_REGIONS = np.array(["eu-west-1", "eu-central-1", "us-east-1", "us-west-2",
                     "ap-south-1", "ap-northeast-1", "sa-east-1"])
_CSV_STATUS = np.array(["OK", "OK", "OK", "OK", "RETRY", "CANCELLED", "PENDING"])
_WORDS = ["block", "record", "buffer", "table", "entry", "index", "cache", "page", "queue",
          "node", "header", "stream", "parser", "writer", "reader", "config", "state",
          "result", "value", "offset", "length", "count", "limit", "window", "chunk",
          "frame", "packet"]


def _messages(rng, n, level):
    """The msg field of n log lines (ERROR lines get the error kinds)."""
    kinds = rng.integers(0, 6, n)
    nums = rng.integers(1, 99999, n)
    out = []
    for lv, kd, num in zip(level.tolist(), kinds.tolist(), nums.tolist()):
        if lv == 3:
            out.append("timeout after %ds" % (5 + num % 26) if kd < 2 else
                        "upstream returned %d" % (500 + 2 * (num % 2)) if kd < 4 else
                        "retrying connection to db-%d:5432 attempt=%d" % (num % 8, num % 5))
        else:
            out.append("request completed" if kd < 3 else
                        "cache miss key=user:%d" % num if kd == 3 else
                        "slow query took %dms" % (num % 3000) if kd == 4 else
                        "rate limit exceeded for u%06d" % (num * 7 % 1000000))
    return out


def _times(rng, n, first, step, per_second):
    """Rising times, n steps of 0 to step - 1 units (per_second a second)
    from first["t"] on: day of the month, hour, minute, second, and the
    units within the second."""
    t = first["t"] + np.cumsum(rng.integers(0, step, n))
    first["t"] = int(t[-1])
    sec, part = np.divmod(t, per_second)
    day, rest = np.divmod(sec, 86400)
    hh, rest = np.divmod(rest, 3600)
    mm, ss = np.divmod(rest, 60)
    return day + 1, hh, mm, ss, part


def _ids(n, first):
    """n rising ids from first["id"] on."""
    ids = first["id"] + np.arange(n)
    first["id"] += n
    return ids


def _logs(rng, n, first):
    level = rng.choice(4, n, p=_LEVEL_P)
    # About 1.2 s a line: 2 M lines span November.
    day, hh, mm, ss, ms = _times(rng, n, first, 2400, 1000)
    status = np.where(level == 3, rng.choice(_ERR_STATUS, n), rng.choice(_OK_STATUS, n))
    cols = (day, hh, mm, ss, ms, _LEVELS[level], rng.choice(_SERVICES, n),
            rng.integers(1, 16, n), rng.integers(0, 1 << 32, n, dtype=np.uint64),
            rng.integers(0, 1000000, n), rng.choice(_METHODS, n, p=[.7, .2, .07, .03]),
            rng.integers(1, 3, n), rng.choice(_RESOURCES, n), rng.integers(1, 100000, n),
            status, rng.integers(0, 65536, n), rng.integers(1, 2000, n),
            _messages(rng, n, level))
    fmt = ("2026-11-%02dT%02d:%02d:%02d.%03dZ %s [%s-%d] req=%08x user=u%06d "
           "method=%s path=/api/v%d/%s/%d status=%d bytes=%d latency_ms=%d msg=\"%s\"\n")
    return [fmt % row for row in zip(*(c.tolist() if hasattr(c, "tolist") else c
                                       for c in cols))]


def _json(rng, n, first):
    ids = _ids(n, first)
    day, hh, mm, ss, ms = _times(rng, n, first, 2400, 1000)
    level = rng.choice(np.array(["info", "debug", "warn", "error"]), n, p=_LEVEL_P)
    cols = (ids, day, hh, mm, ss, ms, level, rng.integers(0, 1000000, n),
            rng.choice(_EVENTS, n), rng.integers(0, 10000, n) / 100.0,
            rng.choice(_REGIONS, n), rng.integers(0, 2, n).astype(bool))
    fmt = ('{"id": %d, "ts": "2026-11-%02dT%02d:%02d:%02d.%03dZ", "level": "%s", '
           '"user": "u%06d", "event": "%s", "value": %.2f, "region": "%s", '
           '"ok": %s}\n')
    return [fmt % (*row[:11], "true" if row[11] else "false")
            for row in zip(*(c.tolist() for c in cols))]


def _csv(rng, n, first):
    ids = _ids(n, first)
    day, hh, mm, ss, _ = _times(rng, n, first, 2, 1)
    qty = rng.integers(1, 20, n)
    price = rng.integers(100, 2000000, n) / 100.0
    cols = (ids, day, hh, mm, ss, rng.choice(_REGIONS, n), rng.integers(10000, 99999, n),
            qty, price, qty * price, rng.choice(_CSV_STATUS, n))
    fmt = "%d,2026-11-%02dT%02d:%02d:%02dZ,%s,SKU-%05d,%d,%.2f,%.2f,%s\n"
    return [fmt % row for row in zip(*(c.tolist() for c in cols))]


def _source(rng, n, first):
    """n functions (about 8 lines each) with a #define and a comment."""
    words = np.array(_WORDS)
    a, b, c = (rng.choice(words, n) for _ in range(3))
    nums = rng.integers(0, 4096, (n, 4)).tolist()
    out = []
    for i, (x, y, z, v) in enumerate(zip(a.tolist(), b.tolist(), c.tolist(), nums)):
        fid = first["id"] + i
        up = f"{x}_{y}".upper()
        out.append(
            f"#define {up}_MAX_{fid} {v[0]}\n"
            f"/* {x} the {y} of a {z}: returns the count, or -1 on error. */\n"
            f"static int {x}_{y}_{fid}(struct {z} *{z}, size_t n)\n{{\n"
            f"    if ({z}->{x}_{y} > {up}_MAX_{fid})\n        return -EINVAL;\n"
            f"    for (size_t i = 0; i < n; i++)\n"
            f"        {z}->count += {z}->{y}[i] & 0x{v[1]:x};\n"
            f"    return {z}->count > {v[2]} ? {v[3]} : 0;\n}}\n\n")
    first["id"] += n
    return out


_MAKERS = {"logs": _logs, "json": _json, "csv": _csv, "source": _source}


def generate(fh, kind, size, seed=SEED):
    """Write at least ``size`` bytes of ``kind`` to ``fh``, ending at a
    line end; return (bytes, lines)."""
    rng = np.random.Generator(np.random.PCG64(seed + KINDS.index(kind)))
    state = {"t": 0, "id": 1000000}
    written = lines = 0
    if kind == "csv":
        head = b"id,timestamp,region,product,quantity,price,total,status\n"
        fh.write(head)
        written, lines = len(head), 1
    while written < size:
        block = "".join(_MAKERS[kind](rng, LINES_PER_CHUNK, state)).encode("ascii")
        if written + len(block) > size:
            cut = block.rfind(b"\n", 0, size - written) + 1
            block = block[:cut or block.index(b"\n") + 1]
        fh.write(block)
        written += len(block)
        lines += block.count(b"\n")
    return written, lines


def corpus_path(kind, mb=None, seed=SEED):
    mb = default_mb() if mb is None else mb
    name = f"fastmmap-bench-{kind}-v{FORMAT_VERSION}-{mb}MiB-seed{seed}.txt"
    return os.path.join(tempfile.gettempdir(), name)


def _replace(path, write, text):
    """Write a file through a temporary name in its directory."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".fastmmap-corpora-")
    try:
        with os.fdopen(fd, "w" if text else "wb") as fh:
            result = write(fh)
        os.replace(tmp, path)
        tmp = None
        return result
    finally:
        if tmp is not None:
            os.unlink(tmp)


def ensure(kind, mb=None, seed=SEED):
    """Build (or find cached) corpus ``kind``; return (path, meta) where
    meta holds size, lines and the needles (``load_needles`` decodes)."""
    path = corpus_path(kind, mb, seed)
    try:
        with open(path + ".json") as fh:
            meta = json.load(fh)
        if meta["format"] == FORMAT_VERSION and os.path.getsize(path) == meta["size"]:
            return path, meta
    except (OSError, ValueError, KeyError):
        pass
    size, lines = _replace(path, lambda fh: generate(fh, kind, (mb or default_mb()) << 20,
                                                     seed), False)
    needles = make_needles(kind, path, size)
    meta = {"format": FORMAT_VERSION, "kind": kind, "seed": seed, "size": size,
            "lines": lines, "needles": [dict(n, needle=n["needle"].decode("latin-1"))
                                        for n in needles]}
    _replace(path + ".json", lambda fh: json.dump(meta, fh), True)
    return path, meta


def load_needles(meta):
    return [dict(n, needle=n["needle"].encode("latin-1")) for n in meta["needles"]]


# -- needles ------------------------------------------------------------------------

def _edits(piece):
    """piece with its middle byte changed to each other byte of its kind
    (digits for a digit, letters of its case for a letter, else digits)."""
    i = len(piece) // 2
    c = piece[i]
    kinds = (b"0123456789", b"abcdefghijklmnopqrstuvwxyz", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    alphabet = next((a for a in kinds if c in a), kinds[0])
    for r in alphabet:
        if r != c:
            yield piece[:i] + bytes([r]) + piece[i + 1:]


def _absent_edit(m, at, length):
    """The first edit of the slice at ``at`` (or after it) that is absent."""
    while True:
        for needle in _edits(m[at:at + length]):
            if m.find(needle) < 0:
                return needle
        at += 997


def _present(kind, m, at):
    """(token, offset) for the first line at or after offset ``at``: a
    rising token of it (timestamp, id, function name), which first and
    last occurs about there, and where the slices copied from that line
    start (its start; for source, the function's number, since its lines
    begin the way many others do)."""
    start = m.find(b"\n", at) + 1
    line = m[start:m.find(b"\n", start)]
    if kind == "logs":
        return line[:19], start
    if kind == "json":
        return line[:line.index(b",")], start
    if kind == "csv":
        return b"\n" + line[:line.index(b",") + 1], start
    fn = m.find(b"static int ", start) + 11
    name = m[fn:m.find(b"(", fn)]
    return name, fn + name.rindex(b"_") + 1


def make_needles(kind, path, size, seed=SEED):
    """Every needle of corpus ``kind`` with its answers: a list of dicts
    (op, cls, label, needle, answer).  The stdlib's find/rfind give the
    answers; absent ones are checked absent."""
    rng = np.random.Generator(np.random.PCG64(seed ^ 0x5EED))
    out = []
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
        def add(op, cls, label, needle, want_absent):
            ans = getattr(m, op)(needle)
            assert (ans < 0) == want_absent, (kind, op, cls, label, needle[:40], ans)
            out.append(dict(op=op, cls=cls, label=label, needle=needle, answer=ans))

        for op in ("find", "rfind"):
            for needle in TYPICAL[kind]:
                add(op, "typical", needle.decode(), needle, True)
        sample = np.frombuffer(m[:16 << 20], dtype=np.uint8)
        hist = np.bincount(sample, minlength=256)
        common = np.argsort(-hist)[:FREQ_BYTES]
        common = common[hist[common] > 0]
        p = hist[common] / hist[common].sum()
        for length in FREQ_LENGTHS:
            while True:
                needle = bytes(rng.choice(common, length, p=p).astype(np.uint8))
                if b"\n" not in needle and m.find(needle) < 0:
                    break
            for op in ("find", "rfind"):
                add(op, "freq", str(length), needle, True)
        for i, length in enumerate(EDIT_LENGTHS):
            needle = _absent_edit(m, size * (2 * i + 3) // 16, length)
            for op in ("find", "rfind"):
                add(op, "edit", str(length), needle, True)
        for op, frac in (("find", 0.9), ("rfind", 0.1)):
            token, at = _present(kind, m, int(size * frac))
            add(op, "present", "token", token, False)
            for length in SLICE_LENGTHS:
                # A slice that first (or last) occurs deep in the file: the
                # next line's, in the rare case that this one occurs earlier.
                for _ in range(50):
                    needle = m[at:at + length]
                    ans = getattr(m, op)(needle)
                    if (ans >= size * 0.8) if op == "find" else (ans <= size * 0.2):
                        break
                    at = _present(kind, m, at)[1]
                add(op, "slice", str(length), needle, False)
    return out


def page_in_checked(path, meta):
    """Read the file once (warming the page cache) and check it."""
    hist = page_in(path)
    assert int(hist.sum()) == meta["size"] and int(hist[ord("\n")]) == meta["lines"]
    assert hist[ABSENT_BYTE] == 0
    return hist


if __name__ == "__main__":
    import time
    mb = int(sys.argv[1]) if len(sys.argv) > 1 else None
    for kind in KINDS:
        t0 = time.perf_counter()
        path, meta = ensure(kind, mb)
        hist = page_in_checked(path, meta)
        top = sorted(range(256), key=lambda b: -hist[b])[:10]
        print(f"{path}: {meta['size']} bytes, {meta['lines']} lines, "
              f"{time.perf_counter() - t0:.1f} s; top bytes "
              + " ".join(f"{bytes([b])!r}:{hist[b] / meta['size']:.1%}" for b in top))
        for n in load_needles(meta):
            print(f"  {n['op']:5} {n['cls']:8} {n['label'][:24]:24} {n['answer']:>10} "
                  f"{n['needle'][:48]!r}")
