/*
 * Shared between the dispatcher fuzz target and its link-time seams
 * (fuzz_dispatch_seams.c): the stand-in for a libwebsockets connection.
 */
#ifndef PACTA_FUZZ_DISPATCH_H
#define PACTA_FUZZ_DISPATCH_H

#include "log.h"
#include "srv.h"

#define FUZZ_WSI_MAGIC 0x70616374u

/* What a session's `struct lws *` points to in the fuzz process. */
struct fuzz_wsi {
    unsigned magic;
    int slot;         /* index of the harness's connection slot */
    int writable;     /* lws_callback_on_writable() was asked for */
    int closed;       /* the session asked lws to close the connection */
    int close_status; /* from lws_close_reason(), 0 if none */
    unsigned responses, events;
};

/* Called for each frame session.c writes: checks its shape, counts it. */
void fuzz__frame_out(struct fuzz_wsi *w, const char *buf, size_t len);

#endif
