#!/bin/bash
# make memcheck: the integration suite with every pactad under valgrind
# memcheck (the harness runs `$PACTA_PACTAD_WRAPPER pactad ...`, see
# tests/integration/harness.h).  A pactad with a memory error or a definite
# or indirect leak exits 99, which fails the test that stopped it; each
# pactad's valgrind report is kept in BUILD/memcheck/vg.PID.log and the
# reports with findings are printed at the end.
#
#   tests/memcheck.sh BUILD [TEST...]     (default: every BUILD/bin/it_*)
#   MEMCHECK_JOBS=N   tests at once (default 2)
#
# Only definitely lost blocks are errors: an indirectly lost block hangs off
# a definitely lost one (reported, or suppressed as library noise), and
# "possibly lost" ones are interior pointers into lws's and OpenSSL's pools.
# tests/valgrind.supp lists library noise only.
set -u
build=${1:?usage: $0 BUILD [TEST...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
out=$build/memcheck
rm -rf "$out"
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "memcheck: valgrind is not installed" >&2; exit 2; }

export PACTA_PACTAD_WRAPPER="valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite,indirect --num-callers=30 \
--suppressions=$root/tests/valgrind.supp --log-file=$out/vg.%p.log"

if [ $# -gt 0 ]; then
    tests=("$@")
else
    tests=()
    for t in "$build"/bin/it_*; do tests+=("$(basename "$t")"); done
fi

run_one() {
    local t=$1 start rc
    start=$(date +%s)
    (cd "$2/bin" && timeout 3600 "./$t" >"$3/$t.out" 2>&1)
    rc=$?
    echo "$t: exit $rc ($(($(date +%s) - start)) s)"
    [ $rc -eq 0 ] || echo "$t" >>"$3/failed"
}
export -f run_one
printf '%s\n' "${tests[@]}" | xargs -P "${MEMCHECK_JOBS:-2}" -I{} bash -c 'run_one "$@"' _ {} "$build" "$out"

bad=0
for log in "$out"/vg.*.log; do
    [ -e "$log" ] || continue
    if grep -qE "ERROR SUMMARY: [1-9]|definitely lost: [1-9]" "$log"; then
        bad=$((bad + 1))
        echo "---- $log"
        grep -m1 "Command:" "$log"
        grep -E "ERROR SUMMARY|definitely lost" "$log"
    fi
done
n=$(ls "$out"/vg.*.log 2>/dev/null | wc -l)
echo "memcheck: ${#tests[@]} tests, $n pactad runs under valgrind, $bad with findings" \
    "(reports: $out)"
if [ -e "$out/failed" ]; then
    echo "memcheck: failed tests (output in $out/TEST.out):" $(cat "$out/failed")
    exit 1
fi
[ $bad -eq 0 ]
