/*
 * PDF pages for exports (export_pdf.c), shared by the list report and the
 * contract report (export_report.c): cairo's PDF surface, A4, text laid
 * out by Pango in DejaVu Sans (every Latin accent: Spanish, Romanian ș ț ă
 * â î, ...; embedded as a subset), and a footer "Page n of N" on each page.
 *
 * Each job has its own Pango font map and context: a job's steps run on
 * whichever pool thread is free, and two jobs may run at once, so no Pango
 * object is ever shared between jobs (Pango's default font map is per
 * thread).
 */
#ifndef PACTA_SRV_EXPORT_PDF_H
#define PACTA_SRV_EXPORT_PDF_H

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "export-private.h"

#define EX_PDF_FONT "DejaVu Sans"
#define EX_A4_SHORT 595.276 /* points: 210 mm */
#define EX_A4_LONG 841.890  /* 297 mm */
#define EX_MARGIN 36.0      /* half an inch */

struct ex_pdf {
    FILE *file;      /* the PDF, written by cairo through our write function */
    int write_errno; /* why the first failed write failed */
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoFontMap *fm;
    PangoContext *ctx;
    double width, height;
    int page, pages; /* the page being drawn (1-based) and the total */
};

/* Creates the PDF at j->out_path, width x height points, with a title in
 * its metadata.  0 or -1 with j->err set. */
int srv__ex_pdf_open(struct ex_job *j, struct ex_pdf *p, double width, double height,
                     const char *title);
/* A layout in the job's context: font like "9" or "Bold 14" (the family
 * is EX_PDF_FONT), width in points (<= 0: unlimited); ellipsize: one
 * line cut with "…", else wrapped on words. */
PangoLayout *srv__ex_pdf_layout(struct ex_pdf *p, const char *font, double width, int ellipsize);
/* Draws the layout at (x, y) with its top-left corner there. */
void srv__ex_pdf_show(struct ex_pdf *p, PangoLayout *l, double x, double y);
/* Height of a layout in points. */
double srv__ex_pdf_height(PangoLayout *l);
/* The footer of the current page ("Page n of N", right; left_text left),
 * then the next page. */
void srv__ex_pdf_end_page(struct ex_pdf *p, const char *left_text);
/* Finishes the file; 0 or -1 with j->err set (a full disk: unavailable). */
int srv__ex_pdf_close(struct ex_job *j, struct ex_pdf *p);
/* Frees whatever is left (after a failure too). */
void srv__ex_pdf_free(struct ex_pdf *p);
/* "status: active · text: lift" from the request's filters, or "all
 * contracts"; malloc'd. */
char *srv__ex_filters_text(const json_t *filters);

#endif
