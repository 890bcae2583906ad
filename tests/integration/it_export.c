/*
 * it_export: export.contracts in its three formats, read back by tools
 * that are not ours (PROTOCOL.md §6.31-6.33).
 *
 * A fixture with Romanian and Spanish accents, commas, quotes, tabs and
 * newlines in its fields, exported by a viewer:
 *  - CSV: parsed back with an RFC 4180 parser of the test's own, every
 *    field equals the contract as contracts.get has it (amounts as decimals
 *    in the currency's unit), CRLF records, with and without BOM; texts
 *    that look like formulas kept, or escaped with escape_formulas;
 *  - XLSX: unzipped (unzip -p), the sheet XML has numbers as numbers, dates
 *    as date serials whose style is a date format, the amount's format
 *    names its currency, the header pane frozen, the autofilter over the
 *    data;
 *  - PDF: pdfinfo counts the pages, pdftotext finds the text, accents
 *    included, and "Page n of N" on every page; the list of 70 contracts
 *    has 3 pages; the contract report lists fields, supplements and the
 *    documents section, and flows a long description over pages;
 * and chunks are pulled in pieces with their SHA-256 checked each time.
 */
#include <string.h>

#include "it_export_util.h"

static json_t *fixture[3];

static void make_fixture(struct ctl_client *ed)
{
    fixture[0] = it_contract_create(
        ed, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:i, s:s}", "number",
                      "E-001", "title", "Întreținere lift, bloc \"A\"", "counterparty",
                      "Asociația de proprietari Ștefan cel Mare", "description",
                      "Linia 1\nLinia 2, cu virgulă\tși tab\n\"citat\"", "currency", "RON",
                      "amount_cents", (json_int_t)1234567, "sign_date", "2026-01-10", "start_date",
                      "2026-02-01", "end_date", "2026-12-31", "status", "draft", "notice_days", 30,
                      "renewal", "auto"));
    fixture[1] = it_contract_create(
        ed, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "number", "E-002", "title",
                      "Limpieza de oficinas — año 2026", "counterparty", "Señor Muñoz, S.L.",
                      "kind", "supplier", "currency", "JPY", "amount_cents", (json_int_t)150000,
                      "end_date", "2027-06-30"));
    fixture[2] = it_contract_create(ed, json_pack("{s:s, s:s, s:s, s:s}", "number", "E-003",
                                                  "title", "Plain, \"quoted\"", "description",
                                                  "a,b", "currency", "EUR"));
    REQUIRE(fixture[0] && fixture[1] && fixture[2]);
    json_t *other = it_contract_create(ed, json_pack("{s:s}", "number", "Z-999"));
    REQUIRE(other);
    json_decref(other);

    /* activate E-001 and amend it twice: two supplements with reasons */
    json_t *r = it_contract_update(ed, it_str(fixture[0], "id"), it_int(fixture[0], "version"),
                                   json_pack("{s:s}", "status", "active"), NULL, NULL);
    REQUIRE(r);
    json_decref(r);
    r = it_contract_update(
        ed, it_str(fixture[0], "id"), it_int(fixture[0], "version") + 1,
        json_pack("{s:I, s:s}", "amount_cents", (json_int_t)1300000, "end_date", "2027-06-30"),
        "indexare preț, conform anexei 2", NULL);
    REQUIRE(r);
    json_decref(r);
}

/* The fixture as the server has it now (derived members included). */
static json_t *current(struct ctl_client *c, int i)
{
    json_t *got = it_contract_get(c, it_str(fixture[i], "id"));
    REQUIRE(got);
    return got;
}

static void test_csv(struct ctl_client *vi, int bom)
{
    struct blob b;
    json_t *made = it_export(
        vi,
        json_pack("{s:s, s:{s:s}, s:b}", "format", "csv", "filters", "text", "E-00", "bom", bom),
        &b);
    REQUIRE(made);
    CHECK_STR(it_str(made, "format"), "csv");
    CHECK_STR(it_str(made, "content_type"), "text/csv; charset=utf-8");
    CHECK(it_int(made, "rows") == 3);
    CHECKF(strncmp(it_str(made, "filename"), "contracts-", 10) == 0 &&
               strstr(it_str(made, "filename"), ".csv"),
           "filename %s", it_str(made, "filename"));

    const char *text = (const char *)b.data;
    size_t len = b.len;
    int has_bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0;
    CHECKF(has_bom == bom, "bom %d, asked %d", has_bom, bom);
    if (has_bom) {
        text += 3;
        len -= 3;
    }
    CHECK(strstr(text, "\r\n") != NULL);
    json_t *rows = csv_parse(text, len);
    REQUIRE(rows);
    CHECK(json_array_size(rows) == 4);
    json_t *header = json_array_get(rows, 0);
    CHECK(json_array_size(header) == CSV_NCOLS);
    for (int c = 0; c < CSV_NCOLS; c++)
        CHECK_STR(json_string_value(json_array_get(header, (size_t)c)), csv_header[c]);
    for (int i = 0; i < 3; i++) { /* ordered by number: E-001, E-002, E-003 */
        json_t *row = json_array_get(rows, (size_t)i + 1), *want = current(vi, i);
        CHECK(json_array_size(row) == CSV_NCOLS);
        for (int c = 0; c < CSV_NCOLS && c < (int)json_array_size(row); c++) {
            char expect[12000];
            csv_expected(want, csv_header[c], expect, sizeof expect);
            const char *got = json_string_value(json_array_get(row, (size_t)c));
            CHECKF(strcmp(got, expect) == 0, "row %d %s: \"%s\" != \"%s\"", i + 1, csv_header[c],
                   got, expect);
        }
        json_decref(want);
    }
    /* a decimal in the currency's unit: 13000.00 RON, 150000 JPY (no minor unit) */
    CHECK_STR(json_string_value(json_array_get(json_array_get(rows, 1), 14)), "13000.00");
    CHECK_STR(json_string_value(json_array_get(json_array_get(rows, 2), 14)), "150000");
    json_decref(rows);

    /* the file is gone once read to the end */
    json_t *err =
        it_call_err(vi, "export.read",
                    json_pack("{s:s, s:i}", "export_id", it_str(made, "export_id"), "offset", 0));
    CHECK_STR(it_err_code(err), "not_found");
    CHECK_STR(it_err_field(err), "export_id");
    json_decref(err);
    json_decref(made);
    free(b.data);
}

/*
 * Texts a spreadsheet program would run as formulas: kept as they are by
 * default (the CSV is data), and with escape_formulas a leading apostrophe
 * in front of every text column that starts with = + - @ (only text
 * columns: amounts, dates and counts are left alone).
 */
static void test_csv_formulas(struct ctl_client *ed, struct ctl_client *vi)
{
    json_t *c = it_contract_create(
        ed, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s}", "number", "F-001", "title",
                      "=HYPERLINK(\"http://example.com\",\"click\")", "counterparty",
                      "+40 21 555 0100", "description", "@SUM(1,2)\nsecond line", "amount_cents",
                      (json_int_t)12345, "currency", "EUR"));
    REQUIRE(c);
    for (int escape = 0; escape <= 1; escape++) {
        struct blob b;
        json_t *made = it_export(vi,
                                 json_pack("{s:s, s:{s:s}, s:b}", "format", "csv", "filters",
                                           "text", "F-001", "escape_formulas", escape),
                                 &b);
        REQUIRE(made);
        json_t *rows = csv_parse((const char *)b.data, b.len);
        REQUIRE(rows && json_array_size(rows) == 2);
        json_t *row = json_array_get(rows, 1);
        const char *p = escape ? "'" : "";
        char want[200];
        snprintf(want, sizeof want, "%s=HYPERLINK(\"http://example.com\",\"click\")", p);
        CHECK_STR(json_string_value(json_array_get(row, 2)), want);
        snprintf(want, sizeof want, "%s+40 21 555 0100", p);
        CHECK_STR(json_string_value(json_array_get(row, 3)), want);
        snprintf(want, sizeof want, "%s@SUM(1,2)\nsecond line", p);
        CHECK_STR(json_string_value(json_array_get(row, 17)), want);
        CHECK_STR(json_string_value(json_array_get(row, 1)), "F-001"); /* not formula-like */
        json_t *want_row = it_contract_get(vi, it_str(c, "id"));
        char amount[64];
        csv_expected(want_row, "amount", amount, sizeof amount);
        CHECK_STR(json_string_value(json_array_get(row, 14)), amount); /* numbers untouched */
        json_decref(want_row);
        json_decref(rows);
        json_decref(made);
        free(b.data);
    }
    json_decref(c);
}

/* The other filters go through the export's own read connection too:
 * full-text search (FTS5) and the lifecycle computed for today. */
static void test_filters(struct ctl_client *vi)
{
    struct blob b;
    json_t *made = it_export(
        vi, json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "q", "ascensor lift"), &b);
    CHECK(made && it_int(made, "rows") == 0); /* every word must match */
    json_decref(made);
    free(b.data);
    made = it_export(vi, json_pack("{s:s, s:{s:s}}", "format", "csv", "filters", "q", "întreține"),
                     &b);
    REQUIRE(made);
    CHECK(it_int(made, "rows") == 1 && strstr((const char *)b.data, "E-001"));
    json_decref(made);
    free(b.data);
    /* the lifecycle filter selects what contracts.list selects, in its order */
    json_t *list = it_call(vi, "contracts.list",
                           json_pack("{s:s, s:s}", "lifecycle", "active", "text", "E-00"), NULL);
    REQUIRE(list);
    made = it_export(vi,
                     json_pack("{s:s, s:{s:s, s:s}}", "format", "csv", "filters", "lifecycle",
                               "active", "text", "E-00"),
                     &b);
    REQUIRE(made);
    json_t *items = json_object_get(list, "items"), *rows = csv_parse((const char *)b.data, b.len);
    REQUIRE(rows);
    CHECKF(json_array_size(items) >= 1 &&
               it_int(made, "rows") == (json_int_t)json_array_size(items),
           "lifecycle active: %lld rows, contracts.list has %zu", (long long)it_int(made, "rows"),
           json_array_size(items));
    for (size_t i = 0; i < json_array_size(items) && i + 1 < json_array_size(rows); i++)
        CHECK_STR(json_string_value(json_array_get(json_array_get(rows, i + 1), 1)),
                  it_str(json_array_get(items, i), "number"));
    json_decref(rows);
    json_decref(list);
    json_decref(made);
    free(b.data);
}

/* Pieces of 1000 bytes: offsets follow, eof only on the last, same bytes. */
static void test_small_chunks(struct ctl_client *vi)
{
    json_t *made = it_call(vi, "export.contracts", json_pack("{s:s}", "format", "csv"), NULL);
    REQUIRE(made);
    struct blob b;
    CHECK(it_export_download(vi, made, 1000, &b) == 0);
    CHECK(b.len > 1000);
    json_decref(made);
    free(b.data);
}

/* The value between <v> and </v> of cell `ref`, or "" (and its style in *style). */
static void cell(const char *sheet, const char *ref, char *value, size_t n, int *style,
                 int *is_number)
{
    char pat[32];
    snprintf(pat, sizeof pat, "<c r=\"%s\"", ref);
    const char *c = strstr(sheet, pat), *end = c ? strstr(c, "</c>") : NULL;
    value[0] = '\0';
    *style = -1;
    *is_number = 0;
    if (!c || !end)
        return;
    const char *s = strstr(c, " s=\"");
    if (s && s < end)
        *style = atoi(s + 4);
    const char *t = strstr(c, " t=\"");
    *is_number = !(t && t < end);
    const char *v = strstr(c, "<v>");
    if (v && v < end) {
        size_t len = (size_t)(strstr(v, "</v>") - v - 3);
        snprintf(value, n, "%.*s", (int)len, v + 3);
    }
}

/* The format code of cellXfs entry `xf` in styles.xml. */
static void xf_format(const char *styles, int xf, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strstr(styles, "<cellXfs");
    for (int i = 0; p && i <= xf; i++)
        p = strstr(p + 1, "<xf ");
    const char *id = p ? strstr(p, "numFmtId=\"") : NULL;
    if (!id)
        return;
    int fmt = atoi(id + 10);
    char pat[48];
    snprintf(pat, sizeof pat, "<numFmt numFmtId=\"%d\" formatCode=\"", fmt);
    const char *f = strstr(styles, pat);
    if (!f)
        return;
    f += strlen(pat);
    snprintf(out, n, "%.*s", (int)(strchr(f, '"') - f), f);
}

static long excel_serial(int y, int m, int d)
{
    /* days since 1899-12-30 (Excel's day 0 for dates after February 1900) */
    y -= m <= 2;
    long era = y / 400, yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return days + 25569;
}

static void test_xlsx(struct ctl_client *vi)
{
    struct blob b;
    char path[600], v[64], fmt[64];
    int style, number;
    json_t *made =
        it_export(vi, json_pack("{s:s, s:{s:s}}", "format", "xlsx", "filters", "text", "E-00"), &b);
    REQUIRE(made);
    CHECK_STR(it_str(made, "content_type"),
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(b.len > 4 && memcmp(b.data, "PK", 2) == 0);
    snprintf(path, sizeof path, "%s/fixture.xlsx", it_tmp_dir());
    it_write_file(path, &b);
    char *sheet = unzip_member(path, "xl/worksheets/sheet1.xml");
    char *styles = unzip_member(path, "xl/styles.xml");
    REQUIRE(sheet && styles);

    CHECKF(strstr(sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
                         "state=\"frozen\"/>"),
           "no frozen header pane");
    CHECKF(strstr(sheet, "<autoFilter ref=\"A1:W4\"/>"), "no autofilter over A1:W4");

    /* O: amount, a number in RON with a format naming the currency */
    cell(sheet, "O2", v, sizeof v, &style, &number);
    CHECKF(number && strcmp(v, "13000") == 0, "O2 = %s", v);
    xf_format(styles, style, fmt, sizeof fmt);
    CHECKF(strstr(fmt, "0.00") && strstr(fmt, "RON"), "O2 format %s", fmt);
    cell(sheet, "O3", v, sizeof v, &style, &number);
    CHECKF(number && strcmp(v, "150000") == 0, "O3 = %s", v);
    xf_format(styles, style, fmt, sizeof fmt);
    CHECKF(strstr(fmt, "JPY") && !strstr(fmt, "."), "O3 format %s", fmt);

    /* J: end_date, a date serial styled as a date */
    cell(sheet, "J2", v, sizeof v, &style, &number);
    CHECKF(number && atol(v) == excel_serial(2027, 6, 30), "J2 = %s, want %ld", v,
           excel_serial(2027, 6, 30));
    xf_format(styles, style, fmt, sizeof fmt);
    CHECK_STR(fmt, "yyyy-mm-dd");
    cell(sheet, "H2", v, sizeof v, &style, &number); /* sign_date */
    CHECKF(number && atol(v) == excel_serial(2026, 1, 10), "H2 = %s", v);
    /* T: created_at, a date-time */
    cell(sheet, "T2", v, sizeof v, &style, &number);
    CHECKF(number && strchr(v, '.') && atol(v) > 46000, "T2 = %s", v);
    xf_format(styles, style, fmt, sizeof fmt);
    CHECK_STR(fmt, "yyyy-mm-dd hh:mm:ss");

    /* K: notice_days, S: version, numbers */
    cell(sheet, "K2", v, sizeof v, &style, &number);
    CHECKF(number && strcmp(v, "30") == 0, "K2 = %s", v);
    cell(sheet, "S2", v, sizeof v, &style, &number);
    CHECKF(number && strcmp(v, "3") == 0, "S2 = %s", v);
    /* text stays text, accents and quotes included; nulls are empty cells */
    CHECK(strstr(sheet, "Întreținere lift, bloc &quot;A&quot;") ||
          strstr(sheet, "Întreținere lift, bloc \"A\""));
    CHECK(strstr(sheet, "Señor Muñoz, S.L."));
    CHECK(strstr(sheet, "<c r=\"B2\" t=\"inlineStr\""));
    CHECK(!strstr(sheet, "<c r=\"H3\"")); /* E-002 has no sign_date */
    CHECK(!strstr(sheet, "<f>"));         /* no formula anywhere */

    free(sheet);
    free(styles);
    json_decref(made);
    free(b.data);
}

/* pdftotext -layout of a PDF blob (written to name), and its page count. */
static char *pdf_text(const struct blob *b, const char *name, int *pages)
{
    char path[600];
    char *info = NULL, *text = NULL;
    snprintf(path, sizeof path, "%s/%s", it_tmp_dir(), name);
    it_write_file(path, b);
    char *argv1[] = {"/usr/bin/pdfinfo", path, NULL};
    CHECK(it_run(argv1, NULL, 30000, &info, NULL) == 0);
    const char *p = info ? strstr(info, "Pages:") : NULL;
    *pages = p ? atoi(p + 6) : -1;
    char *argv2[] = {"/usr/bin/pdftotext", "-layout", "-enc", "UTF-8", path, "-", NULL};
    CHECK(it_run(argv2, NULL, 30000, &text, NULL) == 0);
    free(info);
    REQUIRE(text);
    return text;
}

/* Words drawn over each other in a PDF written by pdf_text (pdftotext
 * -bbox: each word's box; two boxes sharing more than 1 x 2 pt), each
 * pair printed: the report's wrapped label "Renewal term (months)" put
 * "(months)" on top of the next row's "Amount". */
static int pdf_overlaps(const char *name)
{
    char path[600], *html = NULL;
    snprintf(path, sizeof path, "%s/%s", it_tmp_dir(), name);
    char *argv[] = {"/usr/bin/pdftotext", "-bbox", "-enc", "UTF-8", path, "-", NULL};
    CHECK(it_run(argv, NULL, 30000, &html, NULL) == 0);
    REQUIRE(html);
    struct box {
        double x0, y0, x1, y1;
        int page;
        char word[48];
    } *w = NULL;
    size_t n = 0, cap = 0;
    int page = 0, overlaps = 0;
    for (const char *p = html; (p = strchr(p, '<')); p++) {
        struct box b;
        int len = 0;
        if (!strncmp(p, "<page ", 6))
            page++;
        else if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\">%47[^<]%n",
                        &b.x0, &b.y0, &b.x1, &b.y1, b.word, &len) == 5) {
            b.page = page;
            if (n == cap)
                REQUIRE((w = realloc(w, (cap = cap ? 2 * cap : 256) * sizeof *w)));
            w[n++] = b;
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double dx =
                (w[i].x1 < w[j].x1 ? w[i].x1 : w[j].x1) - (w[i].x0 > w[j].x0 ? w[i].x0 : w[j].x0);
            double dy =
                (w[i].y1 < w[j].y1 ? w[i].y1 : w[j].y1) - (w[i].y0 > w[j].y0 ? w[i].y0 : w[j].y0);
            if (w[i].page == w[j].page && dx > 1 && dy > 2) {
                fprintf(stderr, "%s page %d: \"%s\" over \"%s\"\n", name, w[i].page, w[i].word,
                        w[j].word);
                overlaps++;
            }
        }
    CHECKF(n > 20, "%s: %zu words", name, n);
    free(w);
    free(html);
    return overlaps;
}

static void test_pdf_list(struct ctl_client *ed, struct ctl_client *vi)
{
    struct blob b;
    int pages;
    json_t *made =
        it_export(vi, json_pack("{s:s, s:{s:s}}", "format", "pdf", "filters", "text", "E-00"), &b);
    REQUIRE(made);
    CHECK_STR(it_str(made, "content_type"), "application/pdf");
    char *text = pdf_text(&b, "list.pdf", &pages);
    CHECK(pages == 1);
    CHECK(strstr(text, "Contracts (3)"));
    CHECK(strstr(text, "Întreținere lift"));
    CHECK(strstr(text, "Asociația de proprietari"));
    CHECK(strstr(text, "Señor Muñoz"));
    CHECK(strstr(text, "13,000.00 RON")); /* as the contract report writes amounts */
    CHECK(strstr(text, "text: E-00"));
    CHECK(strstr(text, "Page 1 of 1"));
    CHECK(!strstr(text, "Z-999"));
    free(text);
    json_decref(made);
    free(b.data);

    /* 70 rows of 31 per page: 3 pages, each numbered */
    for (int i = 0; i < 70; i++) {
        char number[32];
        snprintf(number, sizeof number, "P-%03d", i);
        json_t *c = it_contract_create(
            ed, json_pack("{s:s, s:s}", "number", number, "title", "Pagină de probă ăâîșț"));
        REQUIRE(c);
        json_decref(c);
    }
    made =
        it_export(vi, json_pack("{s:s, s:{s:s}}", "format", "pdf", "filters", "text", "P-0"), &b);
    REQUIRE(made);
    CHECK(it_int(made, "rows") == 70);
    text = pdf_text(&b, "list3.pdf", &pages);
    CHECKF(pages == 3, "pages %d", pages);
    CHECK(strstr(text, "Page 1 of 3") && strstr(text, "Page 2 of 3") &&
          strstr(text, "Page 3 of 3"));
    CHECK(strstr(text, "P-000") && strstr(text, "P-069"));
    CHECK(strstr(text, "Pagină de probă ăâîșț"));
    free(text);
    json_decref(made);
    free(b.data);
}

/* Attaches a small text document to the contract; returns the document. */
static json_t *attach(struct ctl_client *ed, const char *contract_id, const char *name,
                      const char *body)
{
    char sum[65], data[256];
    size_t len = strlen(body);
    sha256_hex(body, len, sum);
    pacta_base64_encode((const uint8_t *)body, len, data);
    json_t *up = it_call(ed, "documents.upload.begin",
                         json_pack("{s:s, s:s, s:i, s:s, s:s}", "contract_id", contract_id, "name",
                                   name, "size", (int)len, "sha256", sum, "mime", "text/plain"),
                         NULL);
    REQUIRE(up);
    json_t *r = it_call(ed, "documents.upload.chunk",
                        json_pack("{s:s, s:i, s:s}", "upload_id", it_str(up, "upload_id"), "offset",
                                  0, "data", data),
                        NULL);
    REQUIRE(r);
    json_decref(r);
    r = it_call(ed, "documents.upload.finish",
                json_pack("{s:s}", "upload_id", it_str(up, "upload_id")), NULL);
    REQUIRE(r);
    json_decref(up);
    json_t *doc = json_incref(json_object_get(r, "document"));
    json_decref(r);
    REQUIRE(doc);
    return doc;
}

static void test_pdf_report(struct ctl_client *ed, struct ctl_client *vi)
{
    struct blob b;
    int pages;
    /* two documents attached, the second deleted: only the first is listed */
    json_t *kept = attach(ed, it_str(fixture[0], "id"), "contract semnat — ștampilă.txt",
                          "Semnat de ambele părți.\n");
    json_t *gone = attach(ed, it_str(fixture[0], "id"), "ciornă.txt", "Ciornă veche.\n");
    json_t *r = it_call(ed, "documents.delete", json_pack("{s:s}", "id", it_str(gone, "id")), NULL);
    REQUIRE(r);
    json_decref(r);
    json_t *made = it_export(
        vi, json_pack("{s:s, s:s}", "format", "pdf", "contract_id", it_str(fixture[0], "id")), &b);
    REQUIRE(made);
    CHECK_STR(it_str(made, "filename"), "contract-E-001.pdf");
    CHECK(it_int(made, "rows") == 1);
    char *text = pdf_text(&b, "report.pdf", &pages);
    CHECK(pages == 1);
    CHECK(strstr(text, "Contract E-001"));
    CHECK(strstr(text, "Asociația de proprietari Ștefan cel Mare"));
    CHECK(strstr(text, "Linia 2, cu virgulă"));
    CHECK(strstr(text, "13,000.00 RON"));
    CHECK(strstr(text, "Amendment history (2)")); /* end_date, amount_cents */
    CHECK(strstr(text, "indexare preț"));
    CHECK(strstr(text, "12,345.67 RON")); /* the amount before */
    CHECK(strstr(text, "Documents (1)"));
    CHECK(strstr(text, "contract semnat — ștampilă.txt"));
    /* its row: name, type, size, when, and who attached it, last */
    static const char by[] = " " IT_EDITOR_USER;
    const char *row = strstr(text, "ștampilă.txt");
    const char *eol = row ? strchr(row, '\n') : NULL;
    const char *type = row ? strstr(row, "text/plain") : NULL;
    CHECKF(eol && type && type < eol && eol - row > (ptrdiff_t)sizeof by &&
               memcmp(eol - (sizeof by - 1), by, sizeof by - 1) == 0,
           "document row: %.*s", eol ? (int)(eol - row) : 0, row ? row : "");
    CHECKF(eol && memchr(row, ':', (size_t)(eol - row)), "the time it was added is cut");
    CHECK(!strstr(text, "ciornă.txt")); /* deleted: not listed */
    json_decref(kept);
    json_decref(gone);
    CHECK(strstr(text, "Page 1 of 1"));
    /* nothing drawn over anything else; an amendment's date on one line */
    CHECK(pdf_overlaps("report.pdf") == 0);
    json_t *sups = it_call(vi, "supplements.list",
                           json_pack("{s:s}", "contract_id", it_str(fixture[0], "id")), NULL);
    const char *day = it_str(json_array_get(json_object_get(sups, "items"), 0), "effective_date");
    char first[64];
    snprintf(first, sizeof first, "\n%s ", day ? day : "?"); /* the table's first column */
    CHECKF(strstr(text, first), "no amendment row starts with the whole date %s", day);
    json_decref(sups);
    free(text);
    json_decref(made);
    free(b.data);

    /* a long description flows over pages: every page says n of N */
    char desc[10001];
    size_t o = 0;
    for (int line = 0; o + 80 < sizeof desc; line++)
        o += (size_t)snprintf(desc + o, sizeof desc - o, "Rând %03d: obligații și condiții.\n",
                              line);
    json_t *c =
        it_contract_create(ed, json_pack("{s:s, s:s}", "number", "L-001", "description", desc));
    REQUIRE(c);
    made =
        it_export(vi, json_pack("{s:s, s:s}", "format", "pdf", "contract_id", it_str(c, "id")), &b);
    REQUIRE(made);
    text = pdf_text(&b, "long.pdf", &pages);
    CHECKF(pages >= 3, "pages %d", pages);
    for (int p = 1; p <= pages; p++) {
        char want[32];
        snprintf(want, sizeof want, "Page %d of %d", p, pages);
        CHECKF(strstr(text, want), "no \"%s\"", want);
    }
    CHECK(strstr(text, "Rând 000") && strstr(text, "Rând 250"));
    CHECK(strstr(text, "Amendment history (0)"));
    free(text);
    json_decref(made);
    json_decref(c);
    free(b.data);
}

int main(void)
{
    it_setup("it_export");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    make_fixture(ed);
    test_csv(vi, 0);
    test_csv(vi, 1);
    test_csv_formulas(ed, vi);
    test_filters(vi);
    test_small_chunks(vi);
    test_xlsx(vi);
    test_pdf_list(ed, vi);
    test_pdf_report(ed, vi);

    for (int i = 0; i < 3; i++)
        json_decref(fixture[i]);
    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
