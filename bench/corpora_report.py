"""The session summary's section for test_bench_corpora.py: each row's GB/s
and ratios, the geometric means per corpus, operation and needle class,
and every row where fastmmap was slower than the stdlib or StringZilla."""
import collections

from conftest import _geomean, _rst_table

SIDES = ("stdlib", "fastmmap", "stringzilla", "limit")
#: needles at least this long are held to the long-needle target
LONG = 256


def _ratios(g):
    f = g["fastmmap"]
    return f / g["limit"], f / g["stringzilla"], f / g["stdlib"]


def format_corpora(records):
    out = ["Real-looking data (test_bench_corpora.py), every side interleaved round by "
           "round; GB/s = bytes the search had to read / best round.", ""]
    rows, classes, slow = [], collections.defaultdict(list), []
    long_rows = collections.defaultdict(list)
    for rec in records:
        g = rec["gbps"]
        lim, sz, std = _ratios(g)
        rows.append((rec["row"], *(f"{g[s]:.2f}" for s in SIDES),
                     f"{lim:.2f}", f"{sz:.2f}", f"{std:.2f}"))
        classes[rec["corpus"], rec["needle_op"], rec["needle_class"]].append((lim, sz, std))
        if rec["needle_len"] >= LONG:
            long_rows[rec["corpus"], rec["needle_op"]].append(lim)
        if sz < 1 or std < 1:
            slow.append(f"{rec['row']} (x StringZilla {sz:.2f}, x stdlib {std:.2f})")
    out += _rst_table(("benchmark", *SIDES, "fast/limit", "fast/sz", "fast/stdlib"), rows)
    out.append("")
    means = [(f"{corpus} {op} {cls}", str(len(v)),
              *(f"{_geomean(r[i] for r in v):.2f}" for i in range(3)),
              f"{min(r[2] for r in v):.2f}")
             for (corpus, op, cls), v in classes.items()]
    out += _rst_table(("geometric mean", "needles", "fast/limit", "fast/sz", "fast/stdlib",
                       "min fast/stdlib"), means)
    out.append("")
    for (corpus, op), v in long_rows.items():
        out.append(f"* {corpus} {op}, needles of {LONG} bytes or more: fast/limit "
                   f"geometric mean {_geomean(v):.2f}, lowest {min(v):.2f} ({len(v)} needles)")
    out.append("* fastmmap slower than StringZilla or the stdlib on: "
               + (f"{len(slow)} of {len(records)} rows" if slow else "none"))
    out += [f"  * {line}" for line in slow]
    return out
