/*
 * UUID text checks and UUIDv7 generation.  Contract ids are UUIDs so that a
 * client can create a record offline and keep its id; v7 (time-ordered)
 * keeps SQLite's index appends local.  The caller brings the time and the
 * randomness: this library does no I/O.
 */
#include <string.h>

#include "internal.h"

/*
 * Canonical text form only: 36 characters, lowercase hex, hyphens at 8, 13,
 * 18 and 23.  Version and variant bits are not checked, so ids made by any
 * UUID generator are accepted as long as they are written canonically: one
 * id has one spelling, and string comparison is identity.
 */
int pacta_valid_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/*
 * RFC 9562 UUIDv7: 48-bit big-endian Unix milliseconds, version 7, 12 random
 * bits, variant 10, 62 random bits.  74 of the 80 supplied random bits are
 * used.
 */
void pacta_uuid_v7(char out[37], uint64_t unix_ms, const uint8_t random10[10])
{
    uint8_t b[16];
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(unix_ms >> (8 * (5 - i)));
    b[6] = (uint8_t)(0x70 | (random10[0] & 0x0F));
    b[7] = random10[1];
    b[8] = (uint8_t)(0x80 | (random10[2] & 0x3F));
    memcpy(b + 9, random10 + 3, 7);

    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0F];
    }
    out[o] = '\0';
}
