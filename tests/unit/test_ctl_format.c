/*
 * pactactl's money text: amounts are parsed and printed as exact integers of
 * minor units, by the currency's ISO 4217 digits.  The source is compiled
 * in directly (it has no I/O and no other dependency).
 */
#include "test.h"

#include "../../tools/ctl_format.c"

static void test_parse_amount(void)
{
    static const struct {
        const char *text;
        int digits;
        int ok;
        int64_t want;
    } cases[] = {
        {"1234.56", 2, 1, 123456},
        {"1234.5", 2, 1, 123450},
        {"1234", 2, 1, 123400},
        {"0.1", 2, 1, 10},
        {"0.07", 2, 1, 7},
        {"12,500.00", 2, 1, 1250000},
        {"1,234", 0, 1, 1234},
        {"1.234", 3, 1, 1234},
        {".5", 2, 1, 50},
        {"1.234", 2, 0, 0}, /* too precise for cents */
        {"1.5", 0, 0, 0},   /* JPY has no decimals */
        {"", 2, 0, 0},
        {"-5", 2, 0, 0},
        {"1e3", 2, 0, 0},
        {"1.2.3", 2, 0, 0},
        {",5", 2, 0, 0},
        {" 5", 2, 0, 0},
        {"99999999999999999999", 2, 0, 0}, /* overflow is an error, not a wrap */
        {"10000000000000.00", 2, 1, 1000000000000000LL},
        /* "," only groups thousands: a decimal comma ("12500,50" for
         * 12,500.50 EUR) must not be read as 1,250,050.00 */
        {"1,234,567.89", 2, 1, 123456789},
        {"12500,50", 2, 0, 0},
        {"1,5", 2, 0, 0},
        {"1,2,3", 2, 0, 0},
        {"1234,567", 2, 0, 0},
        {"1,2345", 2, 0, 0},
        {"1,234,", 2, 0, 0},
        {"1,,234", 2, 0, 0},
        {"1,234.5,6", 2, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = -1;
        int rc = ctl__parse_amount(cases[i].text, cases[i].digits, &v);
        CHECKF((rc == 0) == cases[i].ok, "\"%s\" rc %d", cases[i].text, rc);
        if (cases[i].ok)
            CHECKF(v == cases[i].want, "\"%s\" -> %lld", cases[i].text, (long long)v);
    }
}

static void test_format_amount(void)
{
    static const struct {
        int64_t minor;
        const char *cur;
        const char *want;
    } cases[] = {
        {1250000, "EUR", "12,500.00 EUR"},
        {0, "EUR", "0.00 EUR"},
        {7, "USD", "0.07 USD"},
        {123456789, "EUR", "1,234,567.89 EUR"},
        {1234, "JPY", "1,234 JPY"},
        {1234567, "KWD", "1,234.567 KWD"},
        {100000, "EUR", "1,000.00 EUR"},
        {1000000000000000LL, "EUR", "10,000,000,000,000.00 EUR"},
        {-150, "EUR", "-1.50 EUR"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        ctl__format_amount(cases[i].minor, cases[i].cur, buf, sizeof(buf));
        CHECK_STR(buf, cases[i].want);
    }
}

static void test_round_trip(void)
{
    /* What the table prints, --amount must read back to the same cents. */
    static const char *const curs[] = {"EUR", "JPY", "KWD"};
    static const int64_t values[] = {0, 1, 99, 100, 123456, 1000000000000000LL};
    for (size_t c = 0; c < 3; c++)
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
            char buf[64];
            int64_t back = -1;
            ctl__format_amount(values[i], curs[c], buf, sizeof(buf));
            *strchr(buf, ' ') = '\0';
            CHECK(ctl__parse_amount(buf, ctl__currency_digits(curs[c]), &back) == 0);
            CHECKF(back == values[i], "%s %s", buf, curs[c]);
        }
}

static void test_text_width(void)
{
    CHECK(ctl__text_width("abc") == 3);
    CHECK(ctl__text_width("Müller") == 6);
    CHECK(ctl__text_width("") == 0);
    int64_t v;
    CHECK(ctl__parse_int64("42", &v) == 0 && v == 42);
    CHECK(ctl__parse_int64("4x", &v) < 0);
    CHECK(ctl__parse_int64("", &v) < 0);
}

int main(void)
{
    test_parse_amount();
    test_format_amount();
    test_round_trip();
    test_text_width();
    return test_summary();
}
