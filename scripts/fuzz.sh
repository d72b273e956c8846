#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer harnesses (tests/fuzz, clang, ASan+UBSan)
# into build-fuzz/ and run each for SECONDS (default 30) over its seed
# corpus, after replaying every input in tests/fuzz/crashes/TARGET/ (past
# crashes, kept as regressions).
#   scripts/fuzz.sh [SECONDS [TARGET...]]
# Inputs that crash are saved in tests/fuzz/findings/TARGET/ (not
# committed: once the parser is fixed, move the file to crashes/TARGET/).
# New corpus entries and the harnesses' temporary files go to a scratch
# directory removed at the end: the tree's corpus is not modified.
# Exit status: 0 if no target crashed, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config platform cost idx checkpoint trace_read chrome)
command -v clang > /dev/null || { echo "fuzz.sh: clang is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DDSGD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz > build-fuzz/fuzz-build.log 2>&1 ||
  { tail -n 30 build-fuzz/fuzz-build.log >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/dsgd-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch  # the harnesses' own temporary directories
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
for t in "${targets[@]}"; do
  exe=build-fuzz/tests/fuzz/fuzz_$t
  [ -x "$exe" ] || { echo "fuzz.sh: no target '$t'" >&2; exit 1; }
  findings=tests/fuzz/findings/$t
  mkdir -p "$findings"
  # Regressions: each file is run once.
  mapfile -t old < <(find "tests/fuzz/crashes/$t" -type f 2> /dev/null | sort)
  if [ ${#old[@]} -gt 0 ] && ! "$exe" "${old[@]}" > "$scratch/$t-crashes.log" 2>&1; then
    echo "fuzz $t: a past crash crashes again:" >&2
    grep -E "ERROR|runtime error|SUMMARY|Running:|#[0-9]+ 0x" "$scratch/$t-crashes.log" | tail -n 25 >&2
    status=1
    continue
  fi
  mkdir -p "$scratch/corpus-$t"
  # A harness may write seeds in today's format (checkpoint does).
  [ "$t" != checkpoint ] || DSGD_FUZZ_SEED_DIR=$scratch/corpus-$t "$exe" > /dev/null 2>&1 ||
    echo "fuzz $t: could not write a fresh seed (fuzzing from the committed corpus)" >&2
  log=$scratch/$t.log
  start=$SECONDS
  if "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$scratch/corpus-$t" "tests/fuzz/corpus/$t" > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    echo "fuzz $t: ${runs:-?} runs in $((SECONDS - start)) s, ${cov:-no coverage line}, ${#old[@]} past crashes replayed"
  else
    echo "fuzz $t: FOUND A CRASH (input saved in $findings/):" >&2
    grep -E "ERROR|runtime error|SUMMARY|fuzz_|#[0-9]+ 0x|Test unit written" "$log" | head -n 30 >&2
    status=1
  fi
done
exit $status
