/*
 * A mapped regular file (or a part of one) scanned a window at a time,
 * each window taken from whichever source costs less: the mapping itself,
 * or read() copies of the same bytes into the worker's buffer.
 *
 * Which one wins depends on how the kernel holds the file's pages, not on
 * the file's size.  Pages held in large folios (a file read in by
 * readahead, or written in big writes) are mapped many at a time, and the
 * map scans at memory speed; a file written a little at a time (a log
 * appended line by line) sits in 4 KiB pages, each needing its own
 * page-table entry, and then copying 256 KiB at a time into a buffer that
 * stays in cache is ~1.5x faster (docs/performance.rst has the figures).
 * Nothing cheap tells the two apart from user space, so the scan times
 * both on its first windows, goes on with the cheaper one, and times the
 * other again every RETRY bytes (a file can be partly of each kind).
 *
 * The scan's state does not care where a window came from: it is fed the
 * bytes it still needs plus the new ones, from the map or from the buffer
 * (which then holds exactly those bytes).  A read that fails or comes back
 * short (the file shrank) hands the rest to the map, where the fault guard
 * turns a page the file no longer backs into FM_FAIL_TRUNCATED.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

/* A timed window: long enough to time (~40-100 us), short enough that
 * the loser of the comparison costs little. */
#define PROBE ((ptrdiff_t)1 << 20)
/* A window read into the buffer: it stays in the core's cache while it
 * is scanned (256 KiB measured best of 64 KiB..4 MiB). */
#define READ_WINDOW ((ptrdiff_t)256 << 10)
/* A window scanned from the map: long, but short enough that a cancelled
 * run (Ctrl-C, -q) stops within one. */
#define MAP_WINDOW ((ptrdiff_t)16 << 20)
/* Bytes between two timings of the source not in use, and how much
 * cheaper it must then be to take over (window timings vary by ~30%
 * from one to the next on a busy machine). */
#define RETRY ((ptrdiff_t)128 << 20)
#define MARGIN 1.25
/* Bytes the scan may still need (a long line, context) above which the
 * map is used whatever the timings say: copying them again costs. */
#define TAIL_MAX ((ptrdiff_t)8 << 20)

enum { FROM_MAP, FROM_READ };

typedef struct {
    fm_scan_state *s;
    ptrdiff_t pos;              /* the scan needs no byte before data[pos] */
    ptrdiff_t end;              /* data[0:end] was fed */
    int in_buf;                 /* w->buf[0:end-pos] holds data[pos:end] */
    int read_ok;                /* 0 once a read failed: the map from then on */
    int stop;
} window_scan;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void feed(window_scan *ws, const fm_u8 *from, ptrdiff_t new_end)
{
    fm_scan_state *s = ws->s;
    ptrdiff_t keep = fm_scan_feed(s, from, new_end - ws->pos, new_end == s->n);
    ws->end = new_end;
    if (keep < 0 || new_end == s->n || fm_scan_over(s) || s->r->cancelled) {
        ws->stop = 1;
        return;
    }
    ws->pos += keep;
}

/* data[end:new_end] read into the buffer after the bytes the scan still
 * needs; 0, or -1 if the read failed or came back short. */
static int read_window(window_scan *ws, ptrdiff_t new_end)
{
    fm_scan_state *s = ws->s;
    fm_worker *w = s->w;
    ptrdiff_t from = ws->in_buf ? ws->end : ws->pos;
    size_t at = (size_t)(from - ws->pos), want = (size_t)(new_end - from);
    ssize_t k;
    if (fm_worker_reserve(w, (size_t)(new_end - ws->pos)) != 0)
        return -1;
    while (want > 0) {
        k = pread(s->fd, w->buf + at, want, (off_t)(s->file_offset + from));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        at += (size_t)k;
        from += k;
        want -= (size_t)k;
    }
    return 0;
}

static void step(window_scan *ws, int source, ptrdiff_t len)
{
    fm_scan_state *s = ws->s;
    const ptrdiff_t first = ws->pos;    /* where a read puts buf[0] */
    const ptrdiff_t new_end = s->n - ws->end > len ? ws->end + len : s->n;
    if (source == FROM_READ) {
        if (read_window(ws, new_end) == 0) {
            fm_u8 *buf = s->w->buf;
            feed(ws, buf, new_end);
            if (!ws->stop)      /* the bytes still needed, to the front */
                memmove(buf, buf + (ws->pos - first), (size_t)(ws->end - ws->pos));
            ws->in_buf = 1;
            return;
        }
        ws->read_ok = 0;
    }
    /* SAFETY: data[0:n] is mapped for the whole scan (the caller unmaps
     * after it), and the guard around the scan turns the SIGBUS of a page
     * the file no longer backs into FM_FAIL_TRUNCATED. */
    feed(ws, s->data + ws->pos, new_end);
    ws->in_buf = 0;
}

/* The source for the next window: the map once a read failed, or while
 * the scan keeps more bytes than are worth copying again. */
static int usable(const window_scan *ws, int source)
{
    return ws->read_ok && ws->end - ws->pos <= TAIL_MAX ? source : FROM_MAP;
}

/* The cost of PROBE bytes from `source`, in ns per byte; read in the
 * windows it would be read in (the buffer's place in the cache is part of
 * the cost). */
static double timed_step(window_scan *ws, int source)
{
    const ptrdiff_t before = ws->end;
    const double t0 = now_ns();
    if (usable(ws, source) == FROM_READ) {
        while (!ws->stop && ws->end - before < PROBE && usable(ws, source) == FROM_READ)
            step(ws, FROM_READ, READ_WINDOW);
    }
    else
        step(ws, FROM_MAP, PROBE);
    return ws->end > before ? (now_ns() - t0) / (double)(ws->end - before) : 0.0;
}

/* Each source's best of two windows, alternating (so that a window slowed
 * by something else, another process say, decides nothing); the source
 * in use is timed last, and keeps the input if the other does not win by
 * MARGIN. */
static int compare(window_scan *ws, int current, double margin)
{
    double cost[2] = {0.0, 0.0}, c;
    int i, first = !current;
    for (i = 0; i < 4 && !ws->stop; i++) {
        const int source = i & 1 ? current : first;
        c = timed_step(ws, source);
        if (i < 2 || c < cost[source])
            cost[source] = c;
    }
    if (!ws->read_ok)
        return FROM_MAP;
    return cost[first] * margin < cost[current] ? first : current;
}

void fm_scan_windows(void *arg)
{
    window_scan ws = {(fm_scan_state *)arg, 0, 0, 0, 0, 0};
    int source, next;
    ptrdiff_t since = 0, before;
    ws.read_ok = ws.s->fd >= 0 && ws.s->w != NULL;
    if (ws.s->n == 0) {
        feed(&ws, ws.s->data, 0);
        return;
    }
    if (ws.s->r->task->window > 0) {
        /* Tests: every switch between the two, at every offset. */
        for (source = FROM_READ; !ws.stop; source = !source)
            step(&ws, usable(&ws, source), (ptrdiff_t)ws.s->r->task->window);
        return;
    }
    source = ws.read_ok ? compare(&ws, FROM_MAP, 1.0) : FROM_MAP;
    while (!ws.stop) {
        if (since >= RETRY && ws.read_ok) {
            source = compare(&ws, source, MARGIN);
            since = 0;
            continue;
        }
        before = ws.end;
        next = usable(&ws, source);
        step(&ws, next, next == FROM_READ ? READ_WINDOW : MAP_WINDOW);
        since += ws.end - before;
    }
}
