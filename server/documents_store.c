/*
 * The content-addressed store of documents (docstore.h): placing an
 * uploaded file, and removing contents that nothing refers to any more.
 *
 * Why pins and holds (see documents-private.h): a finish places the
 * content in the pool and the writer commits its row later; between the
 * two no row refers to it, so a collection running then must not remove
 * it (a pin, released on the loop once the row committed or failed).  A
 * backup copies the contents its snapshot refers to after taking it, and a
 * restore copies contents in before its rows become live; while either
 * runs, the store is held and nothing is removed.  The final "does a live
 * row refer to it?" is asked under the same mutex as the removal, after
 * pins and holds were checked, so a row committed at any time before is
 * seen, and one committed after can only follow a placement, which pins.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "docstore.h"
#include "documents-private.h"
#include "log.h"

static pthread_mutex_t store_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *pins;   /* sha256 -> count, under store_mu */
static int holds;      /* under store_mu */
static int gc_skipped; /* a collection found the store held, under store_mu */

static void pin_locked(const char *sha)
{
    if (!pins)
        pins = json_object();
    json_int_t n = json_integer_value(json_object_get(pins, sha));
    json_object_set_new(pins, sha, json_integer(n + 1));
}

int srv__docstore_place(const char *docs_dir, const char *part, const char *sha256)
{
    char sub[4200], blob[4300];
    int created = 0, rc = 0, saved = 0;

    srv_docs_blob_dir(docs_dir, sha256, sub, sizeof sub);
    srv_docs_blob_path(docs_dir, sha256, blob, sizeof blob);
    if (mkdir(sub, 0700) == 0)
        created = 1;
    else if (errno != EEXIST)
        return -1;
    pthread_mutex_lock(&store_mu);
    if (access(blob, F_OK) == 0) {
        unlink(part); /* the same bytes are there already: stored once */
    } else if (rename(part, blob) != 0) {
        saved = errno;
        rc = -1;
    }
    if (rc == 0)
        pin_locked(sha256);
    pthread_mutex_unlock(&store_mu);
    if (rc != 0) {
        errno = saved;
        return -1;
    }
    /* durable before its row can commit: the rename, and a new directory */
    if (srv_backup_fsync_dir(sub) != 0 || (created && srv_backup_fsync_dir(docs_dir) != 0)) {
        saved = errno;
        srv__docstore_unpin(sha256);
        errno = saved;
        return -1;
    }
    return 0;
}

void srv__docstore_unpin(const char *sha256)
{
    pthread_mutex_lock(&store_mu);
    json_int_t n = json_integer_value(json_object_get(pins, sha256));
    if (n <= 1)
        json_object_del(pins, sha256);
    else
        json_object_set_new(pins, sha256, json_integer(n - 1));
    pthread_mutex_unlock(&store_mu);
}

void srv__docstore_hold(void)
{
    pthread_mutex_lock(&store_mu);
    holds++;
    pthread_mutex_unlock(&store_mu);
}

int srv__docstore_release(void)
{
    int skipped = 0;
    pthread_mutex_lock(&store_mu);
    if (--holds == 0) {
        skipped = gc_skipped;
        gc_skipped = 0;
    }
    pthread_mutex_unlock(&store_mu);
    return skipped;
}

static int is_hex(const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == n && s[i] == '\0';
}

/* 1 if a live row refers to sha, 0 if not, -1 if the query failed. */
static int referenced(sqlite3_stmt *st, const char *sha)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Every content in the store that no live row referred to when `live`
 * (the set of referenced sha256) was read, plus leftover temporary files
 * (".name"), which only a crash leaves: nothing writes temporary files
 * into the store while no backup or restore holds it.
 */
static json_t *unreferenced(const char *docs_dir, const json_t *live, json_t *tmp_files)
{
    json_t *out = json_array();
    DIR *top = opendir(docs_dir), *d;
    struct dirent *e, *f;
    char sub[4200], sha[65], path[4500];

    while (top && (e = readdir(top))) {
        if (!is_hex(e->d_name, 2))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", docs_dir, e->d_name);
        if (!(d = opendir(sub)))
            continue;
        while ((f = readdir(d))) {
            if (f->d_name[0] == '.' && strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
                json_array_append_new(tmp_files, json_string(path));
                continue;
            }
            if (!is_hex(f->d_name, 62))
                continue;
            memcpy(sha, e->d_name, 2);
            memcpy(sha + 2, f->d_name, 63); /* 62 digits and the NUL */
            if (!json_object_get(live, sha))
                json_array_append_new(out, json_string(sha));
        }
        closedir(d);
    }
    if (top)
        closedir(top);
    return out;
}

static json_t *live_set(sqlite3 *r)
{
    sqlite3_stmt *st = NULL;
    json_t *set = json_object();
    if (sqlite3_prepare_v2(r, "SELECT DISTINCT sha256 FROM documents WHERE deleted_at IS NULL", -1,
                           &st, NULL) != SQLITE_OK) {
        json_decref(set);
        return NULL;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_object_set_new(set, (const char *)sqlite3_column_text(st, 0), json_true());
    if (rc != SQLITE_DONE) {
        json_decref(set);
        set = NULL;
    }
    sqlite3_finalize(st);
    return set;
}

int srv__docstore_gc(sqlite3 *r, const char *docs_dir, const json_t *shas)
{
    json_t *candidates = NULL, *tmp_files = json_array();
    sqlite3_stmt *st = NULL;
    int removed = 0;
    size_t i;
    json_t *v;
    char path[4300];

    if (shas) {
        candidates = json_incref((json_t *)shas);
    } else {
        json_t *live = live_set(r);
        if (!live) {
            srv_logf(SRV_LOG_ERROR, "documents: cannot read the referenced contents", "{s:s}",
                     "error", sqlite3_errmsg(r));
            json_decref(tmp_files);
            return 0;
        }
        candidates = unreferenced(docs_dir, live, tmp_files);
        json_decref(live);
    }
    if (sqlite3_prepare_v2(r,
                           "SELECT 1 FROM documents WHERE sha256 = ?1 AND deleted_at IS NULL "
                           "LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        srv_logf(SRV_LOG_ERROR, "documents: collection query failed", "{s:s}", "error",
                 sqlite3_errmsg(r));
        goto out;
    }
    pthread_mutex_lock(&store_mu);
    if (holds > 0) {
        gc_skipped = 1;
        pthread_mutex_unlock(&store_mu);
        removed = -1;
        goto out;
    }
    json_array_foreach(candidates, i, v)
    {
        const char *sha = json_string_value(v);
        if (!sha || !is_hex(sha, 64) || json_object_get(pins, sha) || referenced(st, sha) != 0)
            continue;
        srv_docs_blob_path(docs_dir, sha, path, sizeof path);
        if (unlink(path) == 0)
            removed++;
    }
    json_array_foreach(tmp_files, i, v) unlink(json_string_value(v));
    pthread_mutex_unlock(&store_mu);
out:
    sqlite3_finalize(st);
    json_decref(candidates);
    json_decref(tmp_files);
    return removed;
}
