/*
 * Small helpers of the backup code (backup_file.c, backup_docs.c,
 * backup_key.c): hex of byte strings and whole reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backup_util.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void srv__bk_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int srv__bk_hex_decode(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* Tests inject a failing disk: reads of a backup file past this offset
 * fail with EIO (PACTA_TEST_BACKUP_EIO_AT). */
static uint64_t eio_at(void)
{
    const char *v = getenv("PACTA_TEST_BACKUP_EIO_AT");
    return v && *v ? strtoull(v, NULL, 10) : 0;
}

int srv__bk_read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    uint64_t lim = eio_at();
    if (lim) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (pos >= 0 && (uint64_t)pos + len > lim) {
            errno = EIO;
            return -1;
        }
    }
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 1;
        got += (size_t)n;
    }
    return 0;
}
