"""Print every line of a log that holds a needle, with one line of context
before and after (like ``grep -C1``), and the match count.

    python grep_context.py app.log [NEEDLE]
"""
import sys

import fastmmap


def line_bounds(m, offset):
    """[start, end) of the line holding byte ``offset`` (end after its
    newline, or the end of the map)."""
    start = m.rfind(b"\n", 0, offset) + 1
    end = m.find(b"\n", offset)
    return start, len(m) if end < 0 else end + 1


def context(m, needle, before=1, after=1):
    """Yield (first line number, bytes of the block) for each group of
    lines around the matches; blocks that touch are merged."""
    hits = m.find_all(needle)             # every offset, one NumPy array
    blocks = []                           # [start, end) of each block
    for offset in hits.tolist():
        start, end = line_bounds(m, offset)
        for _ in range(before):
            if start > 0:
                start = line_bounds(m, start - 1)[0]
        for _ in range(after):
            if end < len(m):
                end = line_bounds(m, end)[1]
        if blocks and start <= blocks[-1][1]:
            blocks[-1][1] = max(blocks[-1][1], end)
        else:
            blocks.append([start, end])
    line, counted = 1, 0                  # line number of byte `counted`
    for start, end in blocks:
        line += m.count(b"\n", counted, start)
        counted = start
        yield line, m[start:end]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    path, needle = argv[0], (argv[1] if len(argv) > 1 else "ERROR").encode()
    with fastmmap.open(path) as m:
        for lineno, text in context(m, needle):
            for i, line in enumerate(text.splitlines()):
                print("%d:%s" % (lineno + i, line.decode(errors="replace")))
            print("--")
        print("%d matches" % m.count(needle))
    return 0


if __name__ == "__main__":
    sys.exit(main())
