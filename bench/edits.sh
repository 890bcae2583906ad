#!/usr/bin/env bash
# The edits scenario of `make bench` alone (bench/run.sh part 3), run RUNS
# times against a fresh pactad each, for before/after figures of the
# writer's contracts.update path:
#
#   bench/edits.sh [BUILD] [RUNS]
#
# Same settings as bench/run.sh: pactad pinned to CPU 0, loadgen to CPU 1,
# WRITERS=64 one version-checked update in flight each on 1,024 contracts,
# EDIT_SECS=4 (6 here by default: a longer window, less noise).  Prints one
# table row per run, then the median of edits/s, and the load average.
#   PIN=0 bench/edits.sh          pactad and loadgen not pinned (pactad's loop
#                                 and writer threads may then use both cores)
#   BASELINE=1 bench/edits.sh     also one fsync per edit (PACTA_WRITER_MAX_BATCH=1,
#                                 RUNS times) and the in-process ceiling, as make bench
#   LOGLEVEL=debug KEEP_LOG=FILE bench/edits.sh build 1
#                                 pactad's log kept (at debug: one line per batch
#                                 with its writes and microseconds)
#   Each run also prints, per thread of pactad and of the load generator, its
#   share of the window on a CPU and waiting for one (bench/lg_threads.c).
#   WRAP="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p" \
#     bench/edits.sh build 1      pactad under a profiler
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
EDIT_SECS=${EDIT_SECS:-6}
WRITERS=${WRITERS:-64}
PORT=${BENCH_PORT:-27543}
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$BUILD/bin"
for t in loadgen pactad; do
  cmake --build "$top/$BUILD" -j2 --target "$t" >/dev/null # up to date, not only present
done

SRV=(); LG=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  [ "${PIN:-1}" = 0 ] || { SRV=(taskset -c 0); LG=(taskset -c 1); }
fi
read -r -a WRAP_CMD <<<"${WRAP:-}"

tmp=$(mktemp -d /tmp/pacta-edits.XXXXXX)
server_pid=0
cleanup() {
  [ "$server_pid" = 0 ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -z "${KEEP_LOG:-}" ] || cp "$tmp/pactad.log" "$KEEP_LOG"; rm -rf "$tmp"
}
trap cleanup EXIT
bash "$top/certs/gen-dev-certs.sh" "$tmp/certs" >/dev/null
ADMIN_PW=bench-admin-$RANDOM$RANDOM

wait_port() {
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "edits: nothing listens on port $1" >&2
  exit 1
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# how fast fsync is right now (other work on a shared VM changes it 10x): with
# slow fsyncs every build waits on the disk and edits/s compares nothing
if [ -x "$bin/sqlite_ceiling" ]; then
  mkdir -p "$tmp/fsync"
  echo "disk now: $("${SRV[@]}" "$bin/sqlite_ceiling" "$tmp/fsync" 1 256 | head -1 |
    awk -F'|' '{gsub(/ /,"",$3); print $3}') in-process edits/s with one fsync each" >&2
fi
echo "| server | writers | contracts | acknowledged | edits/s | conflicts | p50 ms | p99 ms | max ms | server CPU % |"
echo "|---|---|---|---|---|---|---|---|---|---|"
# run LABEL [ENV=VALUE...]: RUNS fresh servers, one table row each, then the median
run() {
  local label=$1
  shift
  local rates=()
  for r in $(seq "$RUNS"); do
    rm -rf "$tmp/data"
    env PACTA_ADMIN_PASSWORD="$ADMIN_PW" "$@" "${SRV[@]}" "${WRAP_CMD[@]}" "$bin/pactad" \
      --data-dir "$tmp/data" --listen "127.0.0.1:$PORT" --cert "$tmp/certs/server.pem" \
      --key "$tmp/certs/server.key" --rate 0 --max-conns-per-user 0 --log-level "${LOGLEVEL:-warn}" \
      >>"$tmp/pactad.log" 2>&1 &
    server_pid=$!
    wait_port "$PORT"
    row=$("${LG[@]}" "$bin/loadgen" --port "$PORT" --ca "$tmp/certs/ca.pem" \
      --server-pid "$server_pid" --summary "$tmp/summary.tsv" --admin-password "$ADMIN_PW" \
      --proto pacta --scenario edits --label "$label, run $r" --writers "$WRITERS" \
      --secs "$EDIT_SECS") || true
    echo "$row"
    rates+=("$(echo "$row" | awk -F'|' '{gsub(/ /,"",$6); print $6}')")
    kill -INT "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=0
    sleep 0.3
  done
  printf '%s\n' "${rates[@]}" | sort -n |
    awk -v l="$label" '{a[NR]=$1} END {print "median edits/s, " l ": " a[int((NR+1)/2)]}' >>"$tmp/medians"
}
: >"$tmp/medians"
run "pactad (group commit)"
if [ "${BASELINE:-0}" = 1 ]; then
  run "pactad, one fsync per edit" PACTA_WRITER_MAX_BATCH=1
  cmake --build "$top/$BUILD" -j2 --target sqlite_ceiling >/dev/null
  echo
  "${SRV[@]}" "$bin/sqlite_ceiling" "$tmp" "$EDIT_SECS" 256
fi
echo
cat "$tmp/medians"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
