/*
 * The output of a scan: chunks of bytes, filled in place and handed on
 * whole, so that a worker thread can pass a big input's output to the
 * consumer while it goes on scanning, and nothing is copied twice.
 */
#include <stdlib.h>
#include <string.h>

#include "scan.h"

void fm_out_init(fm_out *o, size_t chunk_size)
{
    memset(o, 0, sizeof(*o));
    o->chunk_size = chunk_size;
}

static fm_chunk *chunk_new(size_t cap)
{
    fm_chunk *c = (fm_chunk *)malloc(sizeof(fm_chunk) + cap);
    if (c != NULL) {
        c->next = NULL;
        c->len = 0;
        c->cap = cap;
    }
    return c;
}

/* Passes the chunk being filled on: to the sink, or to the list. */
int fm_out_flush(fm_out *o)
{
    fm_chunk *c = o->cur;
    if (c == NULL || o->failed)
        return o->failed ? -1 : 0;
    o->cur = NULL;
    if (c->len == 0) {
        free(c);
        return 0;
    }
    if (o->sink != NULL) {
        if (o->sink(o->sink_ctx, c) != 0) {
            o->failed = 1;
            return -1;
        }
        return 0;
    }
    if (o->tail != NULL)
        o->tail->next = c;
    else
        o->head = c;
    o->tail = c;
    return 0;
}

fm_u8 *fm_out_room(fm_out *o, size_t need)
{
    fm_chunk *c = o->cur;
    if (o->failed)
        return NULL;
    if (c != NULL && c->cap - c->len >= need)
        return c->data + c->len;
    if (fm_out_flush(o) != 0)
        return NULL;
    c = chunk_new(need > o->chunk_size ? need : o->chunk_size);
    if (c == NULL) {
        o->failed = 1;
        return NULL;
    }
    o->cur = c;
    return c->data;
}

void fm_out_commit(fm_out *o, fm_u8 *end)
{
    o->cur->len = (size_t)(end - o->cur->data);
}

int fm_out_put(fm_out *o, const void *data, size_t n)
{
    fm_u8 *dst = fm_out_room(o, n);
    if (dst == NULL)
        return -1;
    memcpy(dst, data, n);
    fm_out_commit(o, dst + n);
    return 0;
}

fm_chunk *fm_out_take(fm_out *o)
{
    fm_chunk *head;
    fm_out_flush(o);
    head = o->head;
    o->head = o->tail = NULL;
    return head;
}

void fm_chunks_free(fm_chunk *c)
{
    while (c != NULL) {
        fm_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void fm_out_free(fm_out *o)
{
    fm_chunks_free(o->head);
    fm_chunks_free(o->cur);
    o->head = o->tail = o->cur = NULL;
}

size_t fm_put_uint(fm_u8 *dst, unsigned long long v)
{
    fm_u8 digits[24];
    size_t i = 0, j;
    do {
        digits[i++] = (fm_u8)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (j = 0; j < i; j++)
        dst[j] = digits[i - 1 - j];
    return i;
}
