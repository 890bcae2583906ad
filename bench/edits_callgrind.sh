#!/usr/bin/env bash
# pactad's instructions per edit, by thread, on the edits scenario
# (bench/edits.sh's load): pactad runs under callgrind
# (--separate-threads=yes), the load generator drives WRITERS version-checked
# contracts.update in flight for SECS seconds, the counters are zeroed once
# the first update arrived (logins, the contracts' creation and start-up are
# left out) and dumped when the load generator is done.  Instruction counts
# repeat within a few percent on a shared machine where wall-clock figures
# do not.
#
#   bench/edits_callgrind.sh [BUILD] [OUTDIR]
#
# Prints, for pactad's loop thread (main) and its writer (pacta-writer), the
# instructions per contracts.update answered (successes and conflicts alike:
# the calls of contract_update in the dump), and leaves the dumps in OUTDIR
# (default /tmp/pacta-cg.XXXXXX) for callgrind_annotate.
#   SECS=20 WRITERS=64   how long and how many writers (under callgrind
#                        pactad does a few hundred edits a second)
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$(mktemp -d /tmp/pacta-cg.XXXXXX)}
SECS=${SECS:-20}
WRITERS=${WRITERS:-64}
PORT=${BENCH_PORT:-27743}
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$BUILD/bin"
command -v valgrind >/dev/null || {
  echo "edits_callgrind: needs valgrind" >&2
  exit 1
}
for t in loadgen pactad pactactl; do
  cmake --build "$top/$BUILD" -j2 --target "$t" >/dev/null # up to date, not only present
done
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/pacta-cgrun.XXXXXX)
server_pid=0
cleanup() {
  [ "$server_pid" = 0 ] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
bash "$top/certs/gen-dev-certs.sh" "$tmp/certs" >/dev/null
ADMIN_PW=bench-admin-$RANDOM$RANDOM

PACTA_ADMIN_PASSWORD="$ADMIN_PW" valgrind --tool=callgrind --separate-threads=yes \
  --callgrind-out-file="$OUT/cg.%p" "$bin/pactad" --data-dir "$tmp/data" \
  --listen "127.0.0.1:$PORT" --cert "$tmp/certs/server.pem" --key "$tmp/certs/server.key" \
  --rate 0 --max-conns-per-user 0 --log-level warn >"$tmp/pactad.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

updates() {
  "$bin/pactactl" --url "wss://127.0.0.1:$PORT" --ca "$tmp/certs/ca.pem" metrics 2>/dev/null |
    awk '/^pacta_requests_total\{op="contracts.update"\}/ {print $2; f=1} END {if (!f) print 0}'
}
"$bin/loadgen" --port "$PORT" --ca "$tmp/certs/ca.pem" --server-pid "$server_pid" \
  --summary "$tmp/summary.tsv" --admin-password "$ADMIN_PW" --proto pacta --scenario edits \
  --label "pactad under callgrind" --writers "$WRITERS" --secs "$SECS" >"$tmp/row" 2>"$tmp/lg.err" &
lg_pid=$!
until [ "$(updates)" -gt 0 ]; do
  kill -0 "$lg_pid" 2>/dev/null || {
    cat "$tmp/lg.err" >&2
    exit 1
  }
  sleep 0.2
done
callgrind_control -z "$server_pid" >/dev/null 2>&1
wait "$lg_pid" || true
callgrind_control -d "$server_pid" >/dev/null 2>&1
cat "$tmp/row"
kill -INT "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=0

# the dump made by -d: one file per thread, OUT/cg.PID.1-NN; the writer's is
# the one with writer_main, the loop's is the first
total() { grep -m1 -E '^(summary|totals):' "$1" | awk '{print $2}'; }
writer=$(grep -l 'writer_main' "$OUT"/cg.*.1-*)
loop=$(ls "$OUT"/cg.*.1-01)
# writes applied while counting: all of them contracts.update in this scenario
edits=$(callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$writer" 2>/dev/null |
  awk '!n && /> .*:srv__write_apply \(/ {for (i = 1; i <= NF; i++) if ($i ~ /^\([0-9,]+x\)$/) {
         gsub(/[(),x]/, "", $i); n = $i}} END {print n}')
printf 'contracts.update applied while counting: %s\n' "$edits"
per_edit() { awk -v t="$(total "$1")" -v n="$edits" 'BEGIN {printf "%.0f", t / n}'; }
printf 'loop thread (%s): %s instructions per edit\n' "$(basename "$loop")" "$(per_edit "$loop")"
printf 'writer thread (%s): %s instructions per edit\n' "$(basename "$writer")" \
  "$(per_edit "$writer")"
echo "dumps in $OUT (callgrind_annotate --inclusive=yes FILE)"
