/*
 * The export pipeline's steps (export-private.h): read contracts.list's
 * pages into a spool file inside one read transaction, write the spool
 * through the format's writer, hash the file.  Pool threads only; one
 * thread at a time touches a job.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <uv.h>

#include "db.h"
#include "db_list.h"
#include "export-private.h"
#include "log.h"

#define PAGE_ROWS 500
#define HASH_PIECE (1 << 20)
#define NULL_LEN UINT32_MAX

const struct ex_column srv__ex_columns[EX_NCOLS] = {
    [EX_COL_ID] = {"id", "id", "Id", EX_TEXT},
    [EX_COL_NUMBER] = {"number", "number", "Number", EX_TEXT},
    [EX_COL_TITLE] = {"title", "title", "Title", EX_TEXT},
    [EX_COL_COUNTERPARTY] = {"counterparty", "counterparty", "Counterparty", EX_TEXT},
    [EX_COL_KIND] = {"kind", "kind", "Kind", EX_TEXT},
    [EX_COL_STATUS] = {"status", "status", "Status", EX_TEXT},
    [EX_COL_LIFECYCLE] = {"lifecycle", "lifecycle", "Lifecycle", EX_TEXT},
    [EX_COL_SIGN_DATE] = {"sign_date", "sign_date", "Signed", EX_DATE},
    [EX_COL_START_DATE] = {"start_date", "start_date", "Start", EX_DATE},
    [EX_COL_END_DATE] = {"end_date", "end_date", "End", EX_DATE},
    [EX_COL_NOTICE_DAYS] = {"notice_days", "notice_days", "Notice days", EX_INT},
    [EX_COL_NOTICE_DEADLINE] = {"notice_deadline", "notice_deadline", "Notice deadline", EX_DATE},
    [EX_COL_RENEWAL] = {"renewal", "renewal", "Renewal", EX_TEXT},
    [EX_COL_RENEWAL_MONTHS] = {"renewal_months", "renewal_months", "Renewal term (months)", EX_INT},
    [EX_COL_AMOUNT] = {"amount_cents", "amount", "Amount", EX_AMOUNT},
    [EX_COL_CURRENCY] = {"currency", "currency", "Currency", EX_TEXT},
    [EX_COL_OWNER] = {"owner", "owner", "Owner", EX_TEXT},
    [EX_COL_DESCRIPTION] = {"description", "description", "Description", EX_MULTILINE},
    [EX_COL_VERSION] = {"version", "version", "Version", EX_INT},
    [EX_COL_CREATED_AT] = {"created_at", "created_at", "Created", EX_TIMESTAMP},
    [EX_COL_UPDATED_AT] = {"updated_at", "updated_at", "Updated", EX_TIMESTAMP},
    [EX_COL_UPDATED_BY] = {"updated_by", "updated_by", "Updated by", EX_TEXT},
    [EX_COL_DELETED_AT] = {"deleted_at", "deleted_at", "Deleted", EX_TIMESTAMP},
};

void srv__ex_amount_text(const char *cents, const char *currency, char out[32])
{
    long long v = cents ? strtoll(cents, NULL, 10) : 0;
    int digits = pacta_currency_digits(currency);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    unsigned long long scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    if (digits == 0)
        snprintf(out, 32, "%s%llu", v < 0 ? "-" : "", u);
    else
        snprintf(out, 32, "%s%llu.%0*llu", v < 0 ? "-" : "", u / scale, digits, u % scale);
}

void srv__ex_money_text(const char *cents, const char *currency, char out[64])
{
    char plain[32], grouped[48];
    srv__ex_amount_text(cents, currency, plain);
    const char *digits = plain[0] == '-' ? plain + 1 : plain, *dot = strchr(digits, '.');
    size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits), o = 0;
    if (digits != plain)
        grouped[o++] = '-';
    for (size_t i = 0; i < int_len; i++) {
        if (i && (int_len - i) % 3 == 0)
            grouped[o++] = ',';
        grouped[o++] = digits[i];
    }
    snprintf(grouped + o, sizeof grouped - o, "%s", dot ? dot : "");
    snprintf(out, 64, "%s %s", grouped, currency ? currency : "");
}

int srv__ex_fail(struct ex_job *j, const char *what, const char *detail)
{
    srv_logf(SRV_LOG_ERROR, "export failed", "{s:s,s:s,s:s}", "step", what, "detail",
             detail ? detail : "", "user", j->actor);
    j->failed = 1;
    if (j->err.code == PACTA_OK)
        pacta_error_set(&j->err, PACTA_INTERNAL, "", "the export failed");
    return -1;
}

int srv__ex_fail_errno(struct ex_job *j, const char *what, int errnum)
{
    if ((errnum == ENOSPC || errnum == EDQUOT) && j->err.code == PACTA_OK)
        pacta_error_set(&j->err, PACTA_UNAVAILABLE, "",
                        "the server is short of disk space for exports: retry later");
    if ((errnum == EMFILE || errnum == ENFILE || errnum == ENOMEM) && j->err.code == PACTA_OK)
        pacta_error_set(&j->err, PACTA_UNAVAILABLE, "",
                        "the server is out of open files or memory: retry later");
    return srv__ex_fail(j, what, strerror(errnum));
}

/* Below --export-min-free, an export stops before it fills the disk that
 * the database and documents live on (exports share it). */
static int disk_short(struct ex_job *j)
{
    struct statvfs st;
    if (j->min_free <= 0 || statvfs(j->tmp_dir, &st) != 0)
        return 0;
    if ((uint64_t)st.f_bavail * st.f_frsize >= (uint64_t)j->min_free)
        return 0;
    pacta_error_set(&j->err, PACTA_UNAVAILABLE, "",
                    "the server is short of disk space for exports: retry later");
    srv__ex_fail(j, "disk", "free space under --export-min-free");
    return 1;
}

static int sql_fail(struct ex_job *j, const char *what)
{
    j->failed = 1;
    srv_logf(SRV_LOG_ERROR, "export failed", "{s:s,s:s}", "step", what, "detail",
             j->db ? sqlite3_errmsg(j->db) : "cannot open");
    int e = j->db ? sqlite3_system_errno(j->db) : 0;
    if (e == EMFILE || e == ENFILE || e == ENOMEM)
        pacta_error_set(&j->err, PACTA_UNAVAILABLE, "",
                        "the server is out of open files or memory: retry later");
    else
        pacta_error_set(&j->err, PACTA_UNAVAILABLE, "", "the database is unavailable");
    return -1;
}

/* Our own read-only connection (DESIGN §2 readers): never writes or
 * checkpoints, and does not take one of the pool's readers for the whole
 * export. */
int srv__ex_open_db(struct ex_job *j)
{
    int rc = sqlite3_open_v2(j->db_path, &j->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(j->db, 5000);
    /* q's whole words, sort keys and ranked pages, as a pool reader (db_list.h) */
    if (rc == SQLITE_OK && srv__list_reader_attach(j->db) != 0)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(j->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
    /* one snapshot for every page: no row seen twice or missed by edits
     * made while the export runs, and the same total when it is counted */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(j->db, "BEGIN", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sql_fail(j, "open");
}

void srv__ex_close_db(struct ex_job *j)
{
    if (j->db) {
        sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(j->db);
        j->db = NULL;
    }
}

/* An anonymous file in the export directory: gone from the directory at
 * once, freed when closed, whatever happens to the process. */
static FILE *anonymous_file(struct ex_job *j)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/.spool-XXXXXX", j->tmp_dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* ---- spool: per row, EX_NCOLS values of u32 length (NULL_LEN: null) + bytes */

static int spool_value(FILE *f, const char *s, size_t len)
{
    uint32_t n = s ? (uint32_t)len : NULL_LEN;
    if (fwrite(&n, sizeof n, 1, f) != 1)
        return -1;
    return s && len && fwrite(s, 1, len, f) != len ? -1 : 0;
}

static int spool_contract(FILE *f, const json_t *c)
{
    for (int i = 0; i < EX_NCOLS; i++) {
        const json_t *v = json_object_get(c, srv__ex_columns[i].field);
        char num[32];
        int rc;
        if (json_is_string(v)) {
            rc = spool_value(f, json_string_value(v), json_string_length(v));
        } else if (json_is_integer(v)) {
            int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            rc = spool_value(f, num, (size_t)n);
        } else {
            rc = spool_value(f, NULL, 0);
        }
        if (rc)
            return -1;
    }
    return 0;
}

/* Reads one row into j->rowbuf; the pointers in *r stay valid until the next. */
static int spool_read(struct ex_job *j, struct ex_row *r)
{
    size_t off[EX_NCOLS], used = 0;
    for (int i = 0; i < EX_NCOLS; i++) {
        uint32_t n;
        if (fread(&n, sizeof n, 1, j->spool) != 1)
            return -1;
        if (n == NULL_LEN) {
            off[i] = SIZE_MAX;
            continue;
        }
        if (used + n + 1 > j->rowbuf_cap) {
            j->rowbuf_cap = (used + n + 1) * 2;
            j->rowbuf = realloc(j->rowbuf, j->rowbuf_cap);
            if (!j->rowbuf)
                abort();
        }
        if (n && fread(j->rowbuf + used, 1, n, j->spool) != n)
            return -1;
        j->rowbuf[used + n] = '\0';
        off[i] = used;
        used += n + 1;
    }
    for (int i = 0; i < EX_NCOLS; i++)
        r->v[i] = off[i] == SIZE_MAX ? NULL : j->rowbuf + off[i];
    return 0;
}

/* ---- stages ---------------------------------------------------------------- */

static int start_list(struct ex_job *j)
{
    if (srv__ex_open_db(j))
        return -1;
    if (!(j->spool = anonymous_file(j)))
        return srv__ex_fail_errno(j, "spool", errno);
    j->stage = EX_READ;
    return 0;
}

/* One page of contracts.list, appended to the spool. */
static int read_page(struct ex_job *j)
{
    struct pacta_list_args a = j->filters;
    json_t *page = NULL, *items;
    size_t i;
    a.cursor = j->cursor;
    a.limit = PAGE_ROWS;
    if (srv_db_read_contracts(j->db, &a, &page, &j->err) != 0) {
        j->failed = 1;
        return -1;
    }
    items = json_object_get(page, "items");
    for (i = 0; i < json_array_size(items); i++) {
        if (++j->rows_read > j->max_rows) {
            json_decref(page);
            j->failed = 1;
            pacta_error_set(&j->err, PACTA_TOO_LARGE, "filters",
                            "the export has more than %" PRId64
                            " contracts, %s: narrow the filters",
                            j->max_rows,
                            j->format == PACTA_EXPORT_XLSX && j->max_rows == EX_XLSX_MAX_ROWS
                                ? "what a sheet holds"
                                : "the server's limit");
            return -1;
        }
        if (spool_contract(j->spool, json_array_get(items, i))) {
            json_decref(page);
            return srv__ex_fail_errno(j, "spool", errno);
        }
    }
    const char *next = json_string_value(json_object_get(page, "next_cursor"));
    free(j->cursor);
    j->cursor = next ? strdup(next) : NULL;
    j->last_page = next == NULL;
    json_decref(page);
    return 0;
}

static int start_write(struct ex_job *j)
{
    srv__ex_close_db(j);
    j->rows_total = j->rows_read;
    if (fflush(j->spool) != 0 || fseek(j->spool, 0, SEEK_SET) != 0)
        return srv__ex_fail_errno(j, "spool", errno);
    j->stage = EX_WRITE;
    return j->writer->begin(j);
}

static int start_hash(struct ex_job *j)
{
    j->stage = EX_HASH;
    /* the spool's blocks are freed here, in the pool, not when the export ends on the loop */
    if (j->spool)
        fclose(j->spool);
    j->spool = NULL;
    if (!(j->hash_in = fopen(j->out_path, "rb")))
        return srv__ex_fail_errno(j, "hash", errno);
    if (!(j->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(j->md, EVP_sha256(), NULL) != 1)
        return srv__ex_fail(j, "hash", "EVP_DigestInit");
    return 0;
}

/* Hashes up to one piece; 1 at the end of the file. */
static int hash_piece(struct ex_job *j)
{
    static _Thread_local unsigned char buf[64 * 1024];
    size_t total = 0, n;
    while (total < HASH_PIECE && (n = fread(buf, 1, sizeof buf, j->hash_in)) > 0) {
        EVP_DigestUpdate(j->md, buf, n);
        total += n;
        j->size += n;
    }
    if (ferror(j->hash_in))
        return srv__ex_fail_errno(j, "hash", errno);
    if (total == HASH_PIECE)
        return 0;
    unsigned char md[32];
    unsigned mdlen = 0;
    EVP_DigestFinal_ex(j->md, md, &mdlen);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(j->sha256 + 2 * i, 3, "%02x", md[i]);
    fclose(j->hash_in);
    j->hash_in = NULL;
    /* from now on only this descriptor holds the file: however the export
     * ends, closing it frees the space (and a crash leaves nothing) */
    if ((j->fd = open(j->out_path, O_RDONLY | O_CLOEXEC)) < 0)
        return srv__ex_fail_errno(j, "open", errno);
    unlink(j->out_path);
    j->out_path[0] = '\0';
    j->stage = EX_DONE;
    return 1;
}

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000;
}

int srv__ex_step(struct ex_job *j, int budget_ms)
{
    uint64_t until = now_ms() + (uint64_t)budget_ms;

    if (j->failed || disk_short(j))
        return 1;
    switch (j->stage) {
    case EX_OPEN:
        if (j->contract_id) {
            /* the report: one contract, read in one go, laid out in the next step */
            if (srv__ex_report_read(j))
                return 1;
            j->stage = EX_WRITE;
            return 0;
        }
        return start_list(j) ? 1 : 0;
    case EX_READ:
        do {
            if (read_page(j))
                return 1;
        } while (!j->last_page && now_ms() < until);
        if (j->last_page && start_write(j))
            return 1;
        return 0;
    case EX_WRITE:
        if (j->contract_id) {
            if (srv__ex_report_write(j) || start_hash(j))
                return 1;
            return 0;
        }
        while (j->rows_done < j->rows_total) {
            struct ex_row r;
            if (spool_read(j, &r))
                return srv__ex_fail(j, "spool", "short read"), 1;
            if (j->writer->row(j, &r))
                return 1;
            j->rows_done++;
            if ((j->rows_done & 31) == 0 && now_ms() >= until)
                return 0;
        }
        if (j->writer->end(j) || start_hash(j))
            return 1;
        return 0;
    case EX_HASH:
        do {
            int rc = hash_piece(j);
            if (rc)
                return 1;
        } while (now_ms() < until);
        return 0;
    case EX_DONE:
        return 1;
    }
    return 1;
}

void srv__ex_job_cleanup(struct ex_job *j)
{
    if (j->w && j->writer)
        j->writer->abort(j);
    j->w = NULL;
    srv__ex_close_db(j);
    if (j->spool)
        fclose(j->spool);
    j->spool = NULL;
    if (j->hash_in)
        fclose(j->hash_in);
    j->hash_in = NULL;
    EVP_MD_CTX_free(j->md);
    j->md = NULL;
    free(j->cursor);
    j->cursor = NULL;
    free(j->rowbuf);
    j->rowbuf = NULL;
    srv__ex_report_free(j);
    if (j->out_path[0])
        unlink(j->out_path);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
}
