/*
 * Small helpers of the backup code (backup_file.c, backup_docs.c,
 * backup_key.c): lower-case hex of byte strings, and whole reads that tell
 * a file that ended from a read that failed.
 */
#ifndef PACTA_SRV_BACKUP_UTIL_H
#define PACTA_SRV_BACKUP_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The backup code's error exit: the message into err (errlen), code into
 * rc, then the function's `out:` cleanup. */
#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        rc = (code);                                                                               \
        goto out;                                                                                  \
    } while (0)

/* out gets 2n hex digits and a NUL. */
void srv__bk_hex_encode(const uint8_t *in, size_t n, char *out);
/* s must be exactly 2n hex digits (either case): 0, else -1. */
int srv__bk_hex_decode(const char *s, uint8_t *out, size_t n);
/*
 * Reads len bytes: 0, 1 when the file ended first, -1 on a read error
 * (errno).  Tests make reads past an offset of the file fail with EIO
 * (PACTA_TEST_BACKUP_EIO_AT): a failing disk.
 */
int srv__bk_read_full(int fd, void *buf, size_t len);

#endif
