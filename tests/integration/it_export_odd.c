/*
 * it_export_odd: exports of contracts whose texts are valid for the
 * protocol (§4) but odd for the file formats (PROTOCOL.md §6.31), read
 * back by tools that are not ours.
 *
 *  - XLSX: U+FFFE and U+FFFF are valid UTF-8 and valid text for the
 *    protocol, but not characters XML 1.0 may hold; the sheet must still
 *    be well-formed XML (xmllint) and keep them as OOXML's _xHHHH_
 *    escapes.  A text that itself looks like such an escape ("_x0041_",
 *    which Excel would show as "A") is written with its underscore
 *    escaped, so it reads back as written.
 *  - PDF contract report: a number of 64 characters whose UTF-8 passes
 *    64 bytes (accents) is laid out whole, and the file is made (the
 *    heading and the PDF's title were cut inside a character, and cairo
 *    refused the title: internal error); one holding a noncharacter
 *    (U+FFFF, U+FDD0, ...) too, whose title has U+FFFD in its place.
 */
#include <string.h>

#include "it_export_util.h"

/* 0 if xmllint finds the file well-formed. */
static int xml_well_formed(const char *path)
{
    char *err = NULL;
    char *argv[] = {"/usr/bin/xmllint", "--noout", (char *)path, NULL};
    int rc = it_run(argv, NULL, 30000, NULL, &err);
    if (rc != 0)
        fprintf(stderr, "xmllint %s: %s\n", path, err ? err : "");
    free(err);
    return rc;
}

static void test_xlsx_noncharacters(struct ctl_client *ed, struct ctl_client *vi)
{
    /* U+FFFF and U+FFFE (EF BF BF, EF BF BE), and a text shaped like an escape */
    json_t *c = it_contract_create(ed, json_pack("{s:s, s:s, s:s, s:s}", "number", "X-001", "title",
                                                 "odd \xEF\xBF\xBF here \xEF\xBF\xBE",
                                                 "counterparty", "_x0041_ Ltd", "description",
                                                 "line \xEF\xBF\xBF\n_x005F_"));
    REQUIRE(c);
    struct blob b;
    json_t *made = it_export(
        vi, json_pack("{s:s, s:{s:s}}", "format", "xlsx", "filters", "text", "X-001"), &b);
    REQUIRE(made);
    CHECK(it_int(made, "rows") == 1);
    char path[600], sheet_path[600];
    snprintf(path, sizeof path, "%s/odd.xlsx", it_tmp_dir());
    snprintf(sheet_path, sizeof sheet_path, "%s/odd-sheet1.xml", it_tmp_dir());
    it_write_file(path, &b);
    char *sheet = unzip_member(path, "xl/worksheets/sheet1.xml");
    REQUIRE(sheet);
    struct blob s = {(unsigned char *)sheet, strlen(sheet)};
    it_write_file(sheet_path, &s);
    CHECKF(xml_well_formed(sheet_path) == 0, "the sheet of a title with U+FFFF is not XML");
    CHECK(!strstr(sheet, "\xEF\xBF\xBF") && !strstr(sheet, "\xEF\xBF\xBE"));
    CHECKF(strstr(sheet, "odd _xFFFF_ here _xFFFE_"), "title not escaped: %s", sheet);
    CHECKF(strstr(sheet, "_x005F_x0041_ Ltd"), "counterparty's _x0041_ not escaped");
    CHECKF(strstr(sheet, "line _xFFFF_\n_x005F_x005F_"), "description not escaped");
    free(sheet);
    free(b.data);
    json_decref(made);
    json_decref(c);
}

/* A description of 10,000 U+FFFF (the most the protocol allows): its
 * escapes would pass a cell's 32,767 characters, so the export must
 * still be made (the cell then holds U+FFFD instead). */
static void test_xlsx_long_noncharacters(struct ctl_client *ed, struct ctl_client *vi)
{
    char *desc = malloc(10000 * 3 + 1);
    REQUIRE(desc);
    for (int i = 0; i < 10000; i++)
        memcpy(desc + 3 * i, "\xEF\xBF\xBF", 3);
    desc[30000] = '\0';
    json_t *c = it_contract_create(
        ed, json_pack("{s:s, s:s, s:s}", "number", "X-002", "title", "long", "description", desc));
    free(desc);
    REQUIRE(c);
    struct blob b;
    json_t *made = it_export(
        vi, json_pack("{s:s, s:{s:s}}", "format", "xlsx", "filters", "text", "X-002"), &b);
    CHECKF(made != NULL, "xlsx export of a description of 10,000 U+FFFF failed");
    if (made) {
        char path[600], sheet_path[600];
        snprintf(path, sizeof path, "%s/odd-long.xlsx", it_tmp_dir());
        snprintf(sheet_path, sizeof sheet_path, "%s/odd-long-sheet1.xml", it_tmp_dir());
        it_write_file(path, &b);
        char *sheet = unzip_member(path, "xl/worksheets/sheet1.xml");
        REQUIRE(sheet);
        struct blob s = {(unsigned char *)sheet, strlen(sheet)};
        it_write_file(sheet_path, &s);
        CHECK(xml_well_formed(sheet_path) == 0);
        CHECK(strstr(sheet, "\xEF\xBF\xBD\xEF\xBF\xBD"));
        free(sheet);
        free(b.data);
    }
    json_decref(made);
    json_decref(c);
}

static void test_report_long_number(struct ctl_client *ed, struct ctl_client *vi)
{
    /* "N" and 63 "ș" (2 bytes each): 64 characters, 127 bytes */
    char number[200] = "N";
    for (int i = 0; i < 63; i++)
        strcat(number, "ș");
    json_t *c = it_contract_create(ed, json_pack("{s:s, s:s}", "number", number, "title", "t"));
    REQUIRE(c);
    struct blob b;
    json_t *err = NULL;
    json_t *made =
        it_call(vi, "export.contracts",
                json_pack("{s:s, s:s}", "format", "pdf", "contract_id", it_str(c, "id")), &err);
    CHECKF(made != NULL, "the report of contract %s failed: %s", number,
           err ? it_err_code(err) : "?");
    if (made) {
        CHECK(it_export_download(vi, made, PACTA_EXPORT_CHUNK_MAX, &b) == 0);
        char path[600], *text = NULL;
        snprintf(path, sizeof path, "%s/odd-number.pdf", it_tmp_dir());
        it_write_file(path, &b);
        char *argv[] = {"/usr/bin/pdftotext", "-enc", "UTF-8", path, "-", NULL};
        CHECK(it_run(argv, NULL, 30000, &text, NULL) == 0);
        /* the heading wraps: compared without white space */
        char heading[256];
        snprintf(heading, sizeof heading, "Contract%s", number);
        size_t o = 0;
        for (size_t i = 0; text && text[i]; i++)
            if (!strchr(" \n\r\f", text[i]))
                text[o++] = text[i];
        if (text)
            text[o] = '\0';
        CHECKF(text && strstr(text, heading), "no heading \"%s\"", heading);
        free(text);
        free(b.data);
    }
    json_decref(err);
    json_decref(made);
    json_decref(c);
}

/* Noncharacters (valid UTF-8, valid protocol text) in the number, which
 * is the PDF's title: cairo refused them in the metadata and the whole
 * report failed (internal).  U+FFFF, U+FDD0, U+1FFFE, U+10FFFF. */
static void test_report_noncharacters(struct ctl_client *ed, struct ctl_client *vi)
{
    static const char *const numbers[] = {"NC-1\xEF\xBF\xBF", "NC-2\xEF\xB7\x90",
                                          "NC-3\xF0\x9F\xBF\xBE", "NC-4\xF4\x8F\xBF\xBF"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        json_t *c = it_contract_create(
            ed, json_pack("{s:s, s:s}", "number", numbers[i], "title", "noncharacter"));
        REQUIRE(c);
        json_t *err = NULL;
        json_t *made =
            it_call(vi, "export.contracts",
                    json_pack("{s:s, s:s}", "format", "pdf", "contract_id", it_str(c, "id")), &err);
        CHECKF(made != NULL, "the report of contract %s failed: %s", numbers[i],
               err ? it_err_code(err) : "?");
        if (made) {
            struct blob b;
            CHECK(it_export_download(vi, made, PACTA_EXPORT_CHUNK_MAX, &b) == 0);
            char path[600], *info = NULL;
            snprintf(path, sizeof path, "%s/odd-nc-%zu.pdf", it_tmp_dir(), i);
            it_write_file(path, &b);
            char *argv[] = {"/usr/bin/pdfinfo", path, NULL};
            CHECK(it_run(argv, NULL, 30000, &info, NULL) == 0);
            char want[32];
            snprintf(want, sizeof want, "Contract NC-%zu\xEF\xBF\xBD", i + 1);
            CHECKF(info && strstr(info, want), "pdfinfo has no title %s", want);
            free(info);
            free(b.data);
        }
        json_decref(err);
        json_decref(made);
        json_decref(c);
    }
}

int main(void)
{
    it_setup("it_export_odd");
    struct it_server *srv = it_server_start(NULL);
    it_create_role_users(srv);
    struct ctl_client *ed = it_login(srv, IT_EDITOR_USER, IT_EDITOR_PASSWORD);
    struct ctl_client *vi = it_login(srv, IT_VIEWER_USER, IT_VIEWER_PASSWORD);

    test_xlsx_noncharacters(ed, vi);
    test_xlsx_long_noncharacters(ed, vi);
    test_report_long_number(ed, vi);
    test_report_noncharacters(ed, vi);

    ctl_client_close(vi);
    ctl_client_close(ed);
    return it_done(test_summary());
}
