#!/usr/bin/env bash
# What the load generator itself costs per message, for each server of the
# comparison (bench/loadgen.c, bench/lg_cost.c): one fan-out step at a rate
# every server sustains, and the edits scenario against pactad, RUNS times
# each against a fresh server; prints the generator's CPU microseconds and
# user-space instructions per delivery / per answered edit, then the medians.
#
#   bench/lg_cost.sh [BUILD] [RUNS]
#
#   SUBS=100 RATE=40000 SECS=4   fan-out: subscribers, deliveries/s asked, seconds
#   SERVERS="pacta sio nats"     which servers (fan-out; "" none); EDITS=0 skips the edits run
#   WRITERS=64 EDIT_SECS=4       the edits scenario as bench/run.sh runs it
#   CALLGRIND=1 RATE=1000 bench/lg_cost.sh build 1
#                                the load generator under callgrind: its
#                                instructions per message are the measured
#                                window's alone (lg_cost.c zeroes the counters at
#                                its start and dumps them at its end); KEEP=DIR
#                                keeps the dumps for callgrind_annotate
# Pinned as bench/run.sh pins (servers CPU 0, the load generator CPU 1).  CPU
# time moves with the other load on a shared machine; instruction counts
# (where the kernel lets a process count its own) repeat within ~1%.
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
SUBS=${SUBS:-100}
RATE=${RATE:-40000}
SECS=${SECS:-4}
SERVERS=${SERVERS-"pacta sio nats"}
WRITERS=${WRITERS:-64}
EDIT_SECS=${EDIT_SECS:-4}
PORT=${BENCH_PORT:-27643}
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$BUILD/bin"
peers="$top/bench/peers"
for t in loadgen pactad; do
  cmake --build "$top/$BUILD" -j2 --target "$t" >/dev/null # up to date, not only present
done
command -v nats-server >/dev/null && [ -d "$peers/socketio/node_modules/socket.io" ] || {
  echo "lg_cost: run bench/run.sh once first (it installs nats-server and the Socket.IO peer)" >&2
  exit 1
}
WRAP_CMD=()

. "$top/bench/servers.sh"
bench_setup lgcost
if [ "${CALLGRIND:-0}" = 1 ]; then
  mkdir -p "$tmp/cg"
  WRAP_CMD=(valgrind --tool=callgrind --callgrind-out-file="$tmp/cg/cg.%p")
fi

lg() { "${LG[@]}" "${WRAP_CMD[@]}" "$bin/loadgen" --port "$PORT" --ca "$tmp/certs/ca.pem" \
  --server-pid "$server_pid" --summary "$tmp/summary.tsv" --admin-password "$ADMIN_PW" "$@"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server | scenario | run | messages | loadgen µs CPU per message | loadgen instructions per message | reads per message | TLS records per message |"
echo "|---|---|---|---|---|---|---|---|"
: >"$tmp/rows"
# row SERVER SCENARIO RUN: one table row from the loadgen's cost line in $tmp/err
# (under callgrind: the instructions of the window's dump)
row() {
  local cg=""
  if [ "${CALLGRIND:-0}" = 1 ]; then
    f=$(grep -l 'lg_cost window' "$tmp"/cg/cg.* 2>/dev/null | head -1 || true)
    [ -z "$f" ] || cg=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
    [ -z "${KEEP:-}" ] || { mkdir -p "$KEEP"; cp "$tmp"/cg/cg.* "$KEEP/" 2>/dev/null || true; }
    rm -f "$tmp"/cg/cg.*
  fi
  awk -v s="$1" -v sc="$2" -v r="$3" -v cg="$cg" '/ us CPU and / {
      for (i = 1; i <= NF; i++) {
        if ($i == "delivered," || $i == "answered,") n = $(i - 1)
        if ($i == "us") us = $(i - 1)
        if ($i == "user") ins = $(i - 1)
        if ($i == "reads,") rd = $(i - 1)
        if ($i == "TLS") rc = $(i - 1)
      }
      if (n == "") n = "-"
      if (cg != "" && n + 0 > 0) ins = sprintf("%.0f", cg / n)
      printf "| %s | %s | %s | %s | %.2f | %s | %s | %s |\n", s, sc, r, n, us, ins, rd, rc
    }' "$tmp/err" | tee -a "$tmp/rows"
}
for s in $SERVERS; do
  for r in $(seq "$RUNS"); do
    start_server "$s"
    lg --proto "$s" --label "$(label "$s")" --subs "$SUBS" --targets "$RATE" --secs "$SECS" \
      >"$tmp/out" 2>"$tmp/err" || true
    grep -q ' us CPU and ' "$tmp/err" || cat "$tmp/err" >&2
    row "$(label "$s")" "fan-out $SUBS subs, $RATE/s" "$r"
    stop_server
  done
done
if [ "${EDITS:-1}" = 1 ]; then
  for r in $(seq "$RUNS"); do
    start_server pacta
    lg --proto pacta --scenario edits --label pactad --writers "$WRITERS" --secs "$EDIT_SECS" \
      >"$tmp/out" 2>"$tmp/err" || true
    grep -q ' us CPU and ' "$tmp/err" || cat "$tmp/err" >&2
    row pactad "edits, $WRITERS writers" "$r"
    awk -F'|' '{gsub(/ /, "", $6); print "edits/s " $6}' "$tmp/out"
    stop_server
  done
fi
echo
# medians per server and scenario
awk -F'|' '{k = $2 "|" $3; n[k]++; us[k, n[k]] = $6; ins[k, n[k]] = $7; if (!(k in seen)) {seen[k] = 1; order[++m] = k}}
  END {
    for (j = 1; j <= m; j++) {
      k = order[j]; c = n[k]
      for (a = 1; a <= c; a++) { u[a] = us[k, a] + 0; v[a] = ins[k, a] + 0 }
      for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) {
        if (u[b] < u[a]) { t = u[a]; u[a] = u[b]; u[b] = t }
        if (v[b] < v[a]) { t = v[a]; v[a] = v[b]; v[b] = t }
      }
      mid = int((c + 1) / 2)
      iv = v[mid] > 0 ? sprintf("%.0f", v[mid]) : "n/a"
      printf "median,%s: %.2f µs CPU, %s instructions per message (%d runs)\n", k, u[mid], iv, c
    }
  }' "$tmp/rows"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
