/*
 * Text in and out of pactactl: money amounts as exact integers of minor
 * units (never through a double, so 0.1 + 0.2 stays 0.30), and table cells
 * measured in characters rather than bytes so UTF-8 titles line up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pacta/protocol.h>

#include "ctl.h"

/* The minor unit's digits come from libpacta-protocol (one table for all). */
int ctl__currency_digits(const char *currency)
{
    return pacta_currency_digits(currency);
}

int ctl__parse_int64(const char *s, int64_t *out)
{
    char *end;
    if (!s || !*s || *s == ' ')
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/*
 * Accepts digits with optional "," thousands separators (every three digits:
 * "1,234,567"; a decimal comma is refused, not misread) and an optional "."
 * followed by at most `digits` decimals.  Negative amounts are rejected: the
 * schema allows 0..10^15 only.
 */
int ctl__parse_amount(const char *text, int digits, int64_t *out)
{
    const int64_t limit = INT64_MAX / 10 - 9;
    int64_t v = 0;
    int seen_digit = 0, decimals = -1;
    /* digits of the integer part since the last ",", and how many ","
     * there were: a "," must group thousands (1-3 digits, then exactly 3
     * each), else "12500,50" (a decimal comma) would read as 1250050 */
    int group = 0, commas = 0;
    const char *p = text;
    if (!p || !*p)
        return -1;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (decimals >= 0 && ++decimals > digits)
                return -1;
            if (decimals < 0)
                group++;
            if (v > limit)
                return -1;
            v = v * 10 + (*p - '0');
            seen_digit = 1;
        } else if (*p == ',' && decimals < 0 && seen_digit) {
            if (commas ? group != 3 : group > 3)
                return -1;
            commas++;
            group = 0;
        } else if (*p == '.' && decimals < 0 && digits > 0) {
            if (commas && group != 3)
                return -1;
            decimals = 0;
        } else {
            return -1;
        }
    }
    if (!seen_digit || (commas && decimals < 0 && group != 3))
        return -1;
    for (int d = decimals < 0 ? 0 : decimals; d < digits; d++) {
        if (v > limit)
            return -1;
        v *= 10;
    }
    *out = v;
    return 0;
}

void ctl__format_amount(int64_t minor, const char *currency, char *out, size_t outlen)
{
    int digits = ctl__currency_digits(currency);
    char raw[32], grouped[48];
    int neg = minor < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    uint64_t scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    snprintf(raw, sizeof(raw), "%llu", (unsigned long long)(u / scale));
    /* Insert a "," every three digits from the right. */
    size_t n = strlen(raw), j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[j++] = ',';
        grouped[j++] = raw[i];
    }
    grouped[j] = '\0';
    /* The fraction, zero-padded to the currency's digits (at most 4). */
    char frac[8] = "";
    uint64_t f = u % scale;
    if (digits > 0) {
        frac[0] = '.';
        for (int i = digits; i >= 1; i--, f /= 10)
            frac[i] = (char)('0' + f % 10);
        frac[digits + 1] = '\0';
    }
    snprintf(out, outlen, "%s%s%s%s%s", neg ? "-" : "", grouped, frac, currency ? " " : "",
             currency ? currency : "");
}

size_t ctl__text_width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

void ctl__print_cell(const char *s, size_t width, int right)
{
    if (!s)
        s = "";
    size_t w = ctl__text_width(s);
    if (w > width) {
        /* Cut at a character boundary, leaving room for the ellipsis. */
        size_t keep = width ? width - 1 : 0, chars = 0;
        const char *p = s;
        while (*p && chars < keep) {
            p++;
            while (((unsigned char)*p & 0xc0) == 0x80)
                p++;
            chars++;
        }
        fwrite(s, 1, (size_t)(p - s), stdout);
        if (width)
            fputs("…", stdout);
        return;
    }
    if (right)
        printf("%*s%s", (int)(width - w), "", s);
    else
        printf("%s%*s", s, (int)(width - w), "");
}
