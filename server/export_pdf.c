/*
 * PDF: the page helpers of export-pdf.h, and the list report — one line
 * per contract on landscape A4 pages (number, title, counterparty,
 * status, lifecycle, end date, amount with its currency, owner), each cell
 * cut with "…" where it does not fit, so every row has the same height and
 * the number of pages is known from the row count before the first page:
 * "Page n of N" without a second pass.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>

#include "export-pdf.h"
#include "export.h"

/* Set once a PDF was drawn: fontconfig then holds caches until srv__export_cleanup. */
static _Atomic int pdf_drawn;

/* ---- page helpers ------------------------------------------------------------ */

/* cairo's own file output forgets why a write failed; ours keeps errno, so
 * a full disk can be told from a bug (srv__ex_fail_errno). */
static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int length)
{
    struct ex_pdf *p = closure;
    if (fwrite(data, 1, length, p->file) == length)
        return CAIRO_STATUS_SUCCESS;
    if (!p->write_errno)
        p->write_errno = errno ? errno : EIO;
    return CAIRO_STATUS_WRITE_ERROR;
}

/*
 * A text for the PDF's metadata.  cairo converts it to UTF-16 and refuses
 * the noncharacters (U+FDD0..U+FDEF, and U+FFFE and U+FFFF of every plane)
 * that valid UTF-8, and the protocol's texts, may hold: the whole surface
 * then fails, so a contract numbered "C-1" and U+FFFF could not have its
 * report.  They become U+FFFD here (the pages show them as Pango draws
 * them).  `in` is valid UTF-8; out holds at least as many bytes.
 */
static void meta_text(const char *in, char *out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    while (*s) {
        size_t len = *s < 0x80 ? 1 : *s < 0xE0 ? 2 : *s < 0xF0 ? 3 : 4;
        uint32_t cp = len == 1 ? *s : len == 2 ? *s & 0x1Fu : len == 3 ? *s & 0x0Fu : *s & 0x07u;
        for (size_t k = 1; k < len && s[k]; k++)
            cp = cp << 6 | (s[k] & 0x3Fu);
        if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            memcpy(out + o, "\xEF\xBF\xBD", 3); /* never longer: each is 3 or 4 bytes */
            o += 3;
        } else {
            for (size_t k = 0; k < len && s[k]; k++)
                out[o++] = (char)s[k];
        }
        for (size_t k = 0; k < len && *s; k++)
            s++;
    }
    out[o] = '\0';
}

int srv__ex_pdf_open(struct ex_job *j, struct ex_pdf *p, double width, double height,
                     const char *title)
{
    memset(p, 0, sizeof *p);
    pdf_drawn = 1;
    p->width = width;
    p->height = height;
    if (!(p->file = fopen(j->out_path, "wb")))
        return srv__ex_fail_errno(j, "pdf open", errno);
    p->surface = cairo_pdf_surface_create_for_stream(write_file, p, width, height);
    if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS)
        return srv__ex_fail(j, "pdf open",
                            cairo_status_to_string(cairo_surface_status(p->surface)));
    cairo_pdf_surface_restrict_to_version(p->surface, CAIRO_PDF_VERSION_1_5);
    char *meta = malloc(strlen(title) + strlen(j->actor) + 1);
    if (!meta)
        abort();
    meta_text(title, meta);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, meta);
    meta_text(j->actor, meta);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_AUTHOR, meta);
    free(meta);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "PACTA");
    p->cr = cairo_create(p->surface);
    p->fm = pango_cairo_font_map_new();
    p->ctx = pango_font_map_create_context(p->fm);
    pango_cairo_update_context(p->cr, p->ctx);
    /* text metrics as printed, not snapped to a screen's pixels */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(p->ctx, fo);
    cairo_font_options_destroy(fo);
    p->page = 1;
    return 0;
}

PangoLayout *srv__ex_pdf_layout(struct ex_pdf *p, const char *font, double width, int ellipsize)
{
    char desc[64];
    snprintf(desc, sizeof desc, "%s %s", EX_PDF_FONT, font);
    PangoLayout *l = pango_layout_new(p->ctx);
    PangoFontDescription *fd = pango_font_description_from_string(desc);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0)
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    if (ellipsize) {
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        pango_layout_set_single_paragraph_mode(l, TRUE);
    } else {
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    return l;
}

void srv__ex_pdf_show(struct ex_pdf *p, PangoLayout *l, double x, double y)
{
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

double srv__ex_pdf_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

void srv__ex_pdf_end_page(struct ex_pdf *p, const char *left_text)
{
    char text[64];
    double y = p->height - EX_MARGIN + 8;
    PangoLayout *l = srv__ex_pdf_layout(p, "7.5", p->width - 2 * EX_MARGIN, 1);

    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, EX_MARGIN, y - 4);
    cairo_line_to(p->cr, p->width - EX_MARGIN, y - 4);
    cairo_stroke(p->cr);
    pango_layout_set_text(l, left_text ? left_text : "", -1);
    srv__ex_pdf_show(p, l, EX_MARGIN, y);
    snprintf(text, sizeof text, "Page %d of %d", p->page, p->pages);
    pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    pango_layout_set_text(l, text, -1);
    srv__ex_pdf_show(p, l, EX_MARGIN, y);
    g_object_unref(l);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    cairo_show_page(p->cr);
    p->page++;
}

int srv__ex_pdf_close(struct ex_job *j, struct ex_pdf *p)
{
    cairo_status_t st;
    cairo_destroy(p->cr);
    p->cr = NULL;
    cairo_surface_finish(p->surface);
    st = cairo_surface_status(p->surface);
    if (st == CAIRO_STATUS_SUCCESS && fclose(p->file) != 0 && !p->write_errno)
        p->write_errno = errno;
    else if (st != CAIRO_STATUS_SUCCESS)
        fclose(p->file);
    p->file = NULL;
    int errnum = p->write_errno;
    srv__ex_pdf_free(p);
    if (errnum)
        return srv__ex_fail_errno(j, "pdf write", errnum);
    if (st != CAIRO_STATUS_SUCCESS)
        return srv__ex_fail(j, "pdf close", cairo_status_to_string(st));
    return 0;
}

void srv__ex_pdf_free(struct ex_pdf *p)
{
    if (p->cr)
        cairo_destroy(p->cr);
    if (p->surface)
        cairo_surface_destroy(p->surface);
    if (p->file)
        fclose(p->file);
    if (p->ctx)
        g_object_unref(p->ctx);
    if (p->fm)
        g_object_unref(p->fm);
    memset(p, 0, sizeof *p);
}

char *srv__ex_filters_text(const json_t *filters)
{
    const char *key;
    json_t *v;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out)
        abort();
    out[0] = '\0';
    json_object_foreach((json_t *)filters, key, v)
    {
        char *val =
            json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
        if (!val)
            abort();
        size_t need = n + strlen(key) + strlen(val) + 16;
        if (need > cap) {
            cap = need * 2;
            if (!(out = realloc(out, cap)))
                abort();
        }
        n += (size_t)snprintf(out + n, cap - n, "%s%s: %s", n ? " · " : "", key, val);
        free(val);
    }
    if (!n) {
        free(out);
        out = strdup("all contracts");
    }
    return out;
}

/* ---- the list report ------------------------------------------------------------ */

#define ROW_H 14.0
#define HEAD_H 58.0 /* title, subtitle, column headers */
#define FOOT_H 20.0

static const struct {
    int col;
    const char *label;
    double width; /* of the 770 points between the margins */
    int right;
} list_cols[] = {
    {EX_COL_NUMBER, "Number", 85, 0},
    {EX_COL_TITLE, "Title", 190, 0},
    {EX_COL_COUNTERPARTY, "Counterparty", 165, 0},
    {EX_COL_STATUS, "Status", 56, 0},
    {EX_COL_LIFECYCLE, "Lifecycle", 58, 0},
    {EX_COL_END_DATE, "End", 62, 0},
    {EX_COL_AMOUNT, "Amount", 100, 1},
    {EX_COL_OWNER, "Owner", 54, 0},
};
#define NLIST (sizeof list_cols / sizeof *list_cols)

struct pdf_list {
    struct ex_pdf p;
    PangoLayout *cell[NLIST], *title, *sub;
    int rows_per_page, row_on_page;
    char *subtitle;
};

static void list_head(struct ex_job *j, struct pdf_list *pl)
{
    struct ex_pdf *p = &pl->p;
    char title[128];
    double x = EX_MARGIN, y = EX_MARGIN + 40;

    snprintf(title, sizeof title, "Contracts (%lld)", (long long)j->rows_total);
    pango_layout_set_text(pl->title, title, -1);
    srv__ex_pdf_show(p, pl->title, EX_MARGIN, EX_MARGIN);
    pango_layout_set_text(pl->sub, pl->subtitle, -1);
    srv__ex_pdf_show(p, pl->sub, EX_MARGIN, EX_MARGIN + 22);
    for (size_t c = 0; c < NLIST; c++) {
        PangoLayout *l = pl->cell[c];
        PangoFontDescription *fd = pango_font_description_from_string(EX_PDF_FONT " Bold 8");
        pango_layout_set_font_description(l, fd);
        pango_font_description_free(fd);
        pango_layout_set_text(l, list_cols[c].label, -1);
        srv__ex_pdf_show(p, l, x, y);
        fd = pango_font_description_from_string(EX_PDF_FONT " 8");
        pango_layout_set_font_description(l, fd);
        pango_font_description_free(fd);
        x += list_cols[c].width;
    }
    cairo_set_line_width(p->cr, 0.7);
    cairo_move_to(p->cr, EX_MARGIN, EX_MARGIN + HEAD_H - 3);
    cairo_line_to(p->cr, p->width - EX_MARGIN, EX_MARGIN + HEAD_H - 3);
    cairo_stroke(p->cr);
    if (j->rows_total == 0) {
        pango_layout_set_text(pl->sub, "No contract matches these filters.", -1);
        srv__ex_pdf_show(p, pl->sub, EX_MARGIN, EX_MARGIN + HEAD_H + 4);
    }
}

static int pdf_list_begin(struct ex_job *j)
{
    struct pdf_list *pl = calloc(1, sizeof *pl);
    if (!pl)
        abort();
    j->w = pl;
    if (srv__ex_pdf_open(j, &pl->p, EX_A4_LONG, EX_A4_SHORT, "Contracts"))
        return -1;
    double usable = EX_A4_SHORT - 2 * EX_MARGIN - HEAD_H - FOOT_H;
    pl->rows_per_page = (int)floor(usable / ROW_H);
    pl->p.pages =
        j->rows_total ? (int)((j->rows_total + pl->rows_per_page - 1) / pl->rows_per_page) : 1;
    for (size_t c = 0; c < NLIST; c++) {
        pl->cell[c] = srv__ex_pdf_layout(&pl->p, "8", list_cols[c].width - 6, 1);
        if (list_cols[c].right)
            pango_layout_set_alignment(pl->cell[c], PANGO_ALIGN_RIGHT);
    }
    pl->title = srv__ex_pdf_layout(&pl->p, "Bold 14", 0, 1);
    pl->sub = srv__ex_pdf_layout(&pl->p, "8", EX_A4_LONG - 2 * EX_MARGIN, 1);
    char *filters = srv__ex_filters_text(j->filters_json);
    size_t n = strlen(filters) + 128;
    pl->subtitle = malloc(n);
    if (!pl->subtitle)
        abort();
    snprintf(pl->subtitle, n, "%s — generated %.10s %.5s UTC by %s", filters, j->generated_at,
             j->generated_at + 11, j->actor);
    free(filters);
    list_head(j, pl);
    return 0;
}

static int pdf_list_row(struct ex_job *j, const struct ex_row *r)
{
    struct pdf_list *pl = j->w;
    struct ex_pdf *p = &pl->p;
    double x = EX_MARGIN;
    double y = EX_MARGIN + HEAD_H + pl->row_on_page * ROW_H;

    if (pl->row_on_page % 2 == 1) { /* zebra stripes help the eye across a wide row */
        cairo_set_source_rgb(p->cr, 0.94, 0.95, 0.97);
        cairo_rectangle(p->cr, EX_MARGIN, y - 1.5, p->width - 2 * EX_MARGIN, ROW_H);
        cairo_fill(p->cr);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
    }
    for (size_t c = 0; c < NLIST; c++) {
        const char *v = r->v[list_cols[c].col];
        char amount[64];
        if (list_cols[c].col == EX_COL_AMOUNT && v) {
            srv__ex_money_text(v, r->v[EX_COL_CURRENCY], amount);
            v = amount;
        }
        pango_layout_set_text(pl->cell[c], v ? v : "", -1);
        srv__ex_pdf_show(p, pl->cell[c], x, y);
        x += list_cols[c].width;
    }
    if (++pl->row_on_page == pl->rows_per_page && j->rows_done + 1 < j->rows_total) {
        srv__ex_pdf_end_page(p, "PACTA — contracts");
        pl->row_on_page = 0;
        list_head(j, pl);
    }
    return 0;
}

static void pdf_list_free(struct pdf_list *pl)
{
    for (size_t c = 0; c < NLIST; c++)
        if (pl->cell[c])
            g_object_unref(pl->cell[c]);
    if (pl->title)
        g_object_unref(pl->title);
    if (pl->sub)
        g_object_unref(pl->sub);
    free(pl->subtitle);
}

static int pdf_list_end(struct ex_job *j)
{
    struct pdf_list *pl = j->w;
    srv__ex_pdf_end_page(&pl->p, "PACTA — contracts");
    pdf_list_free(pl);
    int rc = srv__ex_pdf_close(j, &pl->p);
    free(pl);
    j->w = NULL;
    return rc;
}

static void pdf_list_abort(struct ex_job *j)
{
    struct pdf_list *pl = j->w;
    if (pl) {
        pdf_list_free(pl);
        srv__ex_pdf_free(&pl->p);
        free(pl);
    }
    j->w = NULL;
}

const struct ex_writer srv__ex_pdf_list = {pdf_list_begin, pdf_list_row, pdf_list_end,
                                           pdf_list_abort};

void srv__export_cleanup(void)
{
    if (!pdf_drawn)
        return;
    cairo_debug_reset_static_data();
    FcFini();
}
