/*
 * Active ISO 4217 alphabetic currency codes (List One, as amended up to
 * 2025): every code in circulation, plus the fund, precious-metal and
 * supranational codes (BOV, CLF, XAU, XDR, ...).  Left out on purpose: XTS
 * (reserved for testing) and XXX (no currency), which no contract is
 * denominated in, and codes already withdrawn (HRK 2023, SLL 2024, ZWL 2024
 * replaced by ZWG, ANG 2025 replaced by XCG).  Sorted, for bsearch.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char codes[][4] = {
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD",
    "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG",
};

static int compare_code(const void *key, const void *elem)
{
    return strcmp(key, elem);
}

int pacta_valid_currency(const char *s)
{
    if (s == NULL || strlen(s) != 3)
        return 0;
    return bsearch(s, codes, sizeof(codes) / sizeof(codes[0]), sizeof(codes[0]), compare_code) !=
           NULL;
}

/* ISO 4217 currencies whose minor unit is not 1/100 (amount_cents counts
 * that unit: 1 JPY, 1/1000 BHD, 1/10000 CLF). */
static const struct {
    const char code[4];
    int digits;
} minor_units[] = {
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
    {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
    {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
    {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
};

int pacta_currency_digits(const char *currency)
{
    if (currency)
        for (size_t i = 0; i < sizeof(minor_units) / sizeof(minor_units[0]); i++)
            if (strcmp(minor_units[i].code, currency) == 0)
                return minor_units[i].digits;
    return 2;
}
