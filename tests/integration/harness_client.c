/*
 * The harness's client side (harness.h): connecting and logging in to a
 * test pactad, calling ops, contracts, waiting for events and closes.
 */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int contract_counter;

/* ---- clients -------------------------------------------------------------- */

static void client_options(const struct it_server *s, struct ctl_ws_options *o)
{
    memset(o, 0, sizeof *o);
    o->url = s->url;
    o->ca_file = it_ca_file();
    o->subprotocol = NULL;
    o->timeout_ms = IT_TIMEOUT_MS;
}

struct ctl_client *it_try_connect(const struct it_server *s)
{
    struct ctl_ws_options o;
    struct ctl_client *c = NULL;
    char err[256] = "";
    client_options(s, &o);
    if (ctl_client_connect(&o, &c, err, sizeof err) < 0) {
        fprintf(stderr, "harness: connect to %s failed: %s\n", s->url, err);
        return NULL;
    }
    return c;
}

struct ctl_client *it_connect(const struct it_server *s)
{
    struct ctl_client *c = it_try_connect(s);
    if (!c) {
        it_server_dump_log(s);
        it_fatal("cannot connect to pactad at %s", s->url);
    }
    return c;
}

struct ctl_ws *it_ws_connect(const struct it_server *s)
{
    struct ctl_ws_options o;
    struct ctl_ws *ws = NULL;
    char err[256] = "";
    client_options(s, &o);
    if (ctl_ws_connect(&o, &ws, err, sizeof err) < 0) {
        it_server_dump_log(s);
        it_fatal("ws connect to %s failed: %s", s->url, err);
    }
    return ws;
}

struct ctl_ws *it_ws_login(const struct it_server *s, const char *user, const char *password)
{
    struct ctl_ws *ws = it_ws_connect(s);
    json_t *req = json_pack("{s:i, s:s, s:{s:s, s:s}}", "id", 0, "op", "auth.login", "args",
                            "username", user, "password", password);
    char *text = json_dumps(req, JSON_COMPACT), *msg = NULL;
    size_t len = 0;
    json_decref(req);
    if (!text || ctl_ws_send_text(ws, text, strlen(text)) != 0 ||
        ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1 || !strstr(msg, "\"ok\":true"))
        it_fatal("raw login as %s failed: %s", user, msg ? msg : "(no answer)");
    free(text);
    free(msg);
    return ws;
}

int it_sessions_of(struct ctl_client *admin, const char *user, json_int_t *ids, int max)
{
    json_t *r = it_call(admin, "admin.connections.list", json_object(), NULL);
    int n = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "items"), i, c)
    {
        if (!strcmp(it_str(c, "user"), user)) {
            if (n < max)
                ids[n] = it_int(c, "session");
            n++;
        }
    }
    json_decref(r);
    return n;
}

int it_origin_ok(const struct it_server *s, const char *origin)
{
    struct ctl_ws_options o;
    struct ctl_ws *ws;
    char err[256];
    client_options(s, &o);
    o.origin = origin;
    if (ctl_ws_connect(&o, &ws, err, sizeof err) < 0)
        return 0;
    ctl_ws_close(ws, 1000);
    return 1;
}

json_t *it_backup_item(struct ctl_client *admin, json_int_t id)
{
    json_t *list = it_call(admin, "backups.list", json_object(), NULL), *item, *found = NULL;
    size_t i;
    json_array_foreach(json_object_get(list, "items"), i, item)
    {
        if (it_int(item, "id") == id)
            found = json_incref(item);
    }
    json_decref(list);
    return found;
}

long it_metric(const struct it_server *s, const char *name)
{
    struct ctl_ws_options o;
    int status = 0;
    char *body = NULL, err[256], key[128];
    long v = -1;
    client_options(s, &o);
    snprintf(key, sizeof key, "\n%s ", name);
    if (ctl_https_get(&o, "/metrics", NULL, &status, &body, err, sizeof err) == 0 &&
        status == 200) {
        const char *p = strstr(body, key);
        if (p)
            v = strtol(p + strlen(key), NULL, 10);
    }
    free(body);
    return v;
}

struct ctl_client *it_login(const struct it_server *s, const char *user, const char *password)
{
    struct ctl_client *c = it_connect(s);
    json_t *error = NULL;
    int rc = ctl_client_login(c, user, password, &error);
    if (rc != 0) {
        char *e = error ? json_dumps(error, JSON_COMPACT) : NULL;
        it_server_dump_log(s);
        it_fatal("auth.login as %s failed (%d): %s", user, rc, e ? e : "transport error");
    }
    json_decref(error);
    return c;
}

struct ctl_client *it_login_admin(const struct it_server *s)
{
    return it_login(s, "admin", IT_ADMIN_PASSWORD);
}

const char *it_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

json_int_t it_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

const char *it_err_code(const json_t *error)
{
    return it_str(error, "code");
}

const char *it_err_field(const json_t *error)
{
    return it_str(error, "field");
}

static void print_json(const char *what, const char *op, const json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    fprintf(stderr, "harness: %s %s: %.600s\n", op, what, s ? s : "(none)");
    free(s);
}

json_t *it_call(struct ctl_client *c, const char *op, json_t *args_steal, json_t **error)
{
    json_t *result = NULL;
    if (error)
        *error = NULL;
    int rc = ctl_client_request(c, op, args_steal, IT_TIMEOUT_MS, &result);
    if (rc == 0)
        return result;
    if (rc == 1) {
        if (error)
            *error = result;
        else {
            print_json("failed", op, result);
            json_decref(result);
        }
        return NULL;
    }
    fprintf(stderr, "harness: %s: %s\n", op, rc == -1 ? "timed out" : "connection closed");
    return NULL;
}

json_t *it_call_err(struct ctl_client *c, const char *op, json_t *args_steal)
{
    json_t *result = NULL;
    int rc = ctl_client_request(c, op, args_steal, IT_TIMEOUT_MS, &result);
    if (rc == 1)
        return result;
    if (rc == 0) {
        print_json("unexpectedly succeeded", op, result);
        json_decref(result);
    } else {
        fprintf(stderr, "harness: %s: %s\n", op, rc == -1 ? "timed out" : "connection closed");
    }
    return NULL;
}

void it_ws_send(struct ctl_ws *ws, int id, const char *op, json_t *args_steal)
{
    json_t *req = json_pack("{s:i,s:s,s:o}", "id", id, "op", op, "args", args_steal);
    char *text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text || ctl_ws_send_text(ws, text, strlen(text)) != 0)
        it_fatal("send %s failed", op);
    free(text);
}

json_t *it_ws_response(struct ctl_ws *ws)
{
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return NULL;
        json_t *j = json_loadb(msg, len, 0, NULL);
        free(msg);
        if (json_object_get(j, "ok"))
            return j;
        json_decref(j);
    }
}

void it_set_clock(struct ctl_client *c, const char *now)
{
    json_t *r = it_call(c, "admin.clock.set", json_pack("{s:s}", "now", now), NULL);
    if (!r)
        it_fatal("admin.clock.set %s was refused", now);
    json_decref(r);
}

int it_user_create(struct ctl_client *admin, const char *username, const char *password,
                   const char *role)
{
    json_t *r = it_call(
        admin, "users.create",
        json_pack("{s:s, s:s, s:s}", "username", username, "password", password, "role", role),
        NULL);
    if (!r)
        return -1;
    json_decref(r);
    return 0;
}

void it_create_role_users(const struct it_server *s)
{
    struct ctl_client *admin = it_login_admin(s);
    if (it_user_create(admin, IT_EDITOR_USER, IT_EDITOR_PASSWORD, "editor") ||
        it_user_create(admin, IT_VIEWER_USER, IT_VIEWER_PASSWORD, "viewer") ||
        it_user_create(admin, IT_ADMIN2_USER, IT_ADMIN2_PASSWORD, "admin"))
        it_fatal("users.create failed");
    ctl_client_close(admin);
}

/* ---- contracts ------------------------------------------------------------ */

json_t *it_contract_args(void)
{
    int n = atomic_fetch_add(&contract_counter, 1) + 1;
    char number[64], title[64];
    snprintf(number, sizeof number, "IT-%06d", n);
    snprintf(title, sizeof title, "Integration contract %d", n);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "number", number, "title", title,
                     "counterparty", "ACME Testing Ltd", "kind", "client", "currency", "EUR",
                     "amount_cents", (json_int_t)100000);
}

json_t *it_contract_create(struct ctl_client *c, json_t *fields_steal)
{
    json_t *args = it_contract_args();
    if (fields_steal) {
        json_object_update(args, fields_steal);
        json_decref(fields_steal);
    }
    json_t *r = it_call(c, "contracts.create", args, NULL);
    if (!r)
        return NULL;
    json_t *contract = json_incref(json_object_get(r, "contract"));
    json_decref(r);
    if (!contract)
        fprintf(stderr, "harness: contracts.create result has no contract\n");
    return contract;
}

json_t *it_contract_get(struct ctl_client *c, const char *id)
{
    json_t *r = it_call(c, "contracts.get", json_pack("{s:s}", "id", id), NULL);
    if (!r)
        return NULL;
    json_t *contract = json_incref(json_object_get(r, "contract"));
    json_decref(r);
    return contract;
}

json_t *it_contract_update(struct ctl_client *c, const char *id, json_int_t version,
                           json_t *changes_steal, const char *reason, json_t **error)
{
    json_t *args =
        json_pack("{s:s, s:I, s:o}", "id", id, "version", version, "changes", changes_steal);
    if (reason)
        json_object_set_new(args, "reason", json_string(reason));
    return it_call(c, "contracts.update", args, error);
}

/* ---- events and closes ---------------------------------------------------- */

json_t *it_wait_event(struct ctl_client *c, const char *name, int timeout_ms, int *skipped)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - it_now_ms();
        json_t *ev = NULL;
        if (left <= 0)
            return NULL;
        int rc = ctl_client_next_event(c, (int)left, &ev);
        if (rc <= 0)
            return NULL;
        if (!name || strcmp(it_str(ev, "event"), name) == 0)
            return ev;
        if (skipped)
            (*skipped)++;
        json_decref(ev);
    }
}

int it_ws_wait_close(struct ctl_ws *ws, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - it_now_ms();
        char *msg = NULL;
        size_t len = 0;
        if (left <= 0)
            return 0;
        int rc = ctl_ws_recv(ws, (int)left, &msg, &len);
        free(msg);
        if (rc == -1)
            return ctl_ws_close_code(ws);
        if (rc == -2)
            return ctl_ws_close_code(ws) ? ctl_ws_close_code(ws) : -2;
        if (rc == 0)
            return 0;
    }
}

int it_wait_close(struct ctl_client *c, int timeout_ms)
{
    struct ctl_ws *ws = ctl_client_ws(c);
    /* The client may already have seen the close while waiting for a
     * response; the code is then known without reading. */
    if (ctl_ws_close_code(ws))
        return ctl_ws_close_code(ws);
    return it_ws_wait_close(ws, timeout_ms);
}
