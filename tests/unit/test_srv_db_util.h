/*
 * Shared fixture of the srv_db tests: a real database file in a mkdtemp
 * directory, a real uv loop that receives the done() callbacks, and helpers
 * that submit writes and run the loop until they complete.
 */
#ifndef PACTA_TEST_SRV_DB_UTIL_H
#define PACTA_TEST_SRV_DB_UTIL_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db-private.h"
#include "db_fold.h"
#include "db_list.h"
#include "db_short.h"
#include "test.h"

struct tdb {
    uv_loop_t loop;
    struct srv_db *db;
    char dir[64];
    char path[128];
    char *generated; /* admin password if srv_db_open generated one */
};

#define T_MAX_COMPLETED 4096
static struct srv_write *t_completed[T_MAX_COMPLETED];
static int t_ncompleted;

/* Keeps the write for the test to inspect; the test frees it. */
static inline void t_on_done(struct srv_write *w)
{
    if (t_ncompleted < T_MAX_COMPLETED)
        t_completed[t_ncompleted++] = w;
    else
        srv_write_free(w);
}

static inline void t_mkdir(struct tdb *t)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/pacta-dbtest-XXXXXX");
    REQUIRE(mkdtemp(t->dir) != NULL);
    snprintf(t->path, sizeof(t->path), "%s/pacta.db", t->dir);
}

static inline int t_open_at(struct tdb *t, char *errbuf, size_t errlen)
{
    struct srv_db_options o = {.path = t->path, .readers = 2, .session_ttl_sec = 3600};

    uv_loop_init(&t->loop);
    return srv_db_open(&o, &t->loop, &t->db, &t->generated, errbuf, errlen);
}

/* A fresh database with admin password "admin-secret" and editor "ana". */
static inline void t_open(struct tdb *t)
{
    char err[256] = "";

    t_mkdir(t);
    setenv("PACTA_ADMIN_PASSWORD", "admin-secret", 1);
    if (t_open_at(t, err, sizeof(err)) != 0)
        fprintf(stderr, "open: %s\n", err);
    REQUIRE(t->db != NULL);
}

static inline void t_close_db(struct tdb *t)
{
    srv_db_close(t->db);
    t->db = NULL;
    uv_run(&t->loop, UV_RUN_DEFAULT); /* runs the async handle's close callback */
    CHECK(uv_loop_close(&t->loop) == 0);
    free(t->generated);
    t->generated = NULL;
}

static inline void t_rmdir(struct tdb *t)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char p[160];

    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
        unlink(p);
    }
    rmdir(t->dir);
}

static inline void t_close(struct tdb *t)
{
    t_close_db(t);
    t_rmdir(t);
}

/* Submits one write, runs the loop until its done() ran, returns it. */
static inline struct srv_write *t_write(struct tdb *t, enum srv_write_kind kind, const char *actor,
                                        json_t *args_steal)
{
    struct srv_write *w = srv_write_new(kind, actor, args_steal);
    int before = t_ncompleted;

    w->done = t_on_done;
    REQUIRE(srv_db_submit(t->db, w) == 0);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    REQUIRE(t_ncompleted == before + 1);
    srv_write_materialize(t_completed[t_ncompleted - 1]); /* contracts.update's trees */
    return t_completed[--t_ncompleted];
}

/* A write's code, freeing the write: for steps whose result is not looked at. */
static inline int t_write_code(struct tdb *t, enum srv_write_kind kind, const char *actor,
                               json_t *args)
{
    struct srv_write *w = t_write(t, kind, actor, args);
    int code = w->code;

    srv_write_free(w);
    return code;
}

static inline json_t *t_contract_args(const char *number, const char *title, const char *kind)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "number", number, "title", title, "counterparty",
                     "Acme Ltd", "kind", kind, "currency", "EUR");
}

/* Creates a contract, returns its record (new reference). */
static inline json_t *t_create(struct tdb *t, const char *actor, json_t *args)
{
    struct srv_write *w = t_write(t, SRV_W_CONTRACT_CREATE, actor, args);
    json_t *rec = NULL;

    CHECKF(w->code == PACTA_OK, "%s %s", w->err.field, w->err.message);
    if (w->code == PACTA_OK)
        rec = json_incref(json_object_get(w->result, "contract"));
    srv_write_free(w);
    return rec;
}

static char *t_user_hash; /* argon2id is slow on purpose: hash once per run */

static inline void t_add_user(struct tdb *t, const char *username, const char *role)
{
    const char *hash;

    if (!t_user_hash)
        t_user_hash = srv_auth_hash_password("password-1");
    hash = t_user_hash;
    CHECK(t_write_code(t, SRV_W_USER_CREATE, "admin",
                       json_pack("{s:s, s:s, s:s, s:s}", "username", username, "password_hash",
                                 hash, "display_name", username, "role", role)) == PACTA_OK);
}

static inline json_t *t_get(struct tdb *t, const char *id)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    json_t *rec = NULL;

    srv_db_read_contract(r, id, &rec, &err);
    srv_db_reader_release(t->db, r);
    return rec;
}

static inline int64_t t_head(struct tdb *t)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    int64_t head = srv_db_read_head_seq(r);

    srv_db_reader_release(t->db, r);
    return head;
}

static inline const char *t_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A list page read: *cursor becomes its next_cursor (the old one freed),
 * the page is released; 0 when it was the last page. */
static inline int t_page_next(json_t *page, char **cursor)
{
    free(*cursor);
    *cursor = json_is_string(json_object_get(page, "next_cursor"))
                  ? strdup(t_str(page, "next_cursor"))
                  : NULL;
    json_decref(page);
    return *cursor != NULL;
}

static inline json_int_t t_int(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* The first column of a one-row count on c, ?1 bound to arg (may be NULL);
 * -1 when the statement fails, so a mistyped query fails a check for 0. */
static inline int t_count(sqlite3 *c, const char *sql, const char *arg)
{
    sqlite3_stmt *st = NULL;
    int n = -1;

    if (sqlite3_prepare_v2(c, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

/* How a title or counterparty listing orders a and b (schema_sort_keys.h):
 * by their keys (db_fold.h), < 0 when a comes first. */
static inline int t_key_cmp(const char *a, const char *b)
{
    char *ka = srv_text_key(a), *kb = srv_text_key(b);
    int c = strcmp(ka, kb);

    free(ka);
    free(kb);
    return c;
}

/* Whether the key of `hay` holds the key of `text` (contracts.list `text`
 * on one column). */
static inline int t_key_has(const char *hay, const char *text)
{
    char *kh = srv_text_key(hay), *kt = srv_text_key(text);
    int has = strstr(kh, kt) != NULL;

    free(kh);
    free(kt);
    return has;
}

/* Every page of `a` by its cursors (at most 100 pages), on one reader with
 * the planner forced to `force`: each item to each(item, ctx).  0, or -1
 * (checked) when a page fails. */
static inline int t_pages(struct tdb *t, struct pacta_list_args a, enum srv_list_force force,
                          void (*each)(const json_t *item, void *ctx), void *ctx)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    struct pacta_error err;
    json_t *page = NULL;
    int rc = 0;

    srv__list_force(force);
    for (int n = 0; n < 100; n++) {
        json_t *next = NULL, *it;
        size_t i;

        if (srv_db_read_contracts(r, &a, &next, &err) != 0) {
            CHECKF(0, "page %d: %s", n, err.message);
            rc = -1;
            break;
        }
        json_array_foreach(json_object_get(next, "items"), i, it) each(it, ctx);
        json_decref(page);
        page = next;
        a.cursor = json_string_value(json_object_get(page, "next_cursor"));
        if (!a.cursor)
            break;
    }
    json_decref(page);
    srv__list_force(SRV_LIST_AUTO);
    srv_db_reader_release(t->db, r);
    return rc;
}

/* A raw read-write connection for the tests that poke the file directly
 * (only while no srv_db is open on it). */
static inline sqlite3 *t_raw(struct tdb *t)
{
    sqlite3 *c = NULL;

    REQUIRE(sqlite3_open(t->path, &c) == SQLITE_OK);
    sqlite3_exec(c, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return c;
}

/* The numbers of every page of a listing (at most max_pages pages),
 * space-separated, into out. */
static inline void t_list_numbers(struct tdb *t, struct pacta_list_args a, char *out, size_t len,
                                  int max_pages)
{
    sqlite3 *r = srv_db_reader_acquire(t->db);
    char *cursor = NULL;
    size_t o = 0;

    out[0] = '\0';
    for (int pages = 0; pages < max_pages; pages++) {
        struct pacta_error err;
        json_t *page = NULL, *it;
        size_t i;

        a.cursor = cursor;
        if (srv_db_read_contracts(r, &a, &page, &err) != 0) {
            CHECKF(0, "list: %s %s", err.field, err.message);
            break;
        }
        json_array_foreach(json_object_get(page, "items"), i, it) o +=
            (size_t)snprintf(out + o, len - o, "%s%s", o ? " " : "", t_str(it, "number"));
        if (!t_page_next(page, &cursor))
            break;
    }
    free(cursor);
    srv_db_reader_release(t->db, r);
}

static inline int t_finish(void)
{
    free(t_user_hash);
    t_user_hash = NULL;
    return test_summary();
}

#endif
