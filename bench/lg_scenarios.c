/*
 * loadgen's scenarios.  Included by loadgen.c (one translation unit: the
 * scenarios drive the connection table and counters declared there).
 */

/* ---- PACTA setup through the project's blocking client ------------------- */
static void pacta_setup(void)
{
    char url[64], err[256];
    struct ctl_client *cl;
    json_t *res = NULL;
    snprintf(url, sizeof url, "wss://localhost:%d/", o.port);
    struct ctl_ws_options wo = {.url = url, .ca_file = o.ca, .timeout_ms = 10000};
    if (ctl_client_connect(&wo, &cl, err, sizeof err))
        die(err);
    if (ctl_client_request(cl, "auth.login",
                           json_pack("{s:s,s:s,s:s}", "username", "admin", "password",
                                     o.admin_pw ? o.admin_pw : "", "client", "loadgen"),
                           30000, &res) != 0)
        die("auth.login as admin failed (--admin-password)");
    lg.token = strdup(json_string_value(json_object_get(res, "token")));
    json_decref(res);

    int n = strcmp(o.scenario, "fanout") == 0  ? o.publishers
            : strcmp(o.scenario, "edits") == 0 ? (o.ncontracts ? o.ncontracts : 16 * o.writers)
                                               : o.writers;
    lg.contracts = calloc((size_t)n, sizeof *lg.contracts);
    lg.versions = calloc((size_t)n, sizeof *lg.versions);
    lg.ncontracts = n;
    for (int i = 0; i < n; i++) {
        char num[64];
        snprintf(num, sizeof num, "B-%d-%d-%d", (int)getpid(), (int)(lg_now_us() % 1000000), i);
        json_t *args = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "number", num, "title", "bench",
                                 "counterparty", "Bench SA", "kind", "supplier", "currency", "EUR",
                                 "status", o.active ? "active" : "draft");
        if (ctl_client_request(cl, "contracts.create", args, 30000, &res) != 0)
            die("contracts.create failed");
        json_t *k = json_object_get(res, "contract");
        lg.contracts[i] = strdup(json_string_value(json_object_get(k, "id")));
        lg.versions[i] = json_integer_value(json_object_get(k, "version"));
        json_decref(res);
    }
    ctl_client_close(cl);
}

static void alloc_conns(int n)
{
    nconns = n;
    conns = calloc((size_t)n, sizeof *conns);
    if (!conns)
        abort();
    for (int i = 0; i < n; i++)
        conns[i].idx = i;
}

/* ---- fan-out ---------------------------------------------------------------- */
void lg_on_delivery(struct lg_conn *c, const char *p, size_t len)
{
    if (c->role != LG_SUB)
        return; /* only subscribers count (Socket.IO publishers are not sent any) */
    const char *end, *lim = p + len;
    int64_t ts = lg_scan_int(p, lim, &end);
    int st = end < lim && *end == ':' ? (int)lg_scan_int(end + 1, lim, NULL) : -1;
    if (st != step) {
        stale++; /* a late message of an earlier step */
        return;
    }
    int64_t now = lg_now_us();
    lg_hist_add(&hist, (uint64_t)(now > ts ? now - ts : 0));
    delivered++;
    last_delivery_us = now;
}

static uint64_t pub_total;

static void publish_each(void)
{
    int64_t now = lg_now_us();
    if (now < pub_t0)
        return;
    uint64_t due = (uint64_t)((double)(now - pub_t0) * pub_rate / 1e6) + 1;
    if (due > pub_total)
        due = pub_total;
    while (pub_sent < due) {
        /* round robin over the publishers (pactad: 64 requests in flight
         * per connection would otherwise cap a single publisher) */
        struct lg_conn *c = &conns[pub_sent % (uint64_t)o.publishers];
        if (c->state != LG_READY)
            break;
        int64_t ts = pub_t0 + (int64_t)((double)pub_sent * 1e6 / pub_rate);
        lg_proto_publish(c, ts, step, pub_sent);
        pub_sent++;
    }
}

static int64_t pub_window_end;

/* All sent and the step's window over: CPU figures are per the whole window. */
static int publish_done(void)
{
    return (pub_sent >= pub_total && lg_now_us() >= pub_window_end) || dead > 0;
}

static uint64_t expected(void)
{
    return (lg.proto == LG_PACTA ? pub_acked : pub_sent) * (uint64_t)o.subs;
}

static int drained(void)
{
    if (lg.proto == LG_PACTA && pub_acked + pub_errors < pub_sent)
        return 0;
    return delivered >= expected();
}

static int scenario_fanout(void)
{
    alloc_conns(o.subs + o.publishers);
    for (int i = 0; i < nconns; i++)
        conns[i].role = i < o.publishers ? LG_PUB : LG_SUB;
    long rss0 = proc_kb(o.server_pid, "VmRSS:");
    double csecs = connect_all();
    /* let the server settle (lazy allocations, TLS session caches) */
    int64_t settle = lg_now_us() + 500000;
    while (lg_now_us() < settle)
        lg_service();
    long rss1 = proc_kb(o.server_pid, "VmRSS:");
    /* the increment per connection, and the whole process divided by the
     * connections (an upper bound: it includes what the server held before) */
    summary("conns\t%s\t%d\t%ld\t%ld\t%.1f\t%.1f\t%.1f\n", o.label, o.subs, rss0, rss1,
            (double)(rss1 - rss0) / o.subs, csecs, (double)rss1 / o.subs);
    fprintf(stderr, "loadgen: %s: %d subscribers connected in %.1f s, server RSS %ld -> %ld KB\n",
            o.label, o.subs, csecs, rss0, rss1);

    for (int t = 0; t < o.ntargets; t++) {
        step++;
        lg_hist_reset(&hist);
        pub_rate = o.targets[t] / o.subs;
        pub_total = (uint64_t)(pub_rate * o.secs + 0.5);
        if (pub_total < 1)
            pub_total = 1;
        pub_sent = pub_acked = pub_errors = delivered = stale = 0;
        double cpu0 = proc_cpu_secs(o.server_pid), self0 = self_cpu_secs();
        struct lg_cost cost;
        lg_cost_start(&cost);
        pub_t0 = lg_now_us() + 20000;
        pub_window_end = pub_t0 + (int64_t)((double)pub_total / pub_rate * 1e6);
        last_delivery_us = pub_t0;
        run_until(publish_done, o.secs * 1000 + 10000, publish_each);
        run_until(drained, 5000, NULL);
        int64_t t_end = lg_now_us();
        double wall = (double)(t_end - pub_t0) / 1e6;
        double cpu = (proc_cpu_secs(o.server_pid) - cpu0) / wall * 100;
        double self = (self_cpu_secs() - self0) / wall * 100;
        double window = (double)pub_total / pub_rate;
        double span = (double)(last_delivery_us - pub_t0) / 1e6;
        double dps = (double)delivered / (span > window ? span : window);
        double p50 = lg_hist_pct(&hist, 50) / 1e3, p99 = lg_hist_pct(&hist, 99) / 1e3,
               p999 = lg_hist_pct(&hist, 99.9) / 1e3, mx = (double)hist.max / 1e3;
        uint64_t exp = expected();
        /* kept up: nothing lost and latency bounded (not a growing backlog);
         * ok: that, and p99 under --p99-ms (the target's 50 ms) */
        int kept = delivered == exp && pub_errors == 0 && dead == 0 && p99 <= o.stop_ms &&
                   (lg.proto != LG_PACTA || pub_acked == pub_sent);
        int ok = kept && p99 <= o.p99_ms;
        printf("| %s | %d | %.1f | %" PRIu64 "/%" PRIu64 "%s | %.2f | %.2f | %.2f | %.2f | %.0f | "
               "%.0f | %.0f | %.0f | %s |\n",
               o.label, o.subs, pub_rate, delivered, exp, pub_errors ? " (publish errors)" : "",
               p50, p99, p999, mx, dps, cpu, proc_kb(o.server_pid, "VmRSS:") / 1024.0, self,
               ok     ? "yes"
               : kept ? "no (p99)"
                      : "**no**");
        fflush(stdout);
        double us_per, ins_per, reads_per, records_per;
        lg_cost_end(&cost, delivered, &us_per, &ins_per);
        lg_cost_io(&cost, delivered, &reads_per, &records_per);
        fprintf(stderr,
                "loadgen: %s: %d subscribers, %.0f deliveries/s asked: %" PRIu64
                " delivered, loadgen %.2f us CPU and %s user instructions per delivery "
                "(publishing included); %.3f reads, %.3f TLS records per delivery\n",
                o.label, o.subs, o.targets[t], delivered, us_per, lg_cost_fmt(ins_per), reads_per,
                records_per);
        summary("fanout\t%s\t%d\t%.2f\t%.0f\t%.3f\t%d\t%d\n", o.label, o.subs, pub_rate, dps, p99,
                ok, kept);
        if (dead)
            fprintf(stderr, "loadgen: %d connections closed (last close code %d)\n", dead,
                    conns[nconns - 1].close_code);
        if (!kept)
            break;
        int64_t pause = lg_now_us() + 300000;
        while (lg_now_us() < pause)
            lg_service();
    }
    return 0;
}

/* ---- edits and the catch-up filler ----------------------------------------- */
static uint64_t edit_counter, inflight;
static int catchup_mode;

static void writer_send(struct lg_conn *c)
{
    char buf[512];
    int k = catchup_mode ? c->idx - 1 : rand() % lg.ncontracts;
    c->contract = k;
    c->sent_us = lg_now_us();
    inflight++;
    char reason[48] = ""; /* an active contract's edit needs one: a new one each time */
    if (o.active && !catchup_mode)
        snprintf(reason, sizeof reason, ",\"reason\":\"price review %" PRIu64 "\"",
                 edit_counter + 1);
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":%" PRId64 ",\"op\":\"contracts.update\",\"args\":{\"id\":\"%s\","
                     "\"version\":%" PRId64 ",\"changes\":{\"amount_cents\":%" PRIu64 "}%s}}",
                     ++c->next_id, lg.contracts[k], lg.versions[k], ++edit_counter, reason);
    lg_send(c, buf, (size_t)n);
}

static int catch_phase; /* 0 head wanted, 1 unsubscribing, 2 idle, 3 replaying */

void lg_on_response(struct lg_conn *c, int ok, int64_t version, const char *msg, size_t len)
{
    if (c->role == LG_PUB) {
        if (ok) {
            pub_acked++;
        } else {
            if (pub_errors++ < 3)
                fprintf(stderr, "loadgen: publish refused: %.*s\n", (int)(len < 200 ? len : 200),
                        msg);
            if (version > 0)
                lg.versions[c->idx] = version; /* pipelined updates resync on the current one */
        }
        return;
    }
    if (c->role == LG_CATCHUP) {
        const char *h = memmem(msg, len, "\"head\":", 7);
        if (catch_phase == 0 && h) {
            head0 = lg_scan_int(h + 7, msg + len, NULL);
            catch_phase = 1;
            lg_send(c, "{\"id\":90,\"op\":\"unsubscribe\",\"args\":{}}", 38);
        } else if (catch_phase == 1) {
            catch_phase = 2;
        } else if (catch_phase == 3 && h) {
            catch_head = lg_scan_int(h + 7, msg + len, NULL);
        }
        return;
    }
    /* writers */
    int64_t now = lg_now_us();
    lg_hist_add(&hist, (uint64_t)(now - c->sent_us));
    c->sent_us = 0;
    inflight--;
    int k = c->contract;
    if (ok) {
        acked++;
        if (version > lg.versions[k])
            lg.versions[k] = version;
    } else if (memmem(msg, len, "\"conflict\"", 10)) {
        conflicts++;
        if (version > lg.versions[k])
            lg.versions[k] = version; /* the error's "current" record */
    } else if (other_errors++ < 3) {
        fprintf(stderr, "loadgen: edit refused: %.*s\n", (int)(len < 300 ? len : 300), msg);
    }
    if (running && (!catchup_mode || acked + inflight < (uint64_t)o.events))
        writer_send(c);
}

void lg_on_seq(struct lg_conn *c, int64_t seq)
{
    (void)c;
    if (catch_phase != 3 || seq <= head0)
        return;
    catch_events++;
    if (catch_head > 0 && seq >= catch_head && !catch_done_us)
        catch_done_us = lg_now_us();
}

static int none_inflight(void)
{
    return inflight == 0;
}

static int64_t run_end;
static int run_over(void)
{
    return lg_now_us() >= run_end;
}

static int scenario_edits(void)
{
    alloc_conns(o.writers);
    for (int i = 0; i < nconns; i++)
        conns[i].role = LG_WRITER;
    connect_all();
    lg_hist_reset(&hist);
    static struct lg_threads srv0, srv1, self0, self1;
    lg_threads_take(o.server_pid, &srv0);
    lg_threads_take((int)getpid(), &self0);
    double cpu0 = proc_cpu_secs(o.server_pid);
    struct lg_cost cost;
    lg_cost_start(&cost);
    int64_t t0 = lg_now_us();
    running = 1;
    for (int i = 0; i < nconns; i++)
        writer_send(&conns[i]);
    run_end = t0 + (int64_t)o.secs * 1000000;
    run_until(run_over, o.secs * 1000 + 1000, NULL);
    running = 0;
    run_until(none_inflight, 10000, NULL);
    double wall = (double)(lg_now_us() - t0) / 1e6;
    double cpu = (proc_cpu_secs(o.server_pid) - cpu0) / wall * 100;
    lg_threads_take(o.server_pid, &srv1);
    lg_threads_take((int)getpid(), &self1);
    lg_threads_report(stderr, "server", o.server_pid, &srv0, &srv1, wall);
    lg_threads_report(stderr, "loadgen", (int)getpid(), &self0, &self1, wall);
    uint64_t answered = acked + conflicts + other_errors;
    double us_per, ins_per, reads_per, records_per;
    lg_cost_end(&cost, answered, &us_per, &ins_per);
    lg_cost_io(&cost, answered, &reads_per, &records_per);
    fprintf(stderr,
            "loadgen: %s: %" PRIu64 " answered, %.2f us CPU and %s user instructions per "
            "answered edit (request and answer); %.3f reads, %.3f TLS records per edit\n",
            o.label, answered, us_per, lg_cost_fmt(ins_per), reads_per, records_per);
    printf("| %s | %d | %d | %" PRIu64 " | %.0f | %.1f%% | %.2f | %.2f | %.2f | %.0f |\n", o.label,
           o.writers, lg.ncontracts, acked, (double)acked / wall,
           answered ? 100.0 * (double)conflicts / (double)answered : 0,
           lg_hist_pct(&hist, 50) / 1e3, lg_hist_pct(&hist, 99) / 1e3, (double)hist.max / 1e3, cpu);
    summary("edits\t%s\t%d\t%.0f\t%.3f\t%.2f\n", o.label, o.writers, (double)acked / wall,
            lg_hist_pct(&hist, 99) / 1e3, answered ? (double)conflicts / (double)answered : 0);
    return other_errors ? 1 : 0;
}

/* ---- catch-up ------------------------------------------------------------------ */
static int phase_idle(void)
{
    return catch_phase == 2;
}
static int filled(void)
{
    return acked >= (uint64_t)o.events && inflight == 0;
}

static int scenario_catchup(void)
{
    catchup_mode = 1;
    alloc_conns(o.writers + 1);
    conns[0].role = LG_CATCHUP;
    for (int i = 1; i < nconns; i++)
        conns[i].role = LG_WRITER;
    connect_all();
    lg_send(&conns[0], "{\"id\":89,\"op\":\"subscribe\",\"args\":{}}", 36);
    if (run_until(phase_idle, 10000, NULL))
        die("catch-up: subscribe/unsubscribe did not answer");
    if (o.replay_from >= 0) {
        /* replay what the server already holds (profiling a restarted server) */
        head0 = o.replay_from;
        o.events = 0;
    }
    int64_t f0 = lg_now_us();
    running = o.events > 0;
    for (int i = 1; i < nconns && running; i++)
        writer_send(&conns[i]);
    if (run_until(filled, 600000, NULL))
        die("catch-up: writing the missed events did not finish");
    running = 0;
    double fill = (double)(lg_now_us() - f0) / 1e6;
    fprintf(stderr, "loadgen: %s: wrote %" PRIu64 " events in %.1f s (%.0f/s)\n", o.label, acked,
            fill, (double)acked / fill);

    /*
     * The replay is read with the project's blocking client (tools/client.h):
     * lws's client parses websocket frames byte by byte, and at ~90 MB in
     * two seconds that parser, not the server, set the pace (perf).
     */
    char url[64], err[256], req[160];
    struct ctl_ws *ws;
    snprintf(url, sizeof url, "wss://localhost:%d/", o.port);
    struct ctl_ws_options wo = {.url = url, .ca_file = o.ca, .timeout_ms = 10000};
    if (ctl_ws_connect(&wo, &ws, err, sizeof err))
        die(err);
    int n = snprintf(req, sizeof req,
                     "{\"id\":1,\"op\":\"auth.resume\",\"args\":{\"token\":\"%s\"}}", lg.token);
    char *msg;
    size_t len;
    if (ctl_ws_send_text(ws, req, (size_t)n) || ctl_ws_recv(ws, 10000, &msg, &len) != 1 ||
        !strstr(msg, "\"ok\":true"))
        die("catch-up: auth.resume failed");
    free(msg);
    n = snprintf(req, sizeof req,
                 "{\"id\":2,\"op\":\"subscribe\",\"args\":{\"since\":%" PRId64 "}}", head0);
    double cpu0 = proc_cpu_secs(o.server_pid);
    catch_phase = 3;
    catch_t0 = lg_now_us();
    ctl_ws_send_text(ws, req, (size_t)n);
    while (!catch_done_us) {
        int rc = ctl_ws_recv(ws, 10000, &msg, &len);
        if (rc != 1) {
            fprintf(stderr, "loadgen: catch-up stopped (%d) after %" PRIu64 " events\n", rc,
                    catch_events);
            break;
        }
        if (len > 9 && memcmp(msg, "{\"event\":", 9) == 0) {
            const char *p = memmem(msg, len, "\"seq\":", 6);
            lg_on_seq(&conns[0], p ? strtoll(p + 6, NULL, 10) : -1);
        } else {
            const char *h = memmem(msg, len, "\"head\":", 7);
            if (h)
                catch_head = strtoll(h + 7, NULL, 10);
            if (catch_head <= head0)
                catch_done_us = lg_now_us(); /* nothing to replay */
        }
        free(msg);
    }
    ctl_ws_close(ws, 1000);
    double secs = catch_done_us ? (double)(catch_done_us - catch_t0) / 1e6 : -1;
    double cpu = (proc_cpu_secs(o.server_pid) - cpu0) / (secs > 0 ? secs : 1) * 100;
    printf("| %s | %" PRId64 " | %" PRIu64 " | %.3f | %.0f | %.0f | %.0f |\n", o.label,
           catch_head - head0, catch_events, secs, secs > 0 ? (double)catch_events / secs : 0, cpu,
           proc_kb(o.server_pid, "VmRSS:") / 1024.0);
    summary("catchup\t%s\t%" PRIu64 "\t%.3f\n", o.label, catch_events, secs);
    return catch_done_us && catch_events == (uint64_t)(catch_head - head0) ? 0 : 1;
}
