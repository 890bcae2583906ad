#!/usr/bin/env bash
# `make bench`: runs the measurements and prints them as Markdown, ready to be
# pasted into bench/RESULTS.md with the machine line it prints first.
set -euo pipefail
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
echo "### $(date -u +%Y-%m-%d) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo
echo "\`$BUILD/bin/edit_latency ${EDITS:-500} ${WRITERS:-8}\`"
echo
"$top/$BUILD/bin/edit_latency" "${EDITS:-500}" "${WRITERS:-8}" 2> >(grep -v '^harness:' >&2)
