/*
 * Lower-case hex of byte strings, for the backup file code (nonces, SHA-256
 * digests) and the backup key (backup_key.c).
 */
#ifndef PACTA_SRV_BACKUP_HEX_H
#define PACTA_SRV_BACKUP_HEX_H

#include <stddef.h>
#include <stdint.h>

/* out gets 2n hex digits and a NUL. */
void srv__bk_hex_encode(const uint8_t *in, size_t n, char *out);
/* s must be exactly 2n hex digits (either case): 0, else -1. */
int srv__bk_hex_decode(const char *s, uint8_t *out, size_t n);

#endif
