/*
 * XLSX through libxlsxwriter in constant-memory mode: each row goes to a
 * temporary file under the export directory as it is written, so a large
 * sheet costs disk, not memory.  Typed cells: dates are real date cells
 * (serial numbers with a yyyy-mm-dd style), timestamps date-time cells,
 * integers numbers, amounts numbers in the currency's unit with a number
 * format naming the currency (#,##0.00 "EUR"); strings are strings, never
 * formulas.  The header row is frozen and the autofilter covers the data.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "export-private.h"

#define MAX_CURRENCIES 200
#define CELL_CHARS_MAX 32767 /* what a cell holds (libxlsxwriter refuses longer texts) */

struct xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *header, *date, *datetime, *wrap;
    struct {
        char code[4];
        lxw_format *fmt;
    } money[MAX_CURRENCIES];
    int nmoney;
    lxw_row_t row; /* next row to write */
    char *text;    /* a cell's text as written (xml_text) */
    size_t text_cap;
    char tmp[PATH_MAX]; /* libxlsxwriter's temporary files: this export's own directory */
};

/* The directory of the export's own for libxlsxwriter's temporary files
 * (its real path: what /proc/self/fd shows), so that whatever it leaves
 * open is found (close_leftovers).  A crash leaves it empty (the files in
 * it are unlinked when made), and the next start removes it. */
static int make_tmp(struct ex_job *j, struct xlsx *x)
{
    char path[sizeof j->tmp_dir + 16];
    snprintf(path, sizeof path, "%s/.xlsx-XXXXXX", j->tmp_dir);
    if (!mkdtemp(path))
        return -1;
    if (!realpath(path, x->tmp)) {
        int e = errno;
        rmdir(path);
        x->tmp[0] = '\0';
        errno = e;
        return -1;
    }
    return 0;
}

/*
 * libxlsxwriter 1.1 leaves a temporary file open when writing the zip
 * fails (its packager returns before the fclose: a full disk, typically),
 * so the whole sheet's bytes stayed taken on the disk that had just
 * filled, and a descriptor with them, until pactad restarted.  After a
 * failed workbook_close, every descriptor of the process still pointing
 * into this export's own directory is such a file (nothing else uses the
 * directory, and nobody else closes those descriptors, so their numbers
 * cannot be reused meanwhile): it is closed (the FILE around it is lost,
 * a few KiB).  Then the directory goes.  errno is kept (lxw_fail).
 */
static void close_leftovers(struct xlsx *x, int failed)
{
    int saved = errno;
    size_t n = strlen(x->tmp);
    if (!n)
        return;
    DIR *d = failed ? opendir("/proc/self/fd") : NULL;
    struct dirent *e;
    char link[300], target[PATH_MAX + 32];
    while (d && (e = readdir(d))) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if ((size_t)len > n && strncmp(target, x->tmp, n) == 0 && target[n] == '/')
            close(atoi(e->d_name));
    }
    if (d)
        closedir(d);
    rmdir(x->tmp);
    x->tmp[0] = '\0';
    errno = saved;
}

/* libxlsxwriter's file and zip errors leave errno set: a full disk is
 * unavailable for the client, like the other formats'. */
static int lxw_fail(struct ex_job *j, const char *what, lxw_error e)
{
    int errnum = errno;
    if (errnum == ENOSPC || errnum == EDQUOT)
        return srv__ex_fail_errno(j, what, errnum);
    return srv__ex_fail(j, what, lxw_strerror(e));
}

/* The amount format of a currency, made on first use. */
static lxw_format *money_format(struct xlsx *x, const char *currency)
{
    const char *code = currency && strlen(currency) == 3 ? currency : "";
    for (int i = 0; i < x->nmoney; i++)
        if (strcmp(x->money[i].code, code) == 0)
            return x->money[i].fmt;
    if (x->nmoney == MAX_CURRENCIES)
        return NULL;
    int digits = pacta_currency_digits(code);
    char num[64];
    snprintf(num, sizeof num, "#,##0%s%.*s%s%s%s", digits ? "." : "", digits, "0000",
             *code ? " \"" : "", code, *code ? "\"" : "");
    lxw_format *f = workbook_add_format(x->wb);
    format_set_num_format(f, num);
    snprintf(x->money[x->nmoney].code, 4, "%s", code);
    x->money[x->nmoney].fmt = f;
    x->nmoney++;
    return f;
}

static int is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * A text as a sheet cell holds it.  XML 1.0 has no U+FFFE or U+FFFF (valid
 * UTF-8, and valid text for the protocol): written raw, they make the
 * sheet ill-formed and the whole file unreadable.  OOXML writes such a
 * character as _xHHHH_, so a text that itself reads like one ("_x0041_",
 * which Excel shows as "A") gets its underscore written as _x005F_.
 * (libxlsxwriter escapes the C0 controls the same way itself.)  With
 * `replace`, U+FFFE and U+FFFF become U+FFFD instead, for a text whose
 * escapes would pass a cell's 32,767 characters.  The number of
 * characters written goes to *chars.
 */
static const char *xml_text(struct xlsx *x, const char *v, int replace, size_t *chars)
{
    size_t len = strlen(v), o = 0, n = 0;
    if (7 * len + 1 > x->text_cap) {
        x->text_cap = 7 * len + 1;
        if (!(x->text = realloc(x->text, x->text_cap)))
            abort();
    }
    for (size_t i = 0; i < len;) {
        const unsigned char *u = (const unsigned char *)v + i;
        if (u[0] == 0xEF && u[1] == 0xBF && (u[2] == 0xBE || u[2] == 0xBF)) {
            if (replace)
                o += (size_t)snprintf(x->text + o, x->text_cap - o, "\xEF\xBF\xBD");
            else
                o += (size_t)snprintf(x->text + o, x->text_cap - o, "_x%s_",
                                      u[2] == 0xBE ? "FFFE" : "FFFF");
            i += 3;
            n += replace ? 1 : 7;
            continue;
        }
        if (u[0] == '_' && u[1] == 'x' && is_hex_digit(v[i + 2]) && is_hex_digit(v[i + 3]) &&
            is_hex_digit(v[i + 4]) && is_hex_digit(v[i + 5]) && v[i + 6] == '_') {
            memcpy(x->text + o, "_x005F_", 7);
            o += 7;
            n += 7;
            i++;
            continue;
        }
        n += (u[0] & 0xC0) != 0x80;
        x->text[o++] = v[i++];
    }
    x->text[o] = '\0';
    *chars = n;
    return x->text;
}

/* A text cell (never a formula), escaped for XML (xml_text). */
static lxw_error write_text(struct xlsx *x, lxw_row_t row, lxw_col_t col, const char *v,
                            lxw_format *fmt)
{
    size_t chars;
    const char *t = xml_text(x, v, 0, &chars);
    if (chars > CELL_CHARS_MAX)
        t = xml_text(x, v, 1, &chars);
    return worksheet_write_string(x->ws, row, col, t, fmt);
}

static int parse_datetime(const char *s, enum ex_type type, lxw_datetime *dt)
{
    int ms = 0;
    memset(dt, 0, sizeof *dt);
    if (type == EX_DATE)
        return sscanf(s, "%4d-%2d-%2d", &dt->year, &dt->month, &dt->day) == 3 ? 0 : -1;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:", &dt->year, &dt->month, &dt->day, &dt->hour, &dt->min) !=
        5)
        return -1;
    double sec = 0;
    if (sscanf(s + 17, "%2lf", &sec) != 1)
        return -1;
    if (s[19] == '.')
        ms = atoi(s + 20);
    dt->sec = sec + ms / 1000.0;
    return 0;
}

static int xlsx_begin(struct ex_job *j)
{
    struct xlsx *x = calloc(1, sizeof *x);
    if (!x)
        abort();
    j->w = x;
    if (make_tmp(j, x) != 0)
        return srv__ex_fail_errno(j, "xlsx tmp", errno);
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = x->tmp, .use_zip64 = LXW_TRUE};
    if (!(x->wb = workbook_new_opt(j->out_path, &o)))
        return srv__ex_fail(j, "xlsx open", "workbook_new_opt");
    if (!(x->ws = workbook_add_worksheet(x->wb, "Contracts")))
        return lxw_fail(j, "xlsx open", LXW_ERROR_CREATING_TMPFILE); /* its row file */
    workbook_set_properties(x->wb, &(lxw_doc_properties){.title = "Contracts",
                                                         .author = j->actor,
                                                         .comments = "PACTA export"});
    x->header = workbook_add_format(x->wb);
    format_set_bold(x->header);
    format_set_bottom(x->header, LXW_BORDER_THIN);
    x->date = workbook_add_format(x->wb);
    format_set_num_format(x->date, "yyyy-mm-dd");
    x->datetime = workbook_add_format(x->wb);
    format_set_num_format(x->datetime, "yyyy-mm-dd hh:mm:ss");
    x->wrap = workbook_add_format(x->wb);
    format_set_text_wrap(x->wrap);

    for (lxw_col_t c = 0; c < EX_NCOLS; c++) {
        double width = 12;
        switch (srv__ex_columns[c].type) {
        case EX_TIMESTAMP:
            width = 20;
            break;
        case EX_AMOUNT:
            width = 18;
            break;
        case EX_MULTILINE:
            width = 48;
            break;
        case EX_TEXT:
            width = c == EX_COL_TITLE || c == EX_COL_COUNTERPARTY ? 32 : c == EX_COL_ID ? 38 : 14;
            break;
        default:
            break;
        }
        worksheet_set_column(x->ws, c, c, width, NULL);
        lxw_error e = worksheet_write_string(x->ws, 0, c, srv__ex_columns[c].header, x->header);
        if (e)
            return lxw_fail(j, "xlsx header", e);
    }
    worksheet_freeze_panes(x->ws, 1, 0);
    x->row = 1;
    return 0;
}

static int xlsx_row(struct ex_job *j, const struct ex_row *r)
{
    struct xlsx *x = j->w;
    if (x->row >= LXW_ROW_MAX) {
        j->failed = 1;
        pacta_error_set(&j->err, PACTA_TOO_LARGE, "filters",
                        "a sheet holds at most %u rows: narrow the filters", LXW_ROW_MAX - 1);
        return -1;
    }
    for (lxw_col_t c = 0; c < EX_NCOLS; c++) {
        const char *v = r->v[c];
        lxw_error e = LXW_NO_ERROR;
        lxw_datetime dt;
        if (!v)
            continue; /* null: an empty cell */
        switch (srv__ex_columns[c].type) {
        case EX_DATE:
        case EX_TIMESTAMP:
            if (parse_datetime(v, srv__ex_columns[c].type, &dt) == 0)
                e = worksheet_write_datetime(x->ws, x->row, c, &dt,
                                             srv__ex_columns[c].type == EX_DATE ? x->date
                                                                                : x->datetime);
            else
                e = write_text(x, x->row, c, v, NULL);
            break;
        case EX_INT:
            e = worksheet_write_number(x->ws, x->row, c, (double)strtoll(v, NULL, 10), NULL);
            break;
        case EX_AMOUNT: {
            const char *cur = r->v[EX_COL_CURRENCY];
            double scale = 1;
            for (int d = pacta_currency_digits(cur); d > 0; d--)
                scale *= 10;
            e = worksheet_write_number(x->ws, x->row, c, (double)strtoll(v, NULL, 10) / scale,
                                       money_format(x, cur));
            break;
        }
        case EX_MULTILINE:
            e = write_text(x, x->row, c, v, strchr(v, '\n') ? x->wrap : NULL);
            break;
        case EX_TEXT:
            e = write_text(x, x->row, c, v, NULL);
            break;
        }
        if (e)
            return lxw_fail(j, "xlsx row", e);
    }
    x->row++;
    return 0;
}

static int xlsx_end(struct ex_job *j)
{
    struct xlsx *x = j->w;
    /* the filter buttons over the header and every data row */
    worksheet_autofilter(x->ws, 0, 0, x->row > 1 ? x->row - 1 : 1, EX_NCOLS - 1);
    lxw_error e = workbook_close(x->wb); /* writes the zip: the sheet, styles, ... */
    close_leftovers(x, e != LXW_NO_ERROR);
    free(x->text);
    free(x);
    j->w = NULL;
    return e ? lxw_fail(j, "xlsx close", e) : 0;
}

/*
 * libxlsxwriter has no way to drop a workbook without writing it, and
 * closing one zips every row written so far: seconds of a pool thread for
 * a large export that was cancelled, cut by a shutdown or by its closed
 * connection — a file deleted at once.  So the sheet's row file (constant
 * memory mode: the rows wait in the worksheet's optimize_tmpfile, which
 * the close copies into the zip; a public member in libxlsxwriter 1.1) is
 * emptied first, and the close writes a small, empty workbook.  The caller
 * unlinks it.
 */
static void xlsx_abort(struct ex_job *j)
{
    struct xlsx *x = j->w;
    FILE *rows = x && x->ws ? x->ws->optimize_tmpfile : NULL;
    if (rows && fflush(rows) == 0 && ftruncate(fileno(rows), 0) == 0)
        rewind(rows);
    if (x && x->wb && workbook_close(x->wb) != LXW_NO_ERROR)
        close_leftovers(x, 1);
    if (x) {
        close_leftovers(x, 0);
        free(x->text);
    }
    free(x);
    j->w = NULL;
}

const struct ex_writer srv__ex_xlsx = {xlsx_begin, xlsx_row, xlsx_end, xlsx_abort};
