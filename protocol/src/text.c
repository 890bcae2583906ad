/*
 * Text rules shared by every string the protocol accepts: length in code
 * points (what a user counts, and what SQLite's length() counts), control
 * characters, and "not blank".  Input is always valid UTF-8 here, because
 * jansson rejects invalid UTF-8 and \u0000 while parsing.
 */
#include <string.h>

#include "internal.h"

size_t pacta__utf8_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) /* not a continuation byte */
            n++;
    return n;
}

/* Returns the code point starting at *p (valid UTF-8) and advances *p. */
static unsigned long next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned long cp;
    int extra;
    if (s[0] < 0x80) {
        cp = s[0];
        extra = 0;
    } else if ((s[0] & 0xE0) == 0xC0) {
        cp = s[0] & 0x1F;
        extra = 1;
    } else if ((s[0] & 0xF0) == 0xE0) {
        cp = s[0] & 0x0F;
        extra = 2;
    } else {
        cp = s[0] & 0x07;
        extra = 3;
    }
    s++;
    for (int i = 0; i < extra && (*s & 0xC0) == 0x80; i++, s++)
        cp = (cp << 6) | (*s & 0x3F);
    *p = s;
    return cp;
}

/* C0 controls, DEL and the C1 controls U+0080..U+009F. */
static int is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int is_space(unsigned long cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || cp == 0x3000 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0xFEFF;
}

int pacta__check_text(const char *s, size_t min, size_t max, unsigned rules, const char *field,
                      struct pacta_error *err)
{
    size_t len = (rules & PACTA__TEXT_BYTES) ? strlen(s) : pacta__utf8_length(s);
    const char *unit = (rules & PACTA__TEXT_BYTES) ? "bytes" : "characters";
    if (len < min) {
        if (min == 1)
            return pacta_error_set(err, PACTA_BAD_REQUEST, field, "must not be empty");
        return pacta_error_set(err, PACTA_BAD_REQUEST, field, "must be at least %zu %s", min, unit);
    }
    if (len > max)
        return pacta_error_set(err, PACTA_BAD_REQUEST, field, "must be at most %zu %s", max, unit);

    int blank = 1;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned long cp = next_code_point(&p);
        if (!is_space(cp))
            blank = 0;
        if (!is_control(cp))
            continue;
        if ((rules & PACTA__TEXT_MULTI_LINE) && (cp == '\n' || cp == '\t'))
            continue;
        if (rules & PACTA__TEXT_SINGLE_LINE)
            return pacta_error_set(err, PACTA_BAD_REQUEST, field,
                                   "must not contain control characters");
        if (rules & PACTA__TEXT_MULTI_LINE)
            return pacta_error_set(err, PACTA_BAD_REQUEST, field,
                                   "must not contain control characters other than newline "
                                   "and tab");
    }
    if ((rules & PACTA__TEXT_NOT_BLANK) && blank && len > 0)
        return pacta_error_set(err, PACTA_BAD_REQUEST, field, "must not be blank");
    return 0;
}
