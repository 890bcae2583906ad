/*
 * The contract report (export.contracts {format: "pdf", contract_id}):
 * portrait A4 pages with every field of one contract, its amendment
 * history (supplements, oldest first) and the list of its attached
 * documents.  Read in one step (one read transaction: the three parts
 * agree), laid out in the next.
 *
 * Text wraps, so the page count is not known in advance: the layout runs
 * twice over the same Pango context, first only counting pages, then
 * drawing with "Page n of N" known.  A long description flows across
 * pages line by line; a table row is never split (its cells are shortened
 * to MAX_CELL characters, so a row always fits on a page).
 */
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "export-pdf.h"

#define MAX_CELL 600
#define LABEL_W 130.0
#define GAP 6.0

/* ---- reading --------------------------------------------------------------- */

/* The contract's live documents, in documents.list's order (documents.c):
 * what the report lists, read in the report's one transaction. */
static int read_documents(struct ex_job *j)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(j->db,
                                "SELECT name, mime, size, uploaded_at, uploaded_by FROM documents "
                                "WHERE contract_id = ?1 AND deleted_at IS NULL "
                                "ORDER BY uploaded_at, id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return srv__sql_error(j->db, rc, "export documents", &j->err);
    sqlite3_bind_text(st, 1, j->contract_id, -1, SQLITE_STATIC);
    j->documents = json_array();
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(j->documents,
                              json_pack("{s:s, s:s, s:I, s:s, s:s}", "name",
                                        (const char *)sqlite3_column_text(st, 0), "mime",
                                        (const char *)sqlite3_column_text(st, 1), "size",
                                        (json_int_t)sqlite3_column_int64(st, 2), "uploaded_at",
                                        (const char *)sqlite3_column_text(st, 3), "uploaded_by",
                                        (const char *)sqlite3_column_text(st, 4)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : srv__sql_error(j->db, rc, "export documents", &j->err);
}

int srv__ex_report_read(struct ex_job *j)
{
    json_t *sup = NULL;
    int rc;

    if (srv__ex_open_db(j))
        return -1;
    rc = srv_db_read_contract(j->db, j->contract_id, &j->contract, &j->err);
    if (rc == 0)
        rc = srv_db_read_supplements(j->db, j->contract_id, 0, 0, &sup, &j->err);
    if (rc == 0)
        rc = read_documents(j);
    srv__ex_close_db(j);
    if (rc) {
        if (j->err.code == PACTA_NOT_FOUND)
            pacta_error_set(&j->err, PACTA_NOT_FOUND, "contract_id", "no such contract");
        j->failed = 1;
        json_decref(sup);
        return -1;
    }
    j->supplements = json_incref(json_object_get(sup, "items"));
    json_decref(sup);
    snprintf(j->number, sizeof j->number, "%s",
             json_string_value(json_object_get(j->contract, "number")));
    j->rows_total = j->rows_read = 1;
    return 0;
}

void srv__ex_report_free(struct ex_job *j)
{
    json_decref(j->contract);
    json_decref(j->supplements);
    json_decref(j->documents);
    j->contract = j->supplements = j->documents = NULL;
}

/* ---- text of values ----------------------------------------------------------- */

/* A JSON value as text (malloc'd), at most MAX_CELL characters. */
static char *value_text(const json_t *v, const char *field, const char *currency)
{
    char buf[80];
    char *s;
    if (!v || json_is_null(v))
        s = strdup("—");
    else if (json_is_string(v))
        s = strdup(json_string_value(v));
    else if (json_is_integer(v) && field && strcmp(field, "amount_cents") == 0) {
        char cents[32];
        snprintf(cents, sizeof cents, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        srv__ex_money_text(cents, currency, buf);
        s = strdup(buf);
    } else
        s = json_dumps(v, JSON_ENCODE_ANY);
    if (!s)
        abort();
    /* cut at a character boundary */
    size_t chars = 0, i = 0;
    for (; s[i]; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > MAX_CELL)
            break;
    if (s[i]) {
        s = realloc(s, i + 4);
        if (!s)
            abort();
        memcpy(s + i, "…", 4);
    }
    return s;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* ---- layout -------------------------------------------------------------------- */

struct flow {
    struct ex_job *j;
    struct ex_pdf *p;
    int draw;
    double y;
    PangoLayout *text, *bold, *small, *heading;
};

static double top(void)
{
    return EX_MARGIN;
}

static double bottom(const struct flow *f)
{
    return f->p->height - EX_MARGIN - 20;
}

static void new_page(struct flow *f)
{
    char head[sizeof f->j->number + 32];
    if (f->draw)
        srv__ex_pdf_end_page(f->p, "PACTA — contract report");
    else
        f->p->page++;
    f->y = top();
    snprintf(head, sizeof head, "Contract %s (continued)", f->j->number);
    pango_layout_set_text(f->small, head, -1);
    if (f->draw)
        srv__ex_pdf_show(f->p, f->small, EX_MARGIN, f->y);
    f->y += srv__ex_pdf_height(f->small) + GAP;
}

static void need(struct flow *f, double h)
{
    if (f->y + h > bottom(f) && f->y > top() + 30)
        new_page(f);
}

static void show(struct flow *f, PangoLayout *l, double x, double y)
{
    if (f->draw)
        srv__ex_pdf_show(f->p, l, x, y);
}

/* A wrapped text, line by line, breaking pages between lines; `label`
 * (may be NULL) is drawn beside its first line, and what follows starts
 * below the label too when the label took more lines than the text
 * ("Renewal term (months)" wraps). */
static void flow_lines(struct flow *f, PangoLayout *l, double x, const char *label)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    int first = 1, page = f->p->page;
    double label_end = 0;
    do {
        PangoRectangle r;
        pango_layout_iter_get_line_extents(it, NULL, &r);
        double h = (double)r.height / PANGO_SCALE;
        double base = (double)(pango_layout_iter_get_baseline(it) - r.y) / PANGO_SCALE;
        need(f, h);
        if (first && label) {
            pango_layout_set_text(f->bold, label, -1);
            show(f, f->bold, EX_MARGIN, f->y);
            label_end = f->y + srv__ex_pdf_height(f->bold);
            page = f->p->page;
        }
        if (f->draw) {
            cairo_move_to(f->p->cr, x + (double)r.x / PANGO_SCALE, f->y + base);
            pango_cairo_show_layout_line(f->p->cr, pango_layout_iter_get_line_readonly(it));
        }
        f->y += h;
        first = 0;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    if (f->p->page == page && f->y < label_end)
        f->y = label_end;
}

static void field(struct flow *f, const char *label, const char *value)
{
    pango_layout_set_text(f->text, value && *value ? value : "—", -1);
    flow_lines(f, f->text, EX_MARGIN + LABEL_W, label);
    f->y += 2;
}

static void heading(struct flow *f, const char *text)
{
    f->y += GAP * 2;
    pango_layout_set_text(f->heading, text, -1);
    need(f, srv__ex_pdf_height(f->heading) + 40);
    show(f, f->heading, EX_MARGIN, f->y);
    f->y += srv__ex_pdf_height(f->heading) + 2;
    if (f->draw) {
        cairo_set_line_width(f->p->cr, 0.7);
        cairo_move_to(f->p->cr, EX_MARGIN, f->y);
        cairo_line_to(f->p->cr, f->p->width - EX_MARGIN, f->y);
        cairo_stroke(f->p->cr);
    }
    f->y += GAP;
}

/* One table row: cells wrapped in their widths, kept together on a page. */
static void table_row(struct flow *f, PangoLayout **cells, const double *widths, int n,
                      char **texts, int bold)
{
    double h = 0, x = EX_MARGIN;
    for (int i = 0; i < n; i++) {
        pango_layout_set_text(cells[i], texts[i], -1);
        PangoFontDescription *fd =
            pango_font_description_from_string(bold ? EX_PDF_FONT " Bold 8" : EX_PDF_FONT " 8");
        pango_layout_set_font_description(cells[i], fd);
        pango_font_description_free(fd);
        double ch = srv__ex_pdf_height(cells[i]);
        if (ch > h)
            h = ch;
    }
    need(f, h + 3);
    for (int i = 0; i < n; i++) {
        show(f, cells[i], x, f->y);
        x += widths[i];
    }
    f->y += h + 3;
}

static void table(struct flow *f, const double *widths, int n, char **header, const json_t *rows,
                  void (*cells_of)(const json_t *row, const json_t *contract, char **out))
{
    PangoLayout *cells[8];
    char *texts[8];
    for (int i = 0; i < n; i++)
        cells[i] = srv__ex_pdf_layout(f->p, "8", widths[i] - 6, 0);
    table_row(f, cells, widths, n, header, 1);
    for (size_t r = 0; r < json_array_size(rows); r++) {
        cells_of(json_array_get(rows, r), f->j->contract, texts);
        table_row(f, cells, widths, n, texts, 0);
        for (int i = 0; i < n; i++)
            free(texts[i]);
    }
    for (int i = 0; i < n; i++)
        g_object_unref(cells[i]);
}

static void supplement_cells(const json_t *s, const json_t *c, char **out)
{
    const char *fieldname = str(s, "field"), *cur = str(c, "currency");
    out[0] = strdup(str(s, "effective_date"));
    out[1] = strdup(fieldname);
    out[2] = value_text(json_object_get(s, "old_value"), fieldname, cur);
    out[3] = value_text(json_object_get(s, "new_value"), fieldname, cur);
    out[4] = value_text(json_object_get(s, "reason"), NULL, NULL);
    out[5] = strdup(str(s, "author"));
}

static void document_cells(const json_t *d, const json_t *c, char **out)
{
    char size[32];
    double b = (double)json_integer_value(json_object_get(d, "size"));
    (void)c;
    if (b < 1024)
        snprintf(size, sizeof size, "%.0f B", b);
    else if (b < 1024 * 1024)
        snprintf(size, sizeof size, "%.1f KiB", b / 1024);
    else
        snprintf(size, sizeof size, "%.1f MiB", b / (1024 * 1024));
    out[0] = value_text(json_object_get(d, "name"), NULL, NULL);
    out[1] = value_text(json_object_get(d, "mime"), NULL, NULL);
    out[2] = strdup(size);
    const char *at = json_string_value(json_object_get(d, "uploaded_at")); /* ...T14:02:03.123Z */
    char when[32];
    snprintf(when, sizeof when, "%.10s %.5s", at ? at : "", at && strlen(at) > 16 ? at + 11 : "");
    out[3] = strdup(when);
    out[4] = value_text(json_object_get(d, "uploaded_by"), NULL, NULL);
}

/* The whole report; returns the number of pages it takes. */
static int layout(struct flow *f)
{
    const json_t *c = f->j->contract;
    char line[sizeof f->j->number + 64], amount[80], text[160];
    f->y = top();
    f->p->page = 1;

    snprintf(line, sizeof line, "Contract %s", f->j->number);
    pango_layout_set_text(f->heading, line, -1);
    show(f, f->heading, EX_MARGIN, f->y);
    f->y += srv__ex_pdf_height(f->heading) + 2;
    pango_layout_set_text(f->text, str(c, "title"), -1);
    flow_lines(f, f->text, EX_MARGIN, NULL);
    snprintf(line, sizeof line, "Generated %.10s %.5s UTC by %s", f->j->generated_at,
             f->j->generated_at + 11, f->j->actor);
    pango_layout_set_text(f->small, line, -1);
    show(f, f->small, EX_MARGIN, f->y + 2);
    f->y += srv__ex_pdf_height(f->small) + GAP;

    heading(f, "Contract");
    for (int i = 0; i < EX_NCOLS; i++) {
        const struct ex_column *col = &srv__ex_columns[i];
        const json_t *v = json_object_get(c, col->field);
        char *t;
        if (i == EX_COL_AMOUNT) {
            char cents[32];
            snprintf(cents, sizeof cents, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            srv__ex_money_text(cents, str(c, "currency"), amount);
            field(f, col->label, amount);
            continue;
        }
        if (i == EX_COL_CURRENCY || i == EX_COL_DESCRIPTION)
            continue; /* with the amount; the description last, it may be long */
        t = json_is_string(v)       ? strdup(json_string_value(v))
            : v && !json_is_null(v) ? json_dumps(v, JSON_ENCODE_ANY)
                                    : strdup("—");
        field(f, col->label, t);
        free(t);
    }
    field(f, srv__ex_columns[EX_COL_DESCRIPTION].label, str(c, "description"));

    size_t ns = json_array_size(f->j->supplements);
    snprintf(text, sizeof text, "Amendment history (%zu)", ns);
    heading(f, text);
    if (ns == 0) {
        field(f, "", "No amendments: the contract has not been changed while active.");
    } else {
        /* "2026-11-22" needs ~62 pt at 8 pt (pango's 96 dpi on cairo's points) */
        static const double w[] = {72, 88, 100, 100, 110, 53};
        static char *h[] = {"Effective", "Field", "Before", "After", "Reason", "By"};
        table(f, w, 6, h, f->j->supplements, supplement_cells);
    }

    size_t nd = json_array_size(f->j->documents);
    snprintf(text, sizeof text, "Documents (%zu)", nd);
    heading(f, text);
    if (nd == 0)
        field(f, "", "No documents attached.");
    else {
        static const double w[] = {190, 100, 50, 110, 73};
        static char *h[] = {"Name", "Type", "Size", "Added (UTC)", "By"};
        table(f, w, 5, h, f->j->documents, document_cells);
    }
    return f->p->page;
}

int srv__ex_report_write(struct ex_job *j)
{
    struct ex_pdf p;
    char title[sizeof j->number + 16];
    snprintf(title, sizeof title, "Contract %s", j->number);
    if (srv__ex_pdf_open(j, &p, EX_A4_SHORT, EX_A4_LONG, title)) {
        srv__ex_pdf_free(&p);
        return -1;
    }
    double width = p.width - 2 * EX_MARGIN;
    struct flow f = {.j = j, .p = &p};
    f.text = srv__ex_pdf_layout(&p, "9", width - LABEL_W, 0);
    f.bold = srv__ex_pdf_layout(&p, "Bold 9", LABEL_W - GAP, 0);
    f.small = srv__ex_pdf_layout(&p, "7.5", width, 1);
    f.heading = srv__ex_pdf_layout(&p, "Bold 14", width, 0);

    p.pages = layout(&f); /* counting pass */
    f.draw = 1;
    layout(&f);
    srv__ex_pdf_end_page(&p, "PACTA — contract report");

    g_object_unref(f.text);
    g_object_unref(f.bold);
    g_object_unref(f.small);
    g_object_unref(f.heading);
    j->rows_done = 1;
    return srv__ex_pdf_close(j, &p);
}
