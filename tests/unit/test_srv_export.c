/*
 * The export writers of pactad (server/export_*.c) driven directly, on
 * files in a temporary directory: what an export that ends early leaves
 * behind and costs, and what a failing disk is reported as.  The formats
 * themselves are checked end to end, through a real server and tools that
 * are not ours, by it_export.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export-private.h"
#include "export.h"
#include "test.h"

static char dir[] = "/tmp/pacta-test-srv-export-XXXXXX";

static void job_init(struct ex_job *j, enum pacta_export_format format, const char *name)
{
    memset(j, 0, sizeof *j);
    j->format = format;
    j->fd = -1;
    snprintf(j->tmp_dir, sizeof j->tmp_dir, "%s", dir);
    snprintf(j->out_path, sizeof j->out_path, "%s/%s", dir, name);
    snprintf(j->generated_at, sizeof j->generated_at, "2026-11-22T14:02:03.123Z");
    snprintf(j->actor, sizeof j->actor, "ana");
}

/* A row like a real contract's: text, dates, numbers, an amount. */
static void fill_row(struct ex_row *r, char *number, size_t n, int i)
{
    static const char *const values[EX_NCOLS] = {
        [EX_COL_ID] = "0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f",
        [EX_COL_TITLE] = "Mantenimiento de ascensores, edificio \"A\"",
        [EX_COL_COUNTERPARTY] = "Ascensores Muñoz S.L.",
        [EX_COL_KIND] = "supplier",
        [EX_COL_STATUS] = "active",
        [EX_COL_LIFECYCLE] = "active",
        [EX_COL_START_DATE] = "2026-02-01",
        [EX_COL_END_DATE] = "2027-01-31",
        [EX_COL_NOTICE_DAYS] = "30",
        [EX_COL_RENEWAL] = "auto",
        [EX_COL_AMOUNT] = "1250000",
        [EX_COL_CURRENCY] = "EUR",
        [EX_COL_OWNER] = "ana",
        [EX_COL_DESCRIPTION] = "Revisión mensual,\nguardia 24 h.",
        [EX_COL_VERSION] = "3",
        [EX_COL_CREATED_AT] = "2026-01-10T09:15:00.000Z",
        [EX_COL_UPDATED_AT] = "2026-11-22T14:02:03.123Z",
        [EX_COL_UPDATED_BY] = "ana",
    };
    snprintf(number, n, "C-%06d", i);
    for (int c = 0; c < EX_NCOLS; c++)
        r->v[c] = values[c];
    r->v[EX_COL_NUMBER] = number;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Writes `rows` rows through the job's writer; 0 or -1. */
static int write_rows(struct ex_job *j, int rows)
{
    char number[16];
    struct ex_row r;
    j->rows_total = rows;
    if (j->writer->begin(j))
        return -1;
    for (int i = 0; i < rows; i++) {
        fill_row(&r, number, sizeof number, i);
        if (j->writer->row(j, &r))
            return -1;
        j->rows_done++;
    }
    return 0;
}

/*
 * An XLSX export cancelled (or cut by a shutdown or a closed connection)
 * after most of its rows: libxlsxwriter cannot drop a workbook, only close
 * it, and closing it used to zip every row written so far — seconds of a
 * pool thread per cancel on a large export, for a file deleted at once.
 * The abort now empties the sheet's row file first: what it writes is a
 * small, empty workbook.  Made to the end, the same rows are a large file
 * (the control that shows the abort's file would be large otherwise).
 */
static void test_xlsx_abort_is_cheap(void)
{
    struct ex_job made, cut;
    const int rows = 20000;

    job_init(&made, PACTA_EXPORT_XLSX, "made.xlsx");
    made.writer = &srv__ex_xlsx;
    REQUIRE(write_rows(&made, rows) == 0);
    CHECK(made.writer->end(&made) == 0);
    long long full = file_size(made.out_path);

    job_init(&cut, PACTA_EXPORT_XLSX, "cut.xlsx");
    cut.writer = &srv__ex_xlsx;
    REQUIRE(write_rows(&cut, rows) == 0);
    cut.writer->abort(&cut);
    CHECK(cut.w == NULL);
    long long left = file_size(cut.out_path);

    CHECKF(full > 200 * 1024, "a made workbook of %d rows is %lld bytes", rows, full);
    CHECKF(left >= 0 && left < 32 * 1024,
           "the aborted workbook is %lld bytes (made: %lld): its rows were zipped", left, full);
    unlink(made.out_path);
    unlink(cut.out_path);
}

/* Descriptors of this process open on files under dir (deleted ones too),
 * and entries left in dir. */
static int left_in_dir(int *entries)
{
    char real[PATH_MAX], link[300], target[PATH_MAX + 32];
    int n = 0;
    REQUIRE(realpath(dir, real));
    size_t len = strlen(real);
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t l = readlink(link, target, sizeof target - 1);
        if (l <= 0)
            continue;
        target[l] = '\0';
        if (strncmp(target, real, len) == 0 && target[len] == '/') {
            fprintf(stderr, "still open: %s\n", target);
            n++;
        }
    }
    if (d)
        closedir(d);
    *entries = 0;
    if ((d = opendir(dir))) {
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                fprintf(stderr, "left in the export directory: %s\n", e->d_name);
                ++*entries;
            }
        closedir(d);
    }
    return n;
}

/*
 * A full disk (the file is /dev/full: every write fails with ENOSPC) is
 * `unavailable` for the client, as PROTOCOL.md §6.31 says — retry later —
 * not `internal` (a bug); whichever format meets it.  And nothing it
 * made stays open or behind.
 */
static void test_disk_full(const struct ex_writer *writer, enum pacta_export_format format,
                           const char *name)
{
    struct ex_job j;
    job_init(&j, format, name);
    snprintf(j.out_path, sizeof j.out_path, "/dev/full");
    j.writer = writer;
    int rc = write_rows(&j, 2000);
    if (rc == 0)
        rc = j.writer->end(&j);
    else
        j.writer->abort(&j);
    CHECKF(rc != 0 && j.failed, "%s: writing to a full disk succeeded", name);
    CHECKF(j.err.code == PACTA_UNAVAILABLE, "%s: a full disk is %s, want unavailable", name,
           pacta_code_name(j.err.code));
    CHECK(j.w == NULL);
    /* libxlsxwriter 1.1 leaves the sheet's temporary file open when the
     * zip cannot be written: the export closes it (export_xlsx.c), else a
     * full disk stayed full of it until a restart */
    int entries;
    CHECKF(left_in_dir(&entries) == 0, "%s: temporary files still open after the failure", name);
    CHECKF(entries == 0, "%s: %d entries left in the export directory", name, entries);
}

/* Amounts as the PDF reports show them: grouped, the currency's digits. */
static void test_money_text(void)
{
    static const struct {
        const char *cents, *currency, *want;
    } cases[] = {
        {"0", "EUR", "0.00 EUR"},
        {"5", "EUR", "0.05 EUR"},
        {"99999", "EUR", "999.99 EUR"},
        {"100000", "EUR", "1,000.00 EUR"},
        {"123456789", "RON", "1,234,567.89 RON"},
        {"1500", "JPY", "1,500 JPY"},
        {"1250", "BHD", "1.250 BHD"},
        {"1000000000000000", "EUR", "10,000,000,000,000.00 EUR"},
        {"-123456789", "EUR", "-1,234,567.89 EUR"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[64];
        srv__ex_money_text(cases[i].cents, cases[i].currency, out);
        CHECKF(strcmp(out, cases[i].want) == 0, "%s %s: \"%s\", want \"%s\"", cases[i].cents,
               cases[i].currency, out, cases[i].want);
    }
}

int main(void)
{
    REQUIRE(mkdtemp(dir) != NULL);
    test_money_text();
    test_xlsx_abort_is_cheap();
    test_disk_full(&srv__ex_csv, PACTA_EXPORT_CSV, "csv");
    test_disk_full(&srv__ex_xlsx, PACTA_EXPORT_XLSX, "xlsx");
    test_disk_full(&srv__ex_pdf_list, PACTA_EXPORT_PDF, "pdf");
    rmdir(dir);
    srv__export_cleanup(); /* fontconfig's and cairo's caches, as pactad does at exit */
    return test_summary();
}
