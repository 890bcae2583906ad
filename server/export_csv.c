/*
 * CSV (RFC 4180): a header row of the wire names, records ended by CRLF,
 * a field quoted when it holds a comma, a double quote, CR or LF (quotes
 * doubled inside), UTF-8, and on request a byte order mark first, which
 * spreadsheet programs need to read UTF-8.  Amounts are plain decimals in
 * the currency's unit ("1234.56", no grouping) next to a currency column;
 * dates are ISO 8601, timestamps as the protocol sends them; null is an
 * empty field.  Values are written as they are stored by default: the file
 * is data, and parses back to the same rows (PROTOCOL.md §6.31).  With
 * escape_formulas, a text that a spreadsheet program would take for a
 * formula (it starts with = + - @, a tab or CR: OWASP's list) gets a
 * leading apostrophe, so it is shown as text instead of evaluated — at
 * the price of that character in the data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export-private.h"

/* A text a spreadsheet program would evaluate. */
static int formula_like(const char *s)
{
    return s && *s && strchr("=+-@\t\r", *s) != NULL;
}

/* One field, quoted when it must be; with `escape`, a formula-like text
 * gets its apostrophe first (inside the quotes). */
static int put_field(FILE *f, const char *s, int escape)
{
    if (!s)
        return 0;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote && fputc('"', f) == EOF)
        return -1;
    if (escape && formula_like(s) && fputc('\'', f) == EOF)
        return -1;
    if (!quote)
        return fputs(s, f) < 0 ? -1 : 0;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && fputc('"', f) == EOF)
            return -1;
        if (fputc(*p, f) == EOF)
            return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

static int csv_begin(struct ex_job *j)
{
    FILE *f = fopen(j->out_path, "wb");
    if (!f)
        return srv__ex_fail_errno(j, "csv open", errno);
    j->w = f;
    if (j->bom && fputs("\xEF\xBB\xBF", f) < 0)
        return srv__ex_fail_errno(j, "csv write", errno);
    for (int i = 0; i < EX_NCOLS; i++)
        if ((i && fputc(',', f) == EOF) || put_field(f, srv__ex_columns[i].header, 0))
            return srv__ex_fail_errno(j, "csv write", errno);
    if (fputs("\r\n", f) < 0)
        return srv__ex_fail_errno(j, "csv write", errno);
    return 0;
}

static int csv_row(struct ex_job *j, const struct ex_row *r)
{
    FILE *f = j->w;
    for (int i = 0; i < EX_NCOLS; i++) {
        const char *v = r->v[i];
        char amount[32];
        if (v && srv__ex_columns[i].type == EX_AMOUNT) {
            srv__ex_amount_text(v, r->v[EX_COL_CURRENCY], amount);
            v = amount;
        }
        int text = srv__ex_columns[i].type == EX_TEXT || srv__ex_columns[i].type == EX_MULTILINE;
        if ((i && fputc(',', f) == EOF) || put_field(f, v, j->escape_formulas && text))
            return srv__ex_fail_errno(j, "csv write", errno);
    }
    if (fputs("\r\n", f) < 0)
        return srv__ex_fail_errno(j, "csv write", errno);
    return 0;
}

static int csv_end(struct ex_job *j)
{
    FILE *f = j->w;
    j->w = NULL;
    if (fclose(f) != 0)
        return srv__ex_fail_errno(j, "csv close", errno);
    return 0;
}

static void csv_abort(struct ex_job *j)
{
    if (j->w)
        fclose(j->w);
    j->w = NULL;
}

const struct ex_writer srv__ex_csv = {csv_begin, csv_row, csv_end, csv_abort};
