/*
 * Exports (issue 7): what the generation pipeline shares between its files.
 *
 * export.c (loop thread) owns the exports, their limits, progress events
 * and chunk reads.  Generation runs in the uv thread pool as a series of
 * short steps (srv__ex_step, export_run.c), each at most a few tens of
 * milliseconds, so an export never holds a pool thread for long and other
 * clients' reads interleave with it.  Between steps the loop sends
 * progress, notices a cancel or a closed session, and queues the next step.
 * A job is touched by one thread at a time: the pool during a step, the
 * loop between steps.
 *
 * Stages of a list export:
 *   READ   own read-only connection, one read transaction (a consistent
 *          snapshot); contracts.list's query page by page
 *          (srv_db_read_contracts, walking its cursor), each row appended
 *          to a spool file; more than max_rows stops it (too_large);
 *   WRITE  the spool, row by row, into the format's writer (export_csv.c,
 *          export_xlsx.c, export_pdf.c); the total is known here, so the
 *          PDF can print "Page n of N" and progress has a total;
 *   HASH   SHA-256 of the file, read back in pieces; then the file is
 *          opened for reading and unlinked (j->fd), still in the pool;
 * then the loop answers (export.c).  Every step first checks the disk's
 * free space (--export-min-free).  The
 * contract report (export_report.c) reads its one contract, supplements
 * and documents in the first step and lays them out in the next.
 */
#ifndef PACTA_SRV_EXPORT_PRIVATE_H
#define PACTA_SRV_EXPORT_PRIVATE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include <pacta/protocol.h>

/* ---- columns -------------------------------------------------------------- */
enum ex_type {
    EX_TEXT,      /* single-line text */
    EX_MULTILINE, /* description: may hold \n and \t */
    EX_DATE,      /* YYYY-MM-DD */
    EX_TIMESTAMP, /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    EX_INT,
    EX_AMOUNT, /* amount_cents, shown in the currency's unit (EX_COL_CURRENCY) */
};
struct ex_column {
    const char *field;  /* member of the Contract record */
    const char *header; /* CSV header, sheet header: the wire name, or "amount" */
    const char *label;  /* for people (PDF) */
    enum ex_type type;
};
/* Every column of a CSV or XLSX export, in order (PROTOCOL.md §6.31). */
enum {
    EX_COL_ID,
    EX_COL_NUMBER,
    EX_COL_TITLE,
    EX_COL_COUNTERPARTY,
    EX_COL_KIND,
    EX_COL_STATUS,
    EX_COL_LIFECYCLE,
    EX_COL_SIGN_DATE,
    EX_COL_START_DATE,
    EX_COL_END_DATE,
    EX_COL_NOTICE_DAYS,
    EX_COL_NOTICE_DEADLINE,
    EX_COL_RENEWAL,
    EX_COL_RENEWAL_MONTHS,
    EX_COL_AMOUNT,
    EX_COL_CURRENCY,
    EX_COL_OWNER,
    EX_COL_DESCRIPTION,
    EX_COL_VERSION,
    EX_COL_CREATED_AT,
    EX_COL_UPDATED_AT,
    EX_COL_UPDATED_BY,
    EX_COL_DELETED_AT,
    EX_NCOLS
};
extern const struct ex_column srv__ex_columns[EX_NCOLS];

/* One row: each value NULL (JSON null) or NUL-terminated text; integers
 * in decimal, amounts as amount_cents. */
struct ex_row {
    const char *v[EX_NCOLS];
};

/* Minor-unit digits of the currency and the amount as decimal text in
 * that unit ("1234.56", "1234" for JPY); out needs 32 bytes. */
void srv__ex_amount_text(const char *cents, const char *currency, char out[32]);
/* The same for people: grouped by thousands, with the currency
 * ("1,234,567.89 EUR"), as the PDF reports show amounts; out needs 64. */
void srv__ex_money_text(const char *cents, const char *currency, char out[64]);

/* Contracts an XLSX export holds: a sheet's rows, less the header. */
#define EX_XLSX_MAX_ROWS 1048575

/* ---- a job ---------------------------------------------------------------- */
enum ex_stage { EX_OPEN, EX_READ, EX_WRITE, EX_HASH, EX_DONE };

struct ex_job;
/* A format: begin opens job->out_path, row writes one row, end finishes
 * and closes the file; abort frees what begin took (after a failure or a
 * cancel; the caller unlinks the file).  0 or -1 with job->err set. */
struct ex_writer {
    int (*begin)(struct ex_job *j);
    int (*row)(struct ex_job *j, const struct ex_row *r);
    int (*end)(struct ex_job *j);
    void (*abort)(struct ex_job *j);
};
extern const struct ex_writer srv__ex_csv, srv__ex_xlsx, srv__ex_pdf_list;

struct ex_job {
    /* set by export.c before the first step */
    enum pacta_export_format format;
    int bom;
    int escape_formulas;            /* CSV: formula-like texts get a leading apostrophe */
    struct pacta_list_args filters; /* borrows from the request's JSON */
    const json_t *filters_json;     /* the request's "filters" (NULL: none), for the PDF header */
    const char *contract_id;        /* the contract report; NULL for a list */
    char db_path[1024];
    char out_path[1100]; /* the file made (under DATA_DIR/exports) */
    char tmp_dir[1024];  /* spool and libxlsxwriter temp files */
    int64_t max_rows;
    int64_t min_free;      /* bytes: below this free on the disk, the export stops */
    int64_t today;         /* the server's day, for the derived members */
    char generated_at[32]; /* UTC timestamp printed in reports */
    char actor[65];

    /* progress (read by the loop between steps) */
    enum ex_stage stage;
    int64_t rows_read, rows_total, rows_done;

    /* results */
    int failed;
    struct pacta_error err;
    uint64_t size;
    char sha256[65];
    int fd;           /* the made file, open for reading and unlinked (-1: none; set by export.c) */
    char number[257]; /* the contract report: its number (64 characters of up to 4 bytes) */

    /* pipeline state */
    sqlite3 *db;
    char *cursor; /* next page of contracts.list, NULL before the first */
    int last_page;
    FILE *spool;
    char *rowbuf;
    size_t rowbuf_cap;
    void *w; /* the writer's state */
    const struct ex_writer *writer;
    FILE *hash_in;
    EVP_MD_CTX *md;
    /* the contract report's data (export_report.c) */
    json_t *contract, *supplements, *documents;
};

/*
 * Runs the next piece of work for about budget_ms.  Returns 1 when the
 * job is finished (j->failed says how), 0 to be called again.  Pool
 * thread; never blocks on the loop.
 */
int srv__ex_step(struct ex_job *j, int budget_ms);
/* Frees everything the job holds and unlinks its files (any thread). */
void srv__ex_job_cleanup(struct ex_job *j);
/* A failed step: internal error for the client, the detail in the log. */
int srv__ex_fail(struct ex_job *j, const char *what, const char *detail);
/* The same for a failed system call: a full disk (ENOSPC, EDQUOT) is
 * unavailable for the client, anything else internal. */
int srv__ex_fail_errno(struct ex_job *j, const char *what, int errnum);

/* The job's own read-only connection, inside one read transaction. */
int srv__ex_open_db(struct ex_job *j);
void srv__ex_close_db(struct ex_job *j);

/* export_report.c: the contract report (PDF), read then laid out. */
int srv__ex_report_read(struct ex_job *j);
int srv__ex_report_write(struct ex_job *j);
void srv__ex_report_free(struct ex_job *j);

#endif
