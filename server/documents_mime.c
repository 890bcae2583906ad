/*
 * What a document is, by its bytes (never by its name or what the client
 * said), and whether the server accepts that type (--documents-types).
 *
 *   %PDF- in the first 1024 bytes     application/pdf (readers accept a
 *                                     little junk before the header)
 *   89 50 4E 47 0D 0A 1A 0A           image/png
 *   FF D8 FF                          image/jpeg
 *   II*\0 | MM\0*                     image/tiff
 *   PK\3\4 ... central directory      OOXML (word/, xl/, ppt/ with
 *                                     [Content_Types].xml), ODF (a stored
 *                                     "mimetype" entry), else application/zip
 *   UTF-8 without NUL or controls     text/plain (tab, line feed, carriage
 *   other than \t \n \r \f            return and form feed allowed; a BOM too),
 *   in the whole file                 checked to the last byte
 *   anything else                     application/octet-stream
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "documents-private.h"

#define HEAD_BYTES 65536
#define ZIP_EOCD_MAX (22 + 65535)
#define ZIP_CD_MAX (4 << 20)

#define MIME_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define MIME_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define MIME_PPTX "application/vnd.openxmlformats-officedocument.presentationml.presentation"

static const char *const odf_types[] = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics",
    NULL,
};

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static ssize_t read_at(int fd, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* An ODF package starts with an uncompressed "mimetype" entry whose data
 * is the type itself. */
static const char *odf_type(int fd, int64_t size, uint32_t local_off)
{
    uint8_t h[30 + 8 + 100];
    if ((int64_t)local_off + 30 > size)
        return NULL;
    ssize_t n = read_at(fd, h, sizeof h, local_off);
    if (n < 30 || le32(h) != 0x04034b50 || le16(h + 8) != 0)
        return NULL;
    size_t data = 30 + le16(h + 26) + le16(h + 28), len = le32(h + 18);
    if (data >= (size_t)n)
        return NULL;
    for (int i = 0; odf_types[i]; i++) {
        size_t tl = strlen(odf_types[i]);
        if (len == tl && data + tl <= (size_t)n && memcmp(h + data, odf_types[i], tl) == 0)
            return odf_types[i];
    }
    return NULL;
}

/* Reads the central directory (found from the end-of-central-directory
 * record) and decides by the entries' names. */
static const char *zip_type(int fd, int64_t size)
{
    static const char *const fallback = "application/zip";
    size_t tail_len = size < ZIP_EOCD_MAX ? (size_t)size : ZIP_EOCD_MAX;
    uint8_t *tail = malloc(tail_len), *cd = NULL;
    const char *type = fallback;
    int has_types = 0, word = 0, xl = 0, ppt = 0;

    if (!tail)
        abort();
    if (read_at(fd, tail, tail_len, size - (int64_t)tail_len) != (ssize_t)tail_len)
        goto out;
    ssize_t e = (ssize_t)tail_len - 22;
    while (e >= 0 && le32(tail + e) != 0x06054b50)
        e--;
    if (e < 0)
        goto out;
    uint32_t cd_size = le32(tail + e + 12), cd_off = le32(tail + e + 16);
    uint32_t entries = le16(tail + e + 10);
    if (cd_size > ZIP_CD_MAX || (int64_t)cd_off + cd_size > size)
        goto out;
    if (!(cd = malloc(cd_size ? cd_size : 1)))
        abort();
    if (read_at(fd, cd, cd_size, cd_off) != (ssize_t)cd_size)
        goto out;
    size_t p = 0;
    for (uint32_t i = 0; i < entries && p + 46 <= cd_size; i++) {
        if (le32(cd + p) != 0x02014b50)
            break;
        size_t nlen = le16(cd + p + 28), elen = le16(cd + p + 30), clen = le16(cd + p + 32);
        if (p + 46 + nlen > cd_size)
            break;
        const char *name = (const char *)cd + p + 46;
#define IS(s) (nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)
        if (IS("mimetype")) {
            const char *odf = odf_type(fd, size, le32(cd + p + 42));
            if (odf) {
                type = odf;
                goto out;
            }
        }
        has_types |= IS("[Content_Types].xml");
        word |= IS("word/document.xml");
        xl |= IS("xl/workbook.xml");
        ppt |= IS("ppt/presentation.xml");
#undef IS
        p += 46 + nlen + elen + clen;
    }
    if (has_types)
        type = word ? MIME_DOCX : xl ? MIME_XLSX : ppt ? MIME_PPTX : fallback;
out:
    free(tail);
    free(cd);
    return type;
}

/* Valid UTF-8 with no control characters but \t \n \r \f, from s[i]:
 * the number of bytes checked (n, or less by a sequence cut at the end,
 * which the next piece completes), or -1 if it is not text. */
static ssize_t text_run(const uint8_t *s, size_t n, size_t i)
{
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
                return -1;
            i++;
            continue;
        }
        size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        if (!len || c > 0xF4)
            return -1;
        if (i + len > n)
            return (ssize_t)i;
        uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        /* overlong forms, surrogates, beyond U+10FFFF; C1 controls */
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
            return -1;
        i += len;
    }
    return (ssize_t)n;
}

/*
 * The whole file is text (its head `h` of n bytes read already): every
 * byte is checked, not just the head, or 64 KiB of text would carry an
 * executable or an archive (a ZIP is read from its end) past the allowlist
 * as text/plain.  Pool thread: it reads the file once more, like the hash.
 */
static int is_text(int fd, int64_t size, const uint8_t *h, size_t n)
{
    size_t start = n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF ? 3 : 0;
    ssize_t ok = text_run(h, n, start);
    if (ok < 0)
        return 0;
    if ((int64_t)n == size)
        return (size_t)ok == n;
    uint8_t *buf = malloc(HEAD_BYTES + 4);
    size_t carry = n - (size_t)ok; /* a sequence cut by the head: at most 3 bytes */
    int64_t off = (int64_t)n;
    int text = 1;
    if (!buf)
        abort();
    memcpy(buf, h + ok, carry);
    while (text && off < size) {
        size_t want = size - off < HEAD_BYTES ? (size_t)(size - off) : HEAD_BYTES;
        if (read_at(fd, buf + carry, want, off) != (ssize_t)want) {
            text = 0;
            break;
        }
        off += (int64_t)want;
        ok = text_run(buf, carry + want, 0);
        if (ok < 0) {
            text = 0;
            break;
        }
        size_t left = carry + want - (size_t)ok;
        if (left > 3) { /* never: a cut sequence is at most 3 bytes */
            text = 0;
            break;
        }
        memmove(buf, buf + ok, left);
        carry = left;
    }
    free(buf);
    return text && carry == 0;
}

const char *srv__docs_sniff(int fd, int64_t size)
{
    static uint8_t zero;
    size_t n = size < HEAD_BYTES ? (size_t)size : HEAD_BYTES;
    uint8_t *h = n ? malloc(n) : &zero;
    const char *type = "application/octet-stream";

    if (!h)
        abort();
    if (n == 0 || read_at(fd, h, n, 0) != (ssize_t)n)
        goto out;
    size_t pdf_scan = n < 1024 ? n : 1024;
    if (n >= 8 && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0)
        type = "image/png";
    else if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        type = "image/jpeg";
    else if (n >= 4 && (memcmp(h, "II*\0", 4) == 0 || memcmp(h, "MM\0*", 4) == 0))
        type = "image/tiff";
    else if (pdf_scan >= 5 && memmem(h, pdf_scan, "%PDF-", 5))
        type = "application/pdf";
    else if (n >= 4 && memcmp(h, "PK\3\4", 4) == 0)
        type = zip_type(fd, size);
    else if (is_text(fd, size, h, n))
        type = "text/plain";
out:
    if (n)
        free(h);
    return type;
}

int srv__docs_type_allowed(const char *list, const char *mime)
{
    const char *p = list, *slash = strchr(mime, '/');
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if ((len == 1 && *p == '*') || (len == strlen(mime) && strncasecmp(p, mime, len) == 0) ||
            (slash && len >= 2 && p[len - 1] == '*' && p[len - 2] == '/' &&
             len - 1 == (size_t)(slash - mime) + 1 && strncasecmp(p, mime, len - 1) == 0))
            return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}
