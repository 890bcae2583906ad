/*
 * Contracts that look like real ones, for the desk benches: numbers
 * D-000001.., a few dozen counterparties, both kinds, three statuses, end
 * dates years ahead.  desk_load sends them to a pactad; desk_models feeds
 * them straight into the desk's list models.
 */
#ifndef PACTA_BENCH_DESK_RECORDS_H
#define PACTA_BENCH_DESK_RECORDS_H

#include <stdio.h>

#include <jansson.h>

static const char *const desk_counterparties[] = {
    "ACME Logistics SRL", "Brite Services SRL", "Carpathia Foods SA",   "Delta Print GmbH",
    "Eastwind Energy",    "Fjord Analytics AS", "Granit Construct",     "Helios Solar BV",
    "Iris Consulting",    "Jupiter Telecom",    "Kestrel Security",     "Lumen Lighting Ltd",
    "Meridian Travel",    "Nordic Paper AB",    "Orion Software",       "Pioneer Cleaning",
    "Quarry & Stone",     "Riverbank Catering", "Summit Legal LLP",     "Tundra Freight",
    "Umbra Design",       "Vega Medical",       "Willow Office Supply", "Xenon Labs",
    "Yarrow Insurance",   "Zenith Facilities",
};
static const char *const desk_subjects[] = {
    "Office cleaning", "Software licence", "Freight forwarding", "Catering",    "Security",
    "Printing",        "Legal retainer",   "Electricity supply", "Maintenance", "Consulting",
    "Travel booking",  "Paper supply",     "Cloud hosting",      "Insurance",   "Facility rent",
};
static const char *const desk_statuses[] = {"draft", "active", "active", "terminated"};

#define DESK_LEN(a) (int)(sizeof(a) / sizeof *(a))

/* The writable fields of contract n, as contracts.create takes them. */
static inline json_t *desk_record_fields(int n)
{
    char number[32], title[128], end[16];
    snprintf(number, sizeof number, "D-%06d", n);
    snprintf(title, sizeof title, "%s %d", desk_subjects[n % DESK_LEN(desk_subjects)], n);
    snprintf(end, sizeof end, "%04d-%02d-%02d", 2028 + n % 8, 1 + n % 12, 1 + n % 28);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "number", number, "title", title,
                     "counterparty", desk_counterparties[(n * 7) % DESK_LEN(desk_counterparties)],
                     "kind", n % 3 ? "client" : "supplier", "status", desk_statuses[n % 4],
                     "currency", n % 5 ? "EUR" : "USD", "end_date", end, "amount_cents",
                     (json_int_t)(n % 997) * 12345);
}

#endif
