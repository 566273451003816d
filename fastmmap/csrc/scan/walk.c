/*
 * The files under a directory, as `grep -r` takes them and in the order
 * os.walk gives them (top-down; in each directory its files sorted by
 * name, then each subdirectory sorted by name): regular files only --
 * symbolic links, devices, FIFOs and sockets met inside the tree are
 * skipped, and linked directories are not entered.  A directory that
 * cannot be read is reported in its place and the walk goes on.
 *
 * --include / --exclude follow GNU grep: the last glob that matches a
 * file's base name decides; a file no glob matches is taken unless the
 * first of them is an --include.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "files.h"

/* One directory's entries: names and what d_type said they are. */
typedef struct {
    char *name;
    unsigned char kind;         /* 'f' regular, 'd' directory, '?' ask lstat */
} entry;

typedef struct {
    entry *e;
    size_t count, cap;
} listing;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static void listing_free(listing *l)
{
    size_t i;
    for (i = 0; i < l->count; i++)
        free(l->e[i].name);
    free(l->e);
    l->e = NULL;
    l->count = l->cap = 0;
}

static int listing_add(listing *l, const char *name, unsigned char kind)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        entry *grown = (entry *)realloc(l->e, cap * sizeof(entry));
        if (grown == NULL)
            return -1;
        l->e = grown;
        l->cap = cap;
    }
    l->e[l->count].name = strdup(name);
    if (l->e[l->count].name == NULL)
        return -1;
    l->e[l->count++].kind = kind;
    return 0;
}

int fm_glob_allows(const fm_walk_opts *o, const char *name)
{
    size_t i;
    int verdict = -1;
    if (o->nglobs == 0)
        return 1;
    for (i = 0; i < o->nglobs; i++) {
        if (fnmatch(o->globs[i], name, 0) == 0)
            verdict = o->include[i];
    }
    if (verdict < 0)
        return !o->include[0];
    return verdict;
}

/* The path of `name` inside `dir` (dir "" for the current directory when
 * the names must not start with "./"); NULL if out of memory. */
static char *joined(const char *dir, size_t dir_len, const char *name)
{
    size_t name_len = strlen(name);
    int slash = dir_len > 0 && dir[dir_len - 1] != '/';
    char *path = (char *)malloc(dir_len + slash + name_len + 1);
    if (path == NULL)
        return NULL;
    memcpy(path, dir, dir_len);
    if (slash)
        path[dir_len] = '/';
    memcpy(path + dir_len + slash, name, name_len + 1);
    return path;
}

/* Reads a directory's entries, classified by d_type where it is known. */
static int read_listing(const char *dir, listing *l)
{
    DIR *d = opendir(dir[0] ? dir : ".");
    struct dirent *e;
    unsigned char kind;
    int err;
    if (d == NULL)
        return errno;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0'
                                    || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
            continue;
#ifdef DT_UNKNOWN
        switch (e->d_type) {
        case DT_REG: kind = 'f'; break;
        case DT_DIR: kind = 'd'; break;
        case DT_UNKNOWN: kind = '?'; break;
        default: kind = 0; break;       /* links, devices, FIFOs, sockets */
        }
#else
        kind = '?';
#endif
        if (kind && listing_add(l, e->d_name, kind) != 0) {
            closedir(d);
            return ENOMEM;
        }
        errno = 0;
    }
    err = errno;
    closedir(d);
    return err;
}

static int walk_dir(const char *dir, const fm_walk_opts *o,
                    int (*emit)(void *, const char *, int), void *ctx)
{
    listing l = {NULL, 0, 0};
    size_t i, dir_len = strlen(dir);
    int err, rc = 0;
    struct stat st;
    char *path;
    if (o->cancelled != NULL && *o->cancelled)
        return 0;
    err = read_listing(dir, &l);
    if (err) {
        listing_free(&l);
        return emit(ctx, dir[0] ? dir : ".", err);
    }
    /* Sorted by name: the order does not depend on the file system. */
    qsort(l.e, l.count, sizeof(entry), by_name);
    for (i = 0; i < l.count && rc == 0; i++) {
        entry *e = &l.e[i];
        path = joined(dir, dir_len, e->name);
        if (path == NULL) {
            rc = -1;
            break;
        }
        if (e->kind == '?') {
            /* lstat: a link is skipped, never followed. */
            if (lstat(path, &st) != 0)
                e->kind = 'f';          /* vanished: opening it says why */
            else
                e->kind = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : 0;
        }
        if (e->kind == 'f' && fm_glob_allows(o, e->name))
            rc = emit(ctx, path, 0);
        free(path);
    }
    for (i = 0; i < l.count && rc == 0; i++) {
        if (l.e[i].kind != 'd' || fm_dir_excluded(o, l.e[i].name))
            continue;
        path = joined(dir, dir_len, l.e[i].name);
        if (path == NULL) {
            rc = -1;
            break;
        }
        rc = walk_dir(path, o, emit, ctx);
        free(path);
    }
    listing_free(&l);
    return rc;
}

int fm_dir_excluded(const fm_walk_opts *o, const char *name)
{
    size_t i;
    for (i = 0; i < o->nexclude_dirs; i++) {
        if (fnmatch(o->exclude_dirs[i], name, 0) == 0)
            return 1;
    }
    return 0;
}

int fm_walk(const char *root, const fm_walk_opts *o,
            int (*emit)(void *ctx, const char *path, int err), void *ctx)
{
    /* "." walks from the current directory and names its files without
     * a "./" in front, as grep -r does when given no FILE. */
    if (o->bare_dot && strcmp(root, ".") == 0)
        return walk_dir("", o, emit, ctx);
    return walk_dir(root, o, emit, ctx);
}
