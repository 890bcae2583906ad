/*
 * libpacta-protocol: the dashboard figures (stats.dashboard, the
 * dashboard.updated event, PROTOCOL.md §6.42-6.43) as a C struct, with the
 * encoder the server uses and the decoder clients use.
 *
 * Ownership: pacta_dashboard_to_json returns a new reference;
 * pacta_dashboard_from_json fills a struct whose `values` array is
 * malloc'd and released by pacta_dashboard_clear (call it on any struct
 * from_json filled, whatever it returned).
 */
#ifndef PACTA_DASHBOARD_H
#define PACTA_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <pacta/protocol.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Contract status, kind and lifecycle, as indexes into the count arrays;
 * the names are the wire values (pacta_dashboard_*_name). */
enum pacta_dash_status {
    PACTA_DASH_DRAFT,
    PACTA_DASH_ACTIVE,
    PACTA_DASH_EXPIRED,
    PACTA_DASH_TERMINATED,
    PACTA_DASH_STATUS__COUNT
};
enum pacta_dash_kind { PACTA_DASH_CLIENT, PACTA_DASH_SUPPLIER, PACTA_DASH_KIND__COUNT };
enum pacta_dash_lifecycle {
    PACTA_DASH_LC_UPCOMING,
    PACTA_DASH_LC_ACTIVE,
    PACTA_DASH_LC_EXPIRING,
    PACTA_DASH_LC_EXPIRED,
    PACTA_DASH_LC_TERMINATED,
    PACTA_DASH_LC_UNKNOWN,
    PACTA_DASH_LIFECYCLE__COUNT
};
const char *pacta_dashboard_status_name(enum pacta_dash_status s);
const char *pacta_dashboard_kind_name(enum pacta_dash_kind k);
const char *pacta_dashboard_lifecycle_name(enum pacta_dash_lifecycle l);

/* The "expiring" windows, in days: 30, 60, 90. */
#define PACTA_DASHBOARD_WINDOWS 3
extern const int pacta_dashboard_windows[PACTA_DASHBOARD_WINDOWS];
/* Notice deadlines up to this many days ahead count as due. */
#define PACTA_DASHBOARD_NOTICE_DAYS 30
/* Entries of recent_changes. */
#define PACTA_DASHBOARD_RECENT 10
/* Currencies in value_by_currency: every ISO 4217 code fits. */
#define PACTA_DASHBOARD_MAX_CURRENCIES 400

/* Total value of the active contracts in one currency. */
struct pacta_dashboard_value {
    char currency[4];
    int64_t contracts;
    /* Sum of amount_cents as decimal digits: exact at any size (a sum of
     * amounts up to 10^15 each can pass 2^53 and even 2^63). */
    char amount_cents[48];
};

/* One entry of the change log. */
struct pacta_dashboard_change {
    int64_t seq;
    char event[65];
    char contract_id[37];
    char number[257]; /* 64 characters of up to 4 bytes */
    char title[801];  /* 200 characters */
    char actor[65];
    char at[32]; /* timestamp of the change */
};

struct pacta_dashboard {
    char today[11];    /* the server's day the date figures are counted from */
    int64_t as_of_seq; /* newest change the figures include (0: empty log) */
    int window_days;   /* lifecycle "expiring" window: the largest alert threshold */
    int64_t total;     /* contracts not deleted */
    int64_t by_status[PACTA_DASH_STATUS__COUNT];
    int64_t by_lifecycle[PACTA_DASH_LIFECYCLE__COUNT];
    int64_t by_kind[PACTA_DASH_KIND__COUNT];
    int64_t expiring[PACTA_DASHBOARD_WINDOWS]; /* contracts.expiring {days: w} would list */
    int64_t notice_due;    /* active, notice_days > 0, deadline <= today + 30 (passed included) */
    int64_t notice_passed; /* of which the deadline is before today */
    size_t n_values;       /* sorted by currency */
    struct pacta_dashboard_value *values;
    size_t n_recent; /* newest first */
    struct pacta_dashboard_change recent[PACTA_DASHBOARD_RECENT];
};

/* The result object of stats.dashboard and the data of dashboard.updated. */
json_t *pacta_dashboard_to_json(const struct pacta_dashboard *d);
/*
 * Reads such an object.  Strict about what it needs (a missing or
 * ill-typed member is bad_request naming it, e.g. "by_status.active"),
 * silent about members it does not know (PROTOCOL.md §2).  0 or < 0.
 */
int pacta_dashboard_from_json(const json_t *j, struct pacta_dashboard *out,
                              struct pacta_error *err);
void pacta_dashboard_clear(struct pacta_dashboard *d);
/*
 * Which of two figures a client keeps: 1 if `b` is newer than `a` (a
 * higher as_of_seq, or the same one counted on a later day), else 0.
 * Responses and events can cross, so a client compares before replacing.
 */
int pacta_dashboard_newer(const struct pacta_dashboard *a, const struct pacta_dashboard *b);

/* stats.dashboard {} */
int pacta_decode_stats_dashboard(const json_t *args, struct pacta_error *err);
/* dashboard.watch {on: boolean} */
int pacta_decode_dashboard_watch(const json_t *args, int *on, struct pacta_error *err);

#ifdef __cplusplus
}
#endif
#endif
