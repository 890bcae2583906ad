#!/usr/bin/env bash
# Backups of 1,000,000 contracts (issue 6): backup time per snapshot method
# with the edit latency of concurrent desks with and without a backup
# running, compression, verify and restore times.  Prints Markdown for
# bench/RESULTS.md.  Usage: bench/backup.sh [BUILD] [CONTRACTS] [EDITORS]
set -euo pipefail
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cmake --build "$top/$BUILD" -j2 --target backup_bench pactad >/dev/null
echo "### $(date -u +%Y-%m-%d) — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo
echo "\`bench/backup.sh $BUILD ${2:-1000000} ${3:-8}\`"
echo
"$top/$BUILD/bin/backup_bench" "${2:-1000000}" "${3:-8}" 2> >(grep -v '^harness:' >&2)
