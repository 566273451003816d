/*
 * Reusing the bytes objects lines() and readline() hand out, once the
 * caller has let go.
 *
 * Making and freeing one bytes object per line is most of what a line
 * costs.  The iterator (or, for readline, the map) keeps a reference to
 * each line it hands out, and when a later line finds an object that only
 * it still refers to, it writes that line into it instead of allocating.
 * Nobody else can see an object that nobody else refers to change;
 * CPython's zip() and enumerate() reuse their result tuples on the same
 * ground.  The hash a bytes object caches is reset with its contents.
 *
 * Objects are kept per 16-byte size class, each allocated for the longest
 * line of its class.  pymalloc rounds every request up to a multiple of 16
 * bytes (on 64-bit builds), so such an object takes the very block an exact
 * allocation of the line would: a line the caller keeps costs no extra
 * memory, and no write goes past what was asked of the allocator, whichever
 * allocator it is.  Two objects per class, because in `for line in it` the
 * loop variable still holds the previous line while the next one is made.
 * Lines too long for pymalloc's small blocks are allocated as usual.
 */
#ifndef FASTMMAP_RECYCLE_H
#define FASTMMAP_RECYCLE_H

#include <Python.h>
#include <string.h>

/* "Only we refer to it" stays true only under the GIL, and the reset
 * relies on the bytes layout of CPython 3.10-3.13. */
#if !defined(Py_GIL_DISABLED) && PY_VERSION_HEX < 0x030E0000
#  define FASTMMAP_CAN_REUSE_BYTES 1
#else
#  define FASTMMAP_CAN_REUSE_BYTES 0
#endif

/* A bytes object of payload n takes FASTMMAP_BYTES_HEAD + n bytes (the
 * header plus the terminating NUL). */
#define FASTMMAP_BYTES_HEAD ((Py_ssize_t)offsetof(PyBytesObject, ob_sval) + 1)
#define FASTMMAP_CLASS_BYTES 16
#define FASTMMAP_BLOCK_MAX 512      /* pymalloc's largest small block */
#define FASTMMAP_CLASSES (FASTMMAP_BLOCK_MAX / FASTMMAP_CLASS_BYTES)

typedef struct {
    PyObject *obj[FASTMMAP_CLASSES][2];    /* owned, or NULL */
    unsigned char last[FASTMMAP_CLASSES];  /* which of the two went out last */
} fastmmap_spare;

static inline void fastmmap_spare_clear(fastmmap_spare *s)
{
    int c, i;
    for (c = 0; c < FASTMMAP_CLASSES; c++)
        for (i = 0; i < 2; i++)
            Py_CLEAR(s->obj[c][i]);
}

/* A zeroed set of spares on the heap, or NULL (no exception set), for an
 * object that may never need one; fastmmap_spare_free() takes NULL too. */
static inline fastmmap_spare *fastmmap_spare_new(void)
{
    return (fastmmap_spare *)PyMem_Calloc(1, sizeof(fastmmap_spare));
}

static inline void fastmmap_spare_free(fastmmap_spare *s)
{
    if (s != NULL) {
        fastmmap_spare_clear(s);
        PyMem_Free(s);
    }
}

/* Writes src[0:n] into b, made for at least n bytes and referred to by
 * nobody else. */
static inline void fastmmap_bytes_refill(PyObject *b, const char *src,
                                         Py_ssize_t n)
{
    Py_SET_SIZE(b, n);
#if defined(__GNUC__)
#  pragma GCC diagnostic push
#  pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    ((PyBytesObject *)b)->ob_shash = -1;
#if defined(__GNUC__)
#  pragma GCC diagnostic pop
#endif
    memcpy(PyBytes_AS_STRING(b), src, (size_t)n);
    PyBytes_AS_STRING(b)[n] = '\0';
}

/* A new reference to a bytes object holding src[0:n]. */
static inline PyObject *fastmmap_spare_bytes(fastmmap_spare *s,
                                             const char *src, Py_ssize_t n)
{
#if FASTMMAP_CAN_REUSE_BYTES
    Py_ssize_t block, c;
    int i;
    PyObject *b;
    /* b"" and single bytes are shared singletons, never reused. */
    if (n < 2 || n > FASTMMAP_BLOCK_MAX - FASTMMAP_BYTES_HEAD)
        return PyBytes_FromStringAndSize(src, n);
    block = (FASTMMAP_BYTES_HEAD + n + FASTMMAP_CLASS_BYTES - 1)
            & ~(Py_ssize_t)(FASTMMAP_CLASS_BYTES - 1);
    c = block / FASTMMAP_CLASS_BYTES - 1;
    /* The one not handed out last first: in `for line in it` that one is
     * free whenever the caller drops its lines. */
    i = s->last[c] ^ 1;
    b = s->obj[c][i];
    if (b == NULL || Py_REFCNT(b) != 1) {
        i ^= 1;
        b = s->obj[c][i];
    }
    if (b != NULL && Py_REFCNT(b) == 1) {
        /* SAFETY: only s refers to b (the GIL keeps it so), and b was made
         * for block - FASTMMAP_BYTES_HEAD >= n bytes. */
        fastmmap_bytes_refill(b, src, n);
        s->last[c] = (unsigned char)i;
        Py_INCREF(b);
        return b;
    }
    /* Both are held elsewhere: a new one replaces the one not handed out
     * last, which the caller has kept (only our reference is dropped). */
    b = PyBytes_FromStringAndSize(NULL, block - FASTMMAP_BYTES_HEAD);
    if (b == NULL)
        return NULL;
    fastmmap_bytes_refill(b, src, n);
    i = s->last[c] ^ 1;
    Py_INCREF(b);
    Py_XSETREF(s->obj[c][i], b);
    s->last[c] = (unsigned char)i;
    return b;
#else
    (void)s;
    return PyBytes_FromStringAndSize(src, n);
#endif
}

#endif /* FASTMMAP_RECYCLE_H */
