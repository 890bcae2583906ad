/*
 * documents_mime.c: what a document is, by its bytes.  Table-driven: each
 * case is a file's content and the type the server must give it; then ZIP
 * containers (OOXML by their central directory, ODF by their stored
 * "mimetype" entry, anything else a plain zip) and the type allowlist.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "documents-private.h"
#include "test.h"

static char tmp_path[] = "/tmp/pacta-mime-XXXXXX";

static const char *sniff(const void *data, size_t n)
{
    int fd = open(tmp_path, O_RDWR | O_TRUNC);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, data, n) == (ssize_t)n);
    const char *type = srv__docs_sniff(fd, (int64_t)n);
    close(fd);
    return type;
}

/* ---- a tiny ZIP writer: stored entries, a central directory, the end record ---- */

struct zip {
    uint8_t buf[8192], cd[4096];
    size_t n, cdn;
    int entries;
};

static void le(uint8_t *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void zip_add(struct zip *z, const char *name, const char *data)
{
    size_t nl = strlen(name), dl = strlen(data);
    uint8_t *h = z->buf + z->n, *c = z->cd + z->cdn;
    memset(h, 0, 30);
    le(h, 0x04034b50, 4);
    le(h + 18, (uint32_t)dl, 4); /* compressed size (stored) */
    le(h + 22, (uint32_t)dl, 4);
    le(h + 26, (uint32_t)nl, 2);
    memcpy(h + 30, name, nl);
    memcpy(h + 30 + nl, data, dl);
    memset(c, 0, 46);
    le(c, 0x02014b50, 4);
    le(c + 20, (uint32_t)dl, 4);
    le(c + 24, (uint32_t)dl, 4);
    le(c + 28, (uint32_t)nl, 2);
    le(c + 42, (uint32_t)z->n, 4); /* where its local header is */
    memcpy(c + 46, name, nl);
    z->n += 30 + nl + dl;
    z->cdn += 46 + nl;
    z->entries++;
}

static size_t zip_end(struct zip *z)
{
    size_t cd_off = z->n;
    memcpy(z->buf + z->n, z->cd, z->cdn);
    z->n += z->cdn;
    uint8_t *e = z->buf + z->n;
    memset(e, 0, 22);
    le(e, 0x06054b50, 4);
    le(e + 8, (uint32_t)z->entries, 2);
    le(e + 10, (uint32_t)z->entries, 2);
    le(e + 12, (uint32_t)z->cdn, 4);
    le(e + 16, (uint32_t)cd_off, 4);
    z->n += 22;
    return z->n;
}

static void check_zip(const char *const *names, const char *mimetype, const char *want)
{
    struct zip z = {0};
    if (mimetype)
        zip_add(&z, "mimetype", mimetype);
    for (int i = 0; names[i]; i++)
        zip_add(&z, names[i], "<xml/>");
    zip_end(&z);
    const char *got = sniff(z.buf, z.n);
    CHECKF(strcmp(got, want) == 0, "zip with %s: %s, want %s", names[0] ? names[0] : "-", got,
           want);
}

int main(void)
{
    int fd = mkstemp(tmp_path);
    REQUIRE(fd >= 0);
    close(fd);

    static const struct {
        const char *what;
        const char *data;
        size_t len; /* 0: strlen */
        const char *want;
    } cases[] = {
        {"pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 0, "application/pdf"},
        {"pdf after junk", "\r\n\r\n%PDF-1.4\n", 0, "application/pdf"},
        {"png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 17, "image/png"},
        {"jpeg", "\xff\xd8\xff\xe0\0\x10JFIF", 10, "image/jpeg"},
        {"tiff le", "II*\0\x08\0\0\0", 8, "image/tiff"},
        {"tiff be", "MM\0*\0\0\0\x08", 8, "image/tiff"},
        {"text", "Contrato de limpieza\nCláusula 1: año 2026.\r\n\tFin\f", 0, "text/plain"},
        {"text with bom", "\xef\xbb\xbfhola", 0, "text/plain"},
        {"nul", "hola\0mundo", 10, "application/octet-stream"},
        {"control", "hola\x01mundo", 0, "application/octet-stream"},
        {"bad utf-8", "hol\xc3\x28", 0, "application/octet-stream"},
        {"overlong", "\xc0\xaf", 0, "application/octet-stream"},
        {"surrogate", "\xed\xa0\x80", 0, "application/octet-stream"},
        {"cut at the end", "caf\xc3", 0, "application/octet-stream"},
        {"elf",
         "\x7f"
         "ELF\x02\x01\x01",
         7, "application/octet-stream"},
        {"empty", "", 0, "application/octet-stream"},
        {"zip, no directory", "PK\3\4garbage", 0, "application/zip"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].len ? cases[i].len : strlen(cases[i].data);
        const char *got = sniff(cases[i].data, n);
        CHECKF(strcmp(got, cases[i].want) == 0, "%s: %s, want %s", cases[i].what, got,
               cases[i].want);
    }
    /* a long text is checked to its end, piece by piece, with characters
     * cut between pieces (the head is 64 KiB) */
    size_t bn = 200001;
    char *big = malloc(bn + 1);
    big[0] = 'a';
    for (size_t i = 1; i + 1 < bn; i += 2)
        memcpy(big + i, "\xc3\xa9", 2); /* a é é é ...: 64 KiB ends inside one */
    CHECK_STR(sniff(big, bn), "text/plain");
    CHECK_STR(sniff(big + 2, bn - 2), "application/octet-stream"); /* starts mid-character */
    CHECK_STR(sniff(big, 65537), "text/plain");
    CHECK_STR(sniff(big, 65538), "application/octet-stream"); /* ends mid-character */
    /* text for 64 KiB, then something else: not text (before, the head
     * decided, so an executable or a ZIP behind 64 KiB of text passed as
     * text/plain) */
    memcpy(big + 70001,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    CHECK_STR(sniff(big, bn), "application/octet-stream");
    memcpy(big + 70001, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3", 7);
    big[bn - 3] = '\0'; /* a NUL near the end */
    CHECK_STR(sniff(big, bn), "application/octet-stream");
    free(big);

    static const char *const docx[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml",
                                       NULL};
    static const char *const xlsx[] = {"[Content_Types].xml", "xl/workbook.xml", NULL};
    static const char *const pptx[] = {"ppt/presentation.xml", "[Content_Types].xml", NULL};
    static const char *const no_types[] = {"word/document.xml", NULL};
    static const char *const odt[] = {"content.xml", "META-INF/manifest.xml", NULL};
    static const char *const none[] = {NULL};
    check_zip(docx, NULL,
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    check_zip(xlsx, NULL, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    check_zip(pptx, NULL,
              "application/vnd.openxmlformats-officedocument.presentationml.presentation");
    check_zip(no_types, NULL, "application/zip");
    check_zip(odt, "application/vnd.oasis.opendocument.text",
              "application/vnd.oasis.opendocument.text");
    check_zip(odt, "application/vnd.oasis.opendocument.spreadsheet",
              "application/vnd.oasis.opendocument.spreadsheet");
    check_zip(odt, "application/x-something", "application/zip");
    check_zip(none, NULL, "application/octet-stream"); /* empty: only the end record, no PK34 */

    /* the allowlist */
    const char *list = "application/pdf, image/*,text/plain";
    CHECK(srv__docs_type_allowed(list, "application/pdf"));
    CHECK(srv__docs_type_allowed(list, "APPLICATION/PDF"));
    CHECK(srv__docs_type_allowed(list, "image/tiff"));
    CHECK(srv__docs_type_allowed(list, "text/plain"));
    CHECK(!srv__docs_type_allowed(list, "application/zip"));
    CHECK(!srv__docs_type_allowed(list, "text/plainx"));
    CHECK(!srv__docs_type_allowed(list, "imagex/png"));
    CHECK(!srv__docs_type_allowed(list, "application/pd"));
    CHECK(srv__docs_type_allowed("*", "application/octet-stream"));
    CHECK(!srv__docs_type_allowed("", "application/pdf"));

    unlink(tmp_path);
    return test_summary();
}
