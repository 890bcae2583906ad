/*
 * The raw-websocket helpers of it_protocol_doc and it_protocol_errors:
 * requests as text, the next response (the events met on the way kept in
 * got_events, by name), and the members of an error.
 */
#ifndef PACTA_IT_PROTOCOL_UTIL_H
#define PACTA_IT_PROTOCOL_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static json_t *got_events; /* name -> last event of that name received */

static inline json_t *recv_response(struct ctl_ws *ws)
{
    for (;;) {
        char *msg = NULL;
        size_t len = 0;
        if (ctl_ws_recv(ws, IT_TIMEOUT_MS, &msg, &len) != 1)
            return NULL;
        json_t *j = json_loadb(msg, len, 0, NULL);
        if (getenv("PROTO_DUMP"))
            fprintf(stderr, "<- %.*s\n", (int)(len > 3000 ? 3000 : len), msg);
        free(msg);
        if (json_object_get(j, "ok"))
            return j;
        const char *name = json_string_value(json_object_get(j, "event"));
        if (name)
            json_object_set(got_events, name, j);
        json_decref(j);
    }
}

static inline const json_t *res(const json_t *r, const char *key)
{
    return json_object_get(json_object_get(r, "result"), key);
}

/* Sends raw text, returns the answer (new ref). */
static inline json_t *raw(struct ctl_ws *ws, const char *text)
{
    if (ctl_ws_send_text(ws, text, strlen(text)) != 0)
        it_fatal("send failed");
    return recv_response(ws);
}

static inline const char *err_code(const json_t *r)
{
    const char *c = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
    return c ? c : "(none)";
}
static inline const char *err_field(const json_t *r)
{
    const char *f = json_string_value(json_object_get(json_object_get(r, "error"), "field"));
    return f ? f : "(none)";
}

#endif
