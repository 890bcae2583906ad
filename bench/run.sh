#!/usr/bin/env bash
# `make bench` (short, a few minutes) and `make bench-full` (longer steps):
# pactad side by side with a Socket.IO 4 server (Node, npm socket.io) and
# nats-server (Debian), all over TLS websockets on 127.0.0.1, driven by the
# same C load generator (bench/loadgen.c).  Writes one run section into
# bench/RESULTS.md (newest first) and prints it.
#
#   bench/run.sh [BUILD] [short|full]
#
# Scenarios: fan-out (100/1,000/5,000 subscribers, rate stepped up until a
# step loses a message or its p99 passes 50 ms), edits (group commit vs one
# fsync per edit vs in-process SQLite), capacity (10,000 idle TLS
# connections), catch-up (100,000 missed events), and edit_latency.
# With 2+ cores every server runs pinned to CPU 0 and the load generator to
# CPU 1 (taskset), so each server gets the same single core.
set -euo pipefail
BUILD=${1:-build}
MODE=${2:-short}
# ONLY="fanout edits" runs just those parts (fanout capacity edits catchup
# latency targets) and leaves RESULTS.md alone: before/after comparisons
ONLY=${ONLY:-}
# FANOUT_SERVERS="pacta" runs the fan-out steps against pactad alone (same use)
FANOUT_SERVERS=${FANOUT_SERVERS:-"pacta sio nats"}
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$BUILD/bin"
peers="$top/bench/peers"

if [ "$MODE" = full ]; then
  SECS=${SECS:-8}; SIZES=${SIZES:-"100 1000 5000"}; CAP=${CAP:-10000}; EVENTS=${EVENTS:-100000}
  EDIT_SECS=${EDIT_SECS:-10}; EDITS=${EDITS:-2000}
  TARGETS=${TARGETS:-2000,5000,10000,15000,20000,30000,40000,50000,60000,80000,100000,120000,140000,160000,200000,240000,320000,400000,480000,640000}
else
  SECS=${SECS:-2}; SIZES=${SIZES:-"100 1000 5000"}; CAP=${CAP:-10000}; EVENTS=${EVENTS:-100000}
  EDIT_SECS=${EDIT_SECS:-4}; EDITS=${EDITS:-500}
  TARGETS=${TARGETS:-5000,10000,20000,40000,60000,80000,120000,160000,240000,320000,400000,480000,640000}
fi
WRITERS=${WRITERS:-64}
PORT=${BENCH_PORT:-27443}

# ---- dependencies ------------------------------------------------------------
if ! command -v nats-server >/dev/null 2>&1; then
  echo "bench: installing nats-server (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q nats-server >/dev/null
  else sudo apt-get install -y -q nats-server >/dev/null; fi
fi
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "bench: node and npm are needed for the Socket.IO peer (apt-get install nodejs npm)" >&2
  exit 1
}
if [ ! -d "$peers/socketio/node_modules/socket.io" ]; then
  echo "bench: npm ci in bench/peers/socketio" >&2
  (cd "$peers/socketio" && npm ci --no-audit --no-fund --registry=https://registry.npmjs.org/ >/dev/null)
fi
for t in loadgen sqlite_ceiling pactad edit_latency; do
  cmake --build "$top/$BUILD" -j2 --target "$t" >/dev/null # up to date, not only present
done

# 10,000 connections: one fd each in the load generator and in the server
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((CAP + 200)) ] || {
  echo "bench: ulimit -n is $(ulimit -n); $CAP connections need more" >&2; exit 1; }

# bench_setup, wait_port, start_server, stop_server, label (shared with
# bench/lg_cost.sh)
. "$top/bench/servers.sh"
bench_setup bench
SUM=$tmp/summary.tsv
: >"$SUM"
lg() { "${LG[@]}" "$bin/loadgen" --port "$PORT" --ca "$CA" --server-pid "$server_pid" \
  --summary "$SUM" --admin-password "$ADMIN_PW" "$@"; }

out=$tmp/section.md
{
  echo "### $(date -u '+%Y-%m-%d %H:%M') UTC — \`make bench$([ "$MODE" = full ] && echo -full)\`"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"
  echo "$(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), Linux $(uname -r);"
  echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); $pinning."
  echo "Versions: pactad $("$bin/pactad" --version 2>&1 | head -1 | sed 's/^pactad //'),"
  echo "libwebsockets $(pkg-config --modversion libwebsockets | sed 's/-$//'), OpenSSL $(openssl version | cut -d' ' -f2),"
  echo "SQLite $(pkg-config --modversion sqlite3), Node $(node --version),"
  echo "socket.io $(node -p "require('$peers/socketio/node_modules/socket.io/package.json').version"),"
  echo "nats-server $(nats-server --version | sed 's/.* v//')."
  echo "Settings: fan-out steps of ${SECS} s at target deliveries/s $TARGETS, 4 publishers round"
  echo "robin (stepping stops after a step that loses a message or has p99 > 1 s; \"sustained\" is"
  echo "nothing lost and p99 ≤ 50 ms); edits ${EDIT_SECS} s with $WRITERS writers;"
  echo "capacity $CAP connections; catch-up $EVENTS events."
  echo
} >"$out"
cat "$out"

emit() { echo "$@" | tee -a "$out"; }

# ---- 1. fan-out --------------------------------------------------------------
if want fanout; then
  emit "#### Fan-out: 4 publishers, N subscribers, ~300-byte JSON, open-loop rate"
  emit
  emit "Latency is from the publisher's intended send time to receipt at a subscriber (same clock)."
  emit "For pactad a publish is a \`contracts.update\` (durable commit, then broadcast of the"
  emit "\`contract.updated\` event, ~900 bytes with the whole record); the others relay the payload."
  emit
  emit "| server | subscribers | msg/s | delivered/expected | p50 ms | p99 ms | p99.9 ms | max ms | deliveries/s | server CPU % | server RSS MB | loadgen CPU % | sustained |"
  emit "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for n in $SIZES; do
    for s in $FANOUT_SERVERS; do
      start_server "$s"
      lg --proto "$s" --label "$(label "$s")" --subs "$n" --targets "$TARGETS" --secs "$SECS" \
        | tee -a "$out" || true
      stop_server
    done
  done
  emit
fi

# ---- 2. capacity -------------------------------------------------------------
if want capacity; then
  emit "#### Capacity: $CAP idle authenticated TLS connections, then fan-out at that size"
  emit
  emit "| server | subscribers | msg/s | delivered/expected | p50 ms | p99 ms | p99.9 ms | max ms | deliveries/s | server CPU % | server RSS MB | loadgen CPU % | sustained |"
  emit "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for s in pacta sio nats; do
    start_server "$s"
    lg --proto "$s" --label "$(label "$s")" --subs "$CAP" --targets "$CAP,$((CAP * 3))" \
      --secs "$SECS" | tee -a "$out" || true
    stop_server
  done
  emit
  emit "RSS before: the server started, nothing connected (pactad has run one argon2 hash and"
  emit "check by then, which leaves ~20 MB of freed heap that later allocations reuse; the whole"
  emit "process divided by the connections is the upper bound)."
  emit
  emit "| server | connections | RSS before KB | RSS after KB | KB per connection (increment) | KB per connection (whole process) | seconds to connect |"
  emit "|---|---|---|---|---|---|---|"
  awk -F'\t' -v cap="$CAP" '$1 == "conns" && $3 == cap {printf "| %s | %d | %d | %d | %.1f | %.1f | %.1f |\n", $2, $3, $4, $5, $6, $8, $7}' "$SUM" | tee -a "$out"
  emit
fi

# ---- 3. edits ------------------------------------------------------------------
if want edits; then
  emit "#### Edits: $WRITERS writers, version-checked contracts.update, one in flight each"
  emit
  emit "| server | writers | contracts | acknowledged | edits/s | conflicts | p50 ms | p99 ms | max ms | server CPU % |"
  emit "|---|---|---|---|---|---|---|---|---|---|"
  start_server pacta
  lg --proto pacta --scenario edits --label "pactad (group commit)" --writers "$WRITERS" \
    --secs "$EDIT_SECS" 2>"$tmp/edits.err" | tee -a "$out" || true
  cat "$tmp/edits.err" >&2
  stop_server
  start_server pacta PACTA_WRITER_MAX_BATCH=1
  lg --proto pacta --scenario edits --label "pactad-1fsync" --writers "$WRITERS" \
    --secs "$EDIT_SECS" | sed 's/pactad-1fsync/pactad, one fsync per edit (group commit off)/' \
    | tee -a "$out" || true
  stop_server
  # the same edits of active contracts: each with a reason, so a supplement
  # and the search index's reasons (not a target line: the issue's edits are
  # the drafts' above; this is what signed contracts cost)
  start_server pacta
  lg --proto pacta --scenario edits --label "pactad-active" --writers "$WRITERS" --active \
    --secs "$EDIT_SECS" | sed 's/pactad-active/pactad (group commit), active contracts: a reason and a supplement each/' \
    | tee -a "$out" || true
  stop_server
  emit
  # where the group-commit run's threads spent the window (bench/lg_threads.c)
  grep ' threads over ' "$tmp/edits.err" | sed 's/^/Group commit, /; s/;$/./' | while read -r l; do
    emit "$l"
    emit
  done
  emit "| in-process ceiling (same disk, synchronous=FULL, UPDATE + change-log INSERT) | edits/s |"
  emit "|---|---|"
  "${SRV[@]}" "$bin/sqlite_ceiling" "$tmp" "$EDIT_SECS" 256 | tee "$tmp/ceiling.md" | tee -a "$out"
  emit
fi

# ---- 4. catch-up -----------------------------------------------------------------
if want catchup; then
  emit "#### Catch-up: a client $EVENTS events behind resubscribes with \`since\`"
  emit
  emit "| server | events behind | events received | seconds to live | events/s | server CPU % | server RSS MB |"
  emit "|---|---|---|---|---|---|---|"
  start_server pacta
  lg --proto pacta --scenario catchup --label pactad --writers 32 --events "$EVENTS" \
    | tee -a "$out" || true
  stop_server
  emit
fi

# ---- 5. edit latency (bench/edit_latency.c, unpinned, its own pactad) -------------
if want latency; then
  emit "#### Edit latency (\`edit_latency $EDITS 8\`)"
  emit
  "$bin/edit_latency" "$EDITS" 8 2> >(grep -v '^harness:' >&2) | tee -a "$out"
  emit
fi

# ---- targets ----------------------------------------------------------------------
if want targets; then
  emit "#### Targets (computed from the tables above)"
  emit
  awk -F'\t' -f "$top/bench/targets.awk" -v ceiling="$(awk -F'|' 'NR==2 {gsub(/ /,"",$3); print $3}' "$tmp/ceiling.md")" \
    -v cap="$CAP" -v sizes="$SIZES" "$SUM" | tee -a "$out"
  emit
fi

# newest run first, below the marker line (whole runs only)
res="$top/bench/RESULTS.md"
if [ -z "$ONLY" ] && grep -q '^<!-- runs -->' "$res"; then
  awk -v f="$out" '{print} /^<!-- runs -->/ {print ""; while ((getline l < f) > 0) print l}' \
    "$res" >"$tmp/RESULTS.md" && cp "$tmp/RESULTS.md" "$res"
  echo "bench: added this run to bench/RESULTS.md" >&2
fi
