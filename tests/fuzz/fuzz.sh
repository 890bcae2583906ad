#!/usr/bin/env bash
# Runs one libFuzzer target of tests/fuzz with its dictionary and corpus.
#   tests/fuzz/fuzz.sh BUILD_DIR TARGET [libFuzzer options...]
# e.g. tests/fuzz/fuzz.sh build-fuzz protocol -runs=10000000
# New inputs go to BUILD_DIR/fuzz-corpus/TARGET (the seeds in
# tests/fuzz/corpus/TARGET are only read); a crash is written to
# BUILD_DIR/fuzz-artifacts/TARGET-crash-* and makes this exit non-zero.
set -euo pipefail

build=$1 target=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/bin/fuzz_$target
work=$build/fuzz-corpus/$target
art=$build/fuzz-artifacts
[ -x "$bin" ] || { echo "fuzz.sh: $bin not built (make fuzz-build)" >&2; exit 2; }
mkdir -p "$work" "$art"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# A build without ASan (-DPACTA_FUZZ_SANITIZE=undefined) still checks the heap:
# glibc's malloc checks catch double and invalid frees and overruns of a
# chunk's end, and freed memory is filled with 0xa5 so a use after free reads
# garbage the oracle sees.
if grep -q '^PACTA_FUZZ_SANITIZE:STRING=undefined$' "$build/CMakeCache.txt" 2>/dev/null; then
  ldconfig -p | grep -q 'libc_malloc_debug\.so\.0 ' ||
    { echo "fuzz.sh: glibc's libc_malloc_debug.so.0 not found" >&2; exit 2; }
  export LD_PRELOAD=libc_malloc_debug.so.0 GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.perturb=165
  echo "fuzz.sh: UBSan build: glibc heap checks (libc_malloc_debug)" >&2
fi

echo "fuzz.sh: $target $*" >&2
exec "$bin" -dict="$here/pacta.dict" -max_len=16384 -timeout=30 -print_final_stats=1 \
  -artifact_prefix="$art/$target-" "$@" "$work" "$here/corpus/$target"
