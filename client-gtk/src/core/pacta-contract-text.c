/*
 * Texts of the desk's contracts that need no PactaContract (declared in
 * pacta-contract.h): amounts and timestamps formatted and parsed, and the
 * folded search text (accents and case) the list filter compares.
 */
#include "pacta-contract.h"

#include <string.h>

#include <pacta/fold.h>
#include <pacta/protocol.h>

char *pacta_format_amount(gint64 amount_cents, const char *currency)
{
    gboolean neg = amount_cents < 0;
    guint64 v = neg ? (guint64)(-(amount_cents + 1)) + 1 : (guint64)amount_cents;
    char digits[32];
    g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v / 100);
    GString *s = g_string_new(neg ? "-" : "");
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            g_string_append_c(s, ',');
        g_string_append_c(s, digits[i]);
    }
    g_string_append_printf(s, ".%02u", (unsigned)(v % 100));
    if (currency && *currency)
        g_string_append_printf(s, " %s", currency);
    return g_string_free(s, FALSE);
}

gboolean pacta_parse_amount(const char *text, gint64 *amount_cents)
{
    if (!text)
        return FALSE;
    g_autofree char *t = g_strstrip(g_strdup(text));
    GString *clean = g_string_new(NULL);
    const char *last_comma = strrchr(t, ',');
    gboolean has_dot = strchr(t, '.') != NULL;
    /* "12,5" / "12,50": a lone comma with one or two digits after it is a
     * decimal comma; otherwise commas (and spaces) group thousands. */
    gboolean decimal_comma = !has_dot && last_comma && strchr(t, ',') == last_comma &&
                             strlen(last_comma + 1) >= 1 && strlen(last_comma + 1) <= 2;
    for (const char *p = t; *p; p++) {
        if (*p == ',' && decimal_comma)
            g_string_append_c(clean, '.');
        else if (*p != ',' && *p != ' ' && *p != '\'')
            g_string_append_c(clean, *p);
    }
    g_autofree char *c = g_string_free(clean, FALSE);
    const char *p = c;
    guint64 whole = 0, frac = 0;
    int nint = 0, nfrac = 0;
    for (; g_ascii_isdigit(*p); p++, nint++) {
        if (whole > 10000000000000ULL)
            return FALSE;
        whole = whole * 10 + (guint64)(*p - '0');
    }
    if (*p == '.') {
        for (p++; g_ascii_isdigit(*p); p++, nfrac++) {
            if (nfrac >= 2)
                return FALSE;
            frac = frac * 10 + (guint64)(*p - '0');
        }
    }
    if (*p || nint + nfrac == 0)
        return FALSE;
    if (nfrac == 1)
        frac *= 10;
    guint64 cents = whole * 100 + frac;
    if (cents > 1000000000000000ULL)
        return FALSE;
    *amount_cents = (gint64)cents;
    return TRUE;
}

char *pacta_format_timestamp(const char *timestamp)
{
    if (!timestamp)
        return g_strdup("");
    g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601(timestamp, NULL);
    if (!utc)
        return g_strdup(timestamp);
    g_autoptr(GDateTime) local = g_date_time_to_local(utc);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    if (g_date_time_get_year(local) == g_date_time_get_year(now) &&
        g_date_time_get_day_of_year(local) == g_date_time_get_day_of_year(now))
        return g_date_time_format(local, "%H:%M");
    return g_date_time_format(local, "%Y-%m-%d %H:%M");
}

/*
 * The key pactad's `text` compares (pacta/fold.h: Latin letters without
 * case or accents, "ß" as "ss", "ł" as "l"), so that the desk's own list and
 * the server's list, which the desk shows past PACTA_DESK_MAX_ROWS, find
 * the same contracts.  GLib's casefold runs first (Greek and Cyrillic,
 * which the key folds the same way since schema 22, and the scripts it
 * does not fold), and control characters are left out, so a search never
 * holds the haystack's field separator.
 */
char *pacta_search_fold(const char *text)
{
    if (!text || !g_utf8_validate(text, -1, NULL))
        return g_strdup(""); /* not UTF-8: matches nothing but the empty search */
    g_autofree char *lower = g_utf8_casefold(text, -1);
    size_t n = strlen(lower);
    char *key = g_malloc(n + 1); /* a key is never longer than its text */
    size_t k = pacta_fold(lower, n, key), o = 0;

    for (size_t i = 0; i < k; i++)
        if ((unsigned char)key[i] >= 0x20 && key[i] != 0x7f)
            key[o++] = key[i];
    key[o] = '\0';
    return key;
}

/*
 * The haystack is made once per row (and again after the row changes): a
 * keystroke searches 100,000 rows, and folding three texts per row per
 * keystroke would cost more than the search.  The folded fields are joined
 * with a control character, which folding removes from every search, so no
 * match spans two fields.
 */
char *pacta_search_haystack_make(const char *number, const char *title, const char *counterparty)
{
    g_autofree char *n = pacta_search_fold(number);
    g_autofree char *t = pacta_search_fold(title);
    g_autofree char *p = pacta_search_fold(counterparty);
    g_autofree char *joined = g_strjoin("\x1f", n, t, p, NULL);
    return g_ref_string_new(joined);
}
