/*
 * The writer checkpoints its write-ahead log every 4,000 pages (db.c
 * open_writer), not at SQLite's 1,000: the log grows past 1,000 pages
 * before it starts over, and stays within the 16 MiB it is cut back to.
 * 300 edits of a 9,000-character description (each its own commit: the
 * row's overflow pages, the change-log row with the whole record, the
 * search index) write a few thousand pages.
 */
#include <sys/stat.h>

#include "test_srv_db_util.h"

static long long wal_bytes(struct tdb *t)
{
    char p[160];
    struct stat st;

    snprintf(p, sizeof p, "%s-wal", t->path);
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

int main(void)
{
    struct tdb t = {0};
    char *text = malloc(9001);

    t_open(&t);
    json_t *rec = t_create(&t, "admin", t_contract_args("WAL-1", "wal", "client"));
    REQUIRE(rec && text);
    json_int_t version = t_int(rec, "version");
    long long most = 0;
    for (int i = 0; i < 300; i++) {
        for (int k = 0; k < 9000; k++)
            text[k] = (char)('a' + (k * 7 + i * 13) % 26);
        text[9000] = '\0';
        struct srv_write *w =
            t_write(&t, SRV_W_CONTRACT_UPDATE, "admin",
                    json_pack("{s:s, s:I, s:{s:s}}", "id", t_str(rec, "id"), "version", version,
                              "changes", "description", text));
        CHECKF(w->code == PACTA_OK, "edit %d: %s", i, w->err.message);
        srv_write_free(w);
        version++;
        long long n = wal_bytes(&t);
        if (n > most)
            most = n;
    }
    /* 1,000 pages of 4 KiB and the WAL header: checkpointed at 1,000, the
     * log would never have grown much past this */
    CHECKF(most > 1200LL * 4096, "the log grew to %lld bytes only", most);
    CHECKF(most < 16LL * 1024 * 1024 + 2LL * 1024 * 1024, "the log grew to %lld bytes", most);
    sqlite3_stmt *st = NULL;
    /* the writer is idle (waiting on its condition): its connection is ours */
    REQUIRE(sqlite3_prepare_v2(t.db->w, "PRAGMA wal_autocheckpoint", -1, &st, NULL) == SQLITE_OK);
    CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 4000);
    sqlite3_finalize(st);
    printf("the log grew to %lld bytes\n", most);
    json_decref(rec);
    free(text);
    t_close(&t);
    return t_finish();
}
