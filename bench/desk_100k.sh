#!/usr/bin/env bash
# `make bench-desk`: pacta-desk with 100,000 contracts (issue 3: "stays
# smooth with 100,000 contracts").
#
#   bench/desk_100k.sh [BUILD]     (N=100000, CONNS=4, SLOW_MS=20, PACTAD=... to override;
#                                  DESK_WRAP="perf record -g -o F" to profile)
#
# Starts a pactad on a temp data dir with `--rate 0` (the per-connection
# token bucket would pace the loader), fills it with N contracts through
# desk_load (pipelined contracts.create), then runs the real pacta-desk
# under xvfb-run (GSK_RENDERER=cairo), logged in through the environment as
# scripts/run.sh does, with PACTA_DESK_BENCH=1: it measures itself (load
# time, RSS, row widgets, main-loop gaps and frame intervals while loading,
# scrolling, taking live updates, filtering and sorting; see
# client-gtk/src/ui/pacta-bench.c) and prints one JSON object, which this
# script turns into the Markdown for bench/RESULTS.md.  It measures the
# desk's own in-memory list, so the desk keeps all N (PACTA_DESK_MAX_ROWS=N;
# past its default limit the desk would list the server's pages instead,
# which bench/desk_1m.c measures).  Then the server's statements that took
# longer than SLOW_MS (pactad --slow-statement-ms), by statement.
set -euo pipefail
BUILD=${1:-build}
N=${N:-100000}
CONNS=${CONNS:-4}
SLOW_MS=${SLOW_MS:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
bin="$top/$BUILD/bin"
pactad=${PACTAD:-$bin/pactad}
for f in "$pactad" "$bin/desk_load" "$bin/pacta-desk"; do
  [ -x "$f" ] || { echo "desk_100k: $f not built (make build)" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "desk_100k: xvfb-run not found" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pacta-desk-100k.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

bash "$top/certs/gen-dev-certs.sh" "$tmp/certs" >/dev/null 2>&1
password=bench-admin-pass-0123
PACTA_ADMIN_PASSWORD=$password "$pactad" --data-dir "$tmp/data" --listen 127.0.0.1:0 \
  --cert "$tmp/certs/server.pem" --key "$tmp/certs/server.key" --rate 0 \
  --slow-statement-ms "$SLOW_MS" \
  2>"$tmp/pactad.log" &
server=$!
port=
for _ in $(seq 200); do
  port=$(grep -o '"msg":"listening"[^}]*"port":[0-9]*' "$tmp/pactad.log" 2>/dev/null |
    grep -o '[0-9]*$' | head -1 || true)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/pactad.log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$port" ] || { echo "desk_100k: pactad did not start" >&2; cat "$tmp/pactad.log" >&2; exit 1; }
url="wss://localhost:$port"

echo "### $(date -u +%Y-%m-%d) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo
echo "\`bench/desk_100k.sh $BUILD\` (N=$N)"
echo
load=$("$bin/desk_load" "$url" "$tmp/certs/ca.pem" admin "$password" "$N" "$CONNS")
echo "Server filled first: $load over $CONNS pipelined connections."
echo

json=$(env -u DISPLAY -u WAYLAND_DISPLAY XDG_CONFIG_HOME="$tmp/config" GSK_RENDERER=cairo \
  GDK_BACKEND=x11 NO_AT_BRIDGE=1 GTK_A11Y=none PACTA_DESK_BENCH=1 \
  PACTA_DESK_MAX_ROWS="${PACTA_DESK_MAX_ROWS:-$N}" \
  PACTA_URL="$url" PACTA_CA="$tmp/certs/ca.pem" PACTA_USER=admin PACTA_PASSWORD="$password" \
  timeout 600 xvfb-run -a -s "-screen 0 1600x1000x24" ${DESK_WRAP:-} "$bin/pacta-desk" 2>"$tmp/desk.log" |
  grep '^{' || true)
if [ -z "$json" ]; then
  echo "desk_100k: pacta-desk printed no figures" >&2
  cat "$tmp/desk.log" >&2
  exit 1
fi
case $json in *'"ok":false'*) echo "desk_100k: the measurement failed:" >&2; cat "$tmp/desk.log" >&2;; esac
[ -n "${BENCH_JSON:-}" ] && printf '%s\n' "$json" >"$BENCH_JSON"
python3 "$top/bench/desk_table.py" <<<"$json"
echo
python3 "$top/bench/slow_table.py" "pactad's statements over $SLOW_MS ms during the run, the load included" \
  <"$tmp/pactad.log"
