/*
 * libpacta-protocol: the op argument decoders.  Table-driven: each case is
 * an op, its args as JSON text, and either success or the field the
 * bad_request must name.  Then the decoded values of good cases.
 */
#include <pacta/protocol.h>

#include "test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define UUID "\"0193a5f2-7c1e-7b3a-9f00-123456789abc\""
#define MIN_CREATE                                                                                 \
    "\"number\":\"C-1\",\"title\":\"T\",\"counterparty\":\"ACME\","                                \
    "\"kind\":\"client\",\"currency\":\"EUR\""

/* Runs the decoder of `op` on args and releases what it returned. */
static int decode(enum pacta_op op, const json_t *args, struct pacta_error *err)
{
    int rc;
    switch (op) {
    case PACTA_OP_AUTH_LOGIN: {
        struct pacta_login_args a;
        return pacta_decode_login(args, &a, err);
    }
    case PACTA_OP_AUTH_RESUME: {
        struct pacta_resume_args a;
        return pacta_decode_resume(args, &a, err);
    }
    case PACTA_OP_CONTRACTS_LIST: {
        struct pacta_list_args a;
        return pacta_decode_list(args, &a, err);
    }
    case PACTA_OP_CONTRACTS_GET: {
        struct pacta_id_args a;
        return pacta_decode_get(args, &a, err);
    }
    case PACTA_OP_SUPPLEMENTS_LIST: {
        struct pacta_supplements_list_args a;
        return pacta_decode_supplements_list(args, &a, err);
    }
    case PACTA_OP_CONTRACTS_CREATE: {
        struct pacta_create_args a;
        rc = pacta_decode_create(args, &a, err);
        CHECK(rc == 0 ? a.contract != NULL : a.contract == NULL);
        pacta_create_args_clear(&a);
        return rc;
    }
    case PACTA_OP_CONTRACTS_UPDATE: {
        struct pacta_update_args a;
        rc = pacta_decode_update(args, &a, err);
        CHECK(rc == 0 ? a.changes != NULL : a.changes == NULL);
        pacta_update_args_clear(&a);
        /* the check without the copy: the same verdict and error */
        struct pacta_error e2 = {0};
        CHECK(pacta_check_update(args, &e2) == rc);
        if (rc != 0)
            CHECK(e2.code == err->code && strcmp(e2.field, err->field) == 0 &&
                  strcmp(e2.message, err->message) == 0);
        return rc;
    }
    case PACTA_OP_CONTRACTS_DELETE: {
        struct pacta_delete_args a;
        return pacta_decode_delete(args, &a, err);
    }
    case PACTA_OP_SUBSCRIBE: {
        struct pacta_subscribe_args a;
        return pacta_decode_subscribe(args, &a, err);
    }
    case PACTA_OP_USERS_CREATE: {
        struct pacta_user_create_args a;
        return pacta_decode_user_create(args, &a, err);
    }
    case PACTA_OP_USERS_UPDATE: {
        struct pacta_user_update_args a;
        return pacta_decode_user_update(args, &a, err);
    }
    case PACTA_OP_PRESENCE_SET: {
        struct pacta_presence_args a;
        return pacta_decode_presence_set(args, &a, err);
    }
    case PACTA_OP_ADMIN_CONNS_WATCH: {
        int on;
        return pacta_decode_admin_watch(args, &on, err);
    }
    case PACTA_OP_ADMIN_KICK: {
        int64_t session;
        return pacta_decode_admin_kick(args, &session, err);
    }
    default:
        return pacta_decode_empty(args, err);
    }
}

struct args_case {
    enum pacta_op op;
    const char *args;
    const char *bad_field; /* NULL: must decode */
    const char *message;   /* substring the message must hold, or NULL */
};

static const struct args_case cases[] = {
    /* ops without args */
    {PACTA_OP_PING, "{}", NULL, NULL},
    {PACTA_OP_PING, "{\"x\":1}", "x", "unknown field"},
    {PACTA_OP_AUTH_LOGOUT, "{\"token\":\"t\"}", "token", "unknown field"},
    {PACTA_OP_UNSUBSCRIBE, "{}", NULL, NULL},
    {PACTA_OP_USERS_LIST, "{\"all\":true}", "all", "unknown field"},

    /* users.update */
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"role\":\"viewer\"}", NULL, NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"disabled\":true}", NULL, NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"password\":\"12345678\"}", NULL, NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\"}", "", "nothing to change"},
    {PACTA_OP_USERS_UPDATE, "{\"role\":\"viewer\"}", "username", "required"},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"Ana!\",\"role\":\"viewer\"}", "username", NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"role\":\"boss\"}", "role", "one of"},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"disabled\":1}", "disabled", "boolean"},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"password\":\"short\"}", "password", NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"display_name\":\" \"}", "display_name", NULL},
    {PACTA_OP_USERS_UPDATE, "{\"username\":\"ana\",\"roles\":\"viewer\"}", "roles", "unknown"},

    /* presence.set, admin ops */
    {PACTA_OP_PRESENCE_SET, "{\"contract_id\":\"0193a5f2-7c1e-7b3a-9f00-1a2b3c4d5e6f\"}", NULL,
     NULL},
    {PACTA_OP_PRESENCE_SET, "{\"contract_id\":null}", NULL, NULL},
    {PACTA_OP_PRESENCE_SET, "{}", "contract_id", "required"},
    {PACTA_OP_PRESENCE_SET, "{\"contract_id\":\"C-1\"}", "contract_id", "UUID"},
    {PACTA_OP_PRESENCE_SET, "{\"contract_id\":7}", "contract_id", "must be a string"},
    {PACTA_OP_PRESENCE_SET, "{\"contract_id\":null,\"x\":1}", "x", "unknown field"},
    {PACTA_OP_PRESENCE_LIST, "{\"x\":1}", "x", "unknown field"},
    {PACTA_OP_ADMIN_CONNS_LIST, "{}", NULL, NULL},
    {PACTA_OP_ADMIN_CONNS_WATCH, "{\"on\":true}", NULL, NULL},
    {PACTA_OP_ADMIN_CONNS_WATCH, "{\"on\":false}", NULL, NULL},
    {PACTA_OP_ADMIN_CONNS_WATCH, "{}", "on", "required"},
    {PACTA_OP_ADMIN_CONNS_WATCH, "{\"on\":1}", "on", "must be a boolean"},
    {PACTA_OP_ADMIN_KICK, "{\"session\":3}", NULL, NULL},
    {PACTA_OP_ADMIN_KICK, "{}", "session", "required"},
    {PACTA_OP_ADMIN_KICK, "{\"session\":0}", "session", "at least"},
    {PACTA_OP_ADMIN_KICK, "{\"session\":\"3\"}", "session", "must be an integer"},

    /* auth.login */
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"pw\"}", NULL, NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"Not A Username!\",\"password\":\"p\"}", NULL, NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"p\",\"client\":\"pactactl/0.1\"}",
     NULL, NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"p\",\"client\":null}", NULL, NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"password\":\"p\"}", "username", "required"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\"}", "password", "required"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":null,\"password\":\"p\"}", "username", "required"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":1,\"password\":\"p\"}", "username", "must be a string"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"\",\"password\":\"p\"}", "username", NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"\"}", "password", NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":true}", "password",
     "must be a string"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"p\",\"client\":\"\"}", "client",
     NULL},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"p\",\"client\":\"a\\nb\"}",
     "client", "control"},
    {PACTA_OP_AUTH_LOGIN, "{\"username\":\"ana\",\"password\":\"p\",\"pasword\":\"p\"}", "pasword",
     "unknown field"},

    /* auth.resume */
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"abc\"}", NULL, NULL},
    {PACTA_OP_AUTH_RESUME, "{}", "token", "required"},
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"\"}", "token", NULL},
    {PACTA_OP_AUTH_RESUME, "{\"token\":42}", "token", "must be a string"},
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"a\",\"user\":\"x\"}", "user", "unknown field"},
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"a\",\"client\":\"pacta-desk/0.1\"}", NULL, NULL},
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"a\",\"client\":\"a\\nb\"}", "client", "control"},
    {PACTA_OP_AUTH_RESUME, "{\"token\":\"a\",\"client\":7}", "client", "must be a string"},

    /* contracts.list */
    {PACTA_OP_CONTRACTS_LIST, "{}", NULL, NULL},
    {PACTA_OP_CONTRACTS_LIST,
     "{\"status\":\"active\",\"kind\":\"supplier\",\"owner\":\"ana\",\"text\":\"acme\","
     "\"limit\":500,\"cursor\":\"abc\",\"include_deleted\":true}",
     NULL, NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"status\":null,\"limit\":null,\"include_deleted\":null}", NULL,
     NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"status\":\"open\"}", "status", "one of"},
    {PACTA_OP_CONTRACTS_LIST, "{\"status\":1}", "status", "must be a string"},
    {PACTA_OP_CONTRACTS_LIST, "{\"kind\":\"partner\"}", "kind", "one of"},
    {PACTA_OP_CONTRACTS_LIST, "{\"owner\":\"Ana\"}", "owner", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"text\":\"\"}", "text", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"text\":[]}", "text", "must be a string"},
    {PACTA_OP_CONTRACTS_LIST, "{\"q\":\"asociatii clean\",\"status\":\"active\"}", NULL, NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"q\":\"\"}", "q", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"q\":\"   \"}", "q", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"q\":\"a\\nb\"}", "q", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"q\":5}", "q", "must be a string"},
    {PACTA_OP_CONTRACTS_LIST, "{\"limit\":0}", "limit", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"limit\":501}", "limit", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"limit\":\"10\"}", "limit", "must be an integer"},
    {PACTA_OP_CONTRACTS_LIST, "{\"limit\":10.5}", "limit", "must be an integer"},
    {PACTA_OP_CONTRACTS_LIST, "{\"cursor\":\"\"}", "cursor", NULL},
    {PACTA_OP_CONTRACTS_LIST, "{\"cursor\":7}", "cursor", "must be a string"},
    {PACTA_OP_CONTRACTS_LIST, "{\"include_deleted\":1}", "include_deleted", "boolean"},
    {PACTA_OP_CONTRACTS_LIST, "{\"include_deleted\":\"true\"}", "include_deleted", "boolean"},
    {PACTA_OP_CONTRACTS_LIST, "{\"sort_by\":\"title\"}", "sort_by", "unknown field"},

    /* contracts.get, supplements.list */
    {PACTA_OP_CONTRACTS_GET, "{\"id\":" UUID "}", NULL, NULL},
    {PACTA_OP_CONTRACTS_GET, "{}", "id", "required"},
    {PACTA_OP_CONTRACTS_GET, "{\"id\":5}", "id", "must be a string"},
    {PACTA_OP_CONTRACTS_GET, "{\"id\":\"C-2026-001\"}", "id", "UUID"},
    {PACTA_OP_CONTRACTS_GET, "{\"id\":\"0193A5F2-7C1E-7B3A-9F00-123456789ABC\"}", "id", "UUID"},
    {PACTA_OP_CONTRACTS_GET, "{\"id\":" UUID ",\"version\":1}", "version", "unknown field"},
    {PACTA_OP_SUPPLEMENTS_LIST, "{\"contract_id\":" UUID "}", NULL, NULL},
    {PACTA_OP_SUPPLEMENTS_LIST, "{\"id\":" UUID "}", "id", "unknown field"},
    {PACTA_OP_SUPPLEMENTS_LIST, "{}", "contract_id", "required"},
    {PACTA_OP_SUPPLEMENTS_LIST, "{\"contract_id\":\"x\"}", "contract_id", "UUID"},

    /* contracts.create */
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE "}", NULL, NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"id\":" UUID "}", NULL, NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"id\":null,\"status\":null,\"owner\":null}", NULL,
     NULL},
    {PACTA_OP_CONTRACTS_CREATE,
     "{" MIN_CREATE ",\"start_date\":\"2026-01-01\",\"end_date\":\"2026-01-01\"}", NULL, NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"sign_date\":\"2024-02-29\"}", NULL, NULL},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"title\":\"T\",\"counterparty\":\"A\",\"kind\":\"client\","
     "\"currency\":\"EUR\"}",
     "number", "required"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"counterparty\":\"A\",\"kind\":\"client\","
     "\"currency\":\"EUR\"}",
     "title", "required"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"A\",\"kind\":\"client\","
     "\"currency\":\"EUR\"}",
     "counterparty", "required"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"A\",\"counterparty\":\"B\","
     "\"currency\":\"EUR\"}",
     "kind", "required"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"A\",\"counterparty\":\"B\","
     "\"kind\":\"client\"}",
     "currency", "required"},
    /* the last of duplicate keys wins in this test's parser: number is null */
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"number\":null}", "number", "required"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"colour\":\"red\"}", "colour", "unknown field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"version\":1}", "version", "read-only field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"created_at\":\"x\"}", "created_at",
     "read-only field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"updated_at\":\"x\"}", "updated_at",
     "read-only field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"updated_by\":\"x\"}", "updated_by",
     "read-only field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"deleted_at\":null}", "deleted_at",
     "read-only field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"id\":\"abc\"}", "id", "UUID"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"id\":12}", "id", "must be a string"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"status\":\"open\"}", "status", "one of"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"sign_date\":\"2023-02-29\"}", "sign_date",
     "date"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"start_date\":\"2026-13-01\"}", "start_date",
     "date"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"end_date\":\"2026-1-1\"}", "end_date", "date"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{" MIN_CREATE ",\"start_date\":\"2026-06-01\",\"end_date\":\"2026-05-31\"}", "end_date",
     "start_date"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"amount_cents\":-1}", "amount_cents", NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"amount_cents\":99.5}", "amount_cents",
     "integer"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"amount_cents\":\"100\"}", "amount_cents",
     "integer"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"notice_days\":4000}", "notice_days", NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"owner\":\"A B\"}", "owner", "username"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"renewal\":\"never\"}", "renewal", "one of"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"description\":\"Caf\\u00e9\\n\\tok\"}", NULL,
     NULL},
    {PACTA_OP_CONTRACTS_CREATE, "{\"colour\":\"red\"}", "colour", "unknown field"},
    {PACTA_OP_CONTRACTS_CREATE, "{" MIN_CREATE ",\"description\":\"bell\\u0007\"}", "description",
     "control"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"C-1\\n\",\"title\":\"T\",\"counterparty\":\"A\","
     "\"kind\":\"client\",\"currency\":\"EUR\"}",
     "number", "control"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\" \",\"title\":\"T\",\"counterparty\":\"A\","
     "\"kind\":\"client\",\"currency\":\"EUR\"}",
     "number", "blank"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"T\",\"counterparty\":\"A\","
     "\"kind\":\"client\",\"currency\":\"eur\"}",
     "currency", "ISO 4217"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"T\",\"counterparty\":\"A\","
     "\"kind\":\"client\",\"currency\":\"EU\"}",
     "currency", "ISO 4217"},
    {PACTA_OP_CONTRACTS_CREATE,
     "{\"number\":\"1\",\"title\":\"T\",\"counterparty\":\"A\","
     "\"kind\":\"client\",\"currency\":\"XXY\"}",
     "currency", "ISO 4217"},

    /* contracts.update */
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"N\"}}",
     NULL, NULL},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":1,\"changes\":{\"end_date\":null},\"reason\":\"r\"}", NULL,
     NULL},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"version\":3,\"changes\":{\"title\":\"N\"}}", "id", "required"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":\"C-1\",\"version\":3,\"changes\":{\"title\":\"N\"}}",
     "id", "UUID"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"changes\":{\"title\":\"N\"}}", "version",
     "required"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":0,\"changes\":{\"title\":\"N\"}}",
     "version", "at least 1"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":\"3\",\"changes\":{\"title\":\"N\"}}",
     "version", "integer"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3}", "changes", "required"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{}}", "changes",
     "empty"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":[]}", "changes",
     "object"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"titel\":\"N\"}}",
     "titel", "unknown field"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"id\":" UUID "}}",
     "id", "read-only field"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"version\":9}}",
     "version", "read-only field"},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"updated_by\":\"x\"}}", "updated_by",
     "read-only field"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":null}}",
     "title", "null"},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"\"}}",
     "title", NULL},
    {PACTA_OP_CONTRACTS_UPDATE, "{\"id\":" UUID ",\"version\":3,\"changes\":{\"owner\":null}}",
     "owner", "null"},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"currency\":\"eur\"}}", "currency", NULL},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"start_date\":\"2026-02-01\","
     "\"end_date\":\"2026-01-01\"}}",
     "end_date", "start_date"},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"N\"},\"reason\":\"\"}", "reason",
     NULL},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"N\"},\"reason\":\"  \"}", "reason",
     "blank"},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"N\"},\"reason\":5}", "reason",
     "must be a string"},
    {PACTA_OP_CONTRACTS_UPDATE,
     "{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"N\"},\"force\":true}", "force",
     "unknown field"},

    /* contracts.delete */
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID ",\"version\":2}", NULL, NULL},
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID ",\"version\":2,\"reason\":\"dup\"}", NULL, NULL},
    {PACTA_OP_CONTRACTS_DELETE, "{\"version\":2}", "id", "required"},
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID "}", "version", "required"},
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID ",\"version\":-2}", "version", NULL},
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID ",\"version\":2,\"reason\":\"a\\tb\"}", "reason",
     "control"},
    {PACTA_OP_CONTRACTS_DELETE, "{\"id\":" UUID ",\"version\":2,\"hard\":true}", "hard",
     "unknown field"},

    /* subscribe */
    {PACTA_OP_SUBSCRIBE, "{}", NULL, NULL},
    {PACTA_OP_SUBSCRIBE, "{\"since\":0}", NULL, NULL},
    {PACTA_OP_SUBSCRIBE, "{\"since\":null}", NULL, NULL},
    {PACTA_OP_SUBSCRIBE, "{\"since\":-1}", "since", NULL},
    {PACTA_OP_SUBSCRIBE, "{\"since\":\"5\"}", "since", "integer"},
    {PACTA_OP_SUBSCRIBE, "{\"from\":5}", "from", "unknown field"},

    /* users.create */
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"editor\"}",
     NULL, NULL},
    {PACTA_OP_USERS_CREATE,
     "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"viewer\","
     "\"display_name\":\"Bob B.\"}",
     NULL, NULL},
    {PACTA_OP_USERS_CREATE, "{\"password\":\"12345678\",\"role\":\"editor\"}", "username",
     "required"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"Bob\",\"password\":\"12345678\",\"role\":\"editor\"}",
     "username", NULL},
    {PACTA_OP_USERS_CREATE, "{\"username\":\".bob\",\"password\":\"12345678\",\"role\":\"admin\"}",
     "username", NULL},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"1234567\",\"role\":\"editor\"}",
     "password", "at least 8"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"role\":\"editor\"}", "password", "required"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"12345678\"}", "role", "required"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"root\"}",
     "role", "one of"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"none\"}",
     "role", "one of"},
    {PACTA_OP_USERS_CREATE, "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":2}", "role",
     "must be a string"},
    {PACTA_OP_USERS_CREATE,
     "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"editor\",\"display_name\":\"\"}",
     "display_name", NULL},
    {PACTA_OP_USERS_CREATE,
     "{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"editor\",\"admin\":true}", "admin",
     "unknown field"},
};

static void test_table(void)
{
    for (size_t i = 0; i < N(cases); i++) {
        const struct args_case *c = &cases[i];
        json_error_t jerr;
        /* Like pacta_request_parse, but keep the last of duplicate keys so
         * one case can override a member of MIN_CREATE. */
        json_t *args = json_loads(c->args, 0, &jerr);
        CHECKF(args != NULL, "case %zu: bad test JSON: %s", i, jerr.text);
        if (args == NULL)
            continue;
        struct pacta_error err = {0};
        int rc = decode(c->op, args, &err);
        if (c->bad_field == NULL) {
            CHECKF(rc == 0, "case %zu %s %s: %s: %s", i, pacta_op_name(c->op), c->args, err.field,
                   err.message);
        } else {
            CHECKF(rc == -(int)PACTA_BAD_REQUEST && err.code == PACTA_BAD_REQUEST,
                   "case %zu %s %s: rc %d", i, pacta_op_name(c->op), c->args, rc);
            CHECKF(strcmp(err.field, c->bad_field) == 0, "case %zu %s: field \"%s\" != \"%s\"", i,
                   c->args, err.field, c->bad_field);
            CHECKF(c->message == NULL || strstr(err.message, c->message) != NULL,
                   "case %zu: message \"%s\" lacks \"%s\"", i, err.message, c->message);
            CHECK(err.message[0] != '\0');
        }
        json_decref(args);
    }
    /* args that are not an object at all */
    struct pacta_error err = {0};
    json_t *arr = json_array();
    for (int op = 1; op < PACTA_OP__COUNT; op++) {
        memset(&err, 0, sizeof(err));
        CHECKF(decode((enum pacta_op)op, arr, &err) == -(int)PACTA_BAD_REQUEST, "%s",
               pacta_op_name((enum pacta_op)op));
        CHECK_STR(err.field, "args");
    }
    json_decref(arr);
}

static json_t *load(const char *s)
{
    json_t *j = json_loads(s, 0, NULL);
    REQUIRE(j != NULL);
    return j;
}

static void test_decoded_values(void)
{
    struct pacta_error err;

    json_t *a = load("{\"username\":\"ana\",\"password\":\"pw\",\"client\":\"desk/1\"}");
    struct pacta_login_args login;
    REQUIRE(pacta_decode_login(a, &login, &err) == 0);
    CHECK_STR(login.username, "ana");
    CHECK_STR(login.password, "pw");
    CHECK_STR(login.client, "desk/1");
    json_decref(a);

    a = load("{}");
    struct pacta_list_args list;
    REQUIRE(pacta_decode_list(a, &list, &err) == 0);
    CHECK(list.limit == PACTA_LIST_DEFAULT_LIMIT);
    CHECK(list.status == NULL && list.kind == NULL && list.owner == NULL && list.text == NULL &&
          list.cursor == NULL && list.include_deleted == 0);
    json_decref(a);
    a = load("{\"status\":\"expired\",\"kind\":\"client\",\"owner\":\"bo\",\"text\":\"x\","
             "\"limit\":1,\"cursor\":\"c\",\"include_deleted\":true}");
    REQUIRE(pacta_decode_list(a, &list, &err) == 0);
    CHECK_STR(list.status, "expired");
    CHECK_STR(list.kind, "client");
    CHECK_STR(list.owner, "bo");
    CHECK_STR(list.text, "x");
    CHECK_STR(list.cursor, "c");
    CHECK(list.limit == 1 && list.include_deleted == 1);
    json_decref(a);

    a = load("{\"since\":41}");
    struct pacta_subscribe_args sub;
    REQUIRE(pacta_decode_subscribe(a, &sub, &err) == 0);
    CHECK(sub.has_since && sub.since == 41);
    json_decref(a);
    a = load("{}");
    REQUIRE(pacta_decode_subscribe(a, &sub, &err) == 0);
    CHECK(!sub.has_since && sub.since == 0);
    json_decref(a);

    a = load("{\"username\":\"bob\",\"password\":\"12345678\",\"role\":\"admin\"}");
    struct pacta_user_create_args uc;
    REQUIRE(pacta_decode_user_create(a, &uc, &err) == 0);
    CHECK_STR(uc.username, "bob");
    CHECK(uc.role == PACTA_ROLE_ADMIN && uc.display_name == NULL);
    json_decref(a);

    a = load("{\"id\":" UUID ",\"version\":7,\"reason\":\"dup\"}");
    struct pacta_delete_args del;
    REQUIRE(pacta_decode_delete(a, &del, &err) == 0);
    CHECK(del.version == 7);
    CHECK_STR(del.reason, "dup");
    CHECK_STR(del.id, "0193a5f2-7c1e-7b3a-9f00-123456789abc");
    json_decref(a);
}

static void test_create_defaults(void)
{
    struct pacta_error err;
    json_t *a = load("{" MIN_CREATE "}");
    struct pacta_create_args c;
    REQUIRE(pacta_decode_create(a, &c, &err) == 0);
    json_decref(a);
    /* every writable field, in wire order, defaults filled, no id */
    char *s = json_dumps(c.contract, JSON_COMPACT);
    CHECK_STR(s, "{\"number\":\"C-1\",\"title\":\"T\",\"counterparty\":\"ACME\","
                 "\"kind\":\"client\",\"status\":\"draft\",\"sign_date\":null,"
                 "\"start_date\":null,\"end_date\":null,\"amount_cents\":0,"
                 "\"currency\":\"EUR\",\"owner\":null,\"description\":\"\","
                 "\"notice_days\":0,\"renewal\":\"none\",\"renewal_months\":12}");
    free(s);
    pacta_create_args_clear(&c);
    CHECK(c.contract == NULL);

    a = load("{\"renewal\":\"auto\",\"id\":" UUID "," MIN_CREATE
             ",\"amount_cents\":1250000,\"owner\":\"ana\",\"end_date\":\"2026-12-31\"}");
    REQUIRE(pacta_decode_create(a, &c, &err) == 0);
    json_decref(a);
    const char *key = NULL;
    json_t *v;
    json_object_foreach(c.contract, key, v)
    {
        break; /* the first key */
    }
    CHECK_STR(key, "id");
    CHECK_STR(json_string_value(json_object_get(c.contract, "renewal")), "auto");
    CHECK(json_integer_value(json_object_get(c.contract, "amount_cents")) == 1250000);
    CHECK_STR(json_string_value(json_object_get(c.contract, "owner")), "ana");
    CHECK_STR(json_string_value(json_object_get(c.contract, "end_date")), "2026-12-31");
    CHECK(json_object_size(c.contract) == 16);
    pacta_create_args_clear(&c);
}

static void test_update_values(void)
{
    struct pacta_error err;
    json_t *a = load("{\"id\":" UUID ",\"version\":3,\"changes\":{\"title\":\"New\","
                     "\"end_date\":null},\"reason\":\"renegotiated\"}");
    struct pacta_update_args u;
    REQUIRE(pacta_decode_update(a, &u, &err) == 0);
    CHECK(u.version == 3);
    CHECK_STR(u.reason, "renegotiated");
    CHECK(json_object_size(u.changes) == 2);
    CHECK(json_is_null(json_object_get(u.changes, "end_date")));
    /* the changes are a copy: they outlive the args */
    CHECK(u.changes != json_object_get(a, "changes"));
    json_decref(a);
    CHECK_STR(json_string_value(json_object_get(u.changes, "title")), "New");
    pacta_update_args_clear(&u);
    CHECK(u.changes == NULL);
}

int main(void)
{
    test_table();
    test_decoded_values();
    test_create_defaults();
    test_update_values();
    return test_summary();
}
