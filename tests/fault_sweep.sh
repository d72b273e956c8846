#!/usr/bin/env bash
# fault_sweep.sh — random failures, every variant: a rank killed anywhere in
# a run (setup, any step, the final collectives) must end it cleanly.
# Each run draws a variant, 3..8 ranks and one or two --fail R@T with T
# within the run's own length (from a run without failures), then checks:
#   - exit 0 (the variant went on without the rank), 1 (a rank it cannot
#     do without, e.g. a server, failed) or 3 (a synchronous run stalled);
#   - on a non-zero exit, one line on stderr;
#   - no sanitizer report (under -DDSGD_SANITIZE=ON: a leak of a killed
#     rank's requests or temporaries, a use after free).
# A draw whose layout the platform refuses (exit 2 without failures) is
# skipped.  Seeded: a failing draw is replayed by its printed command.
# usage: fault_sweep.sh DSGD_SIM PLATFORM [RUNS] [SEED]
set -uo pipefail
sim=$1 platform=$2 runs=${3:-24}
RANDOM=${4:-1}
algos=($("$sim" --algo list 2> /dev/null | awk '/^[a-z]/ { print $1 }'))
[ ${#algos[@]} -ge 10 ] || { echo "FAIL: '$sim --algo list' gave ${#algos[@]} variants"; exit 1; }
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
# ASan's note on SimGrid's context switches is not a finding.
noise='ASan is ignoring requested __asan_handle_no_return|False positive error reports may follow|For details see https://github.com/google/sanitizers/issues/189'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 skipped=0 ended=(0 0 0 0)
for ((i = 0; i < runs; i++)); do
  algo=${algos[RANDOM % ${#algos[@]}]}
  n=$((3 + RANDOM % 6))
  args=(--platform "$platform" --algo "$algo" --nodes "$n" --iters 20 --quiet)
  base=$("$sim" "${args[@]}" --json 2> "$tmp/err")
  case $? in
    0) ;;
    2) skipped=$((skipped + 1)); continue ;; # a layout this platform refuses (e.g. lsgd's nodes)
    *) echo "FAIL: ${args[*]} without failures: $(head -1 "$tmp/err")"; fail=1; continue ;;
  esac
  total=$(field "$base" time_s)
  faults=()
  for ((k = 0; k < 1 + RANDOM % 2; k++)); do
    faults+=(--fail "$((RANDOM % n))@$(awk -v t="$total" -v u=$RANDOM 'BEGIN { printf "%.6f", t * u / 32768 }')")
  done
  cmd="$sim ${args[*]} ${faults[*]}"
  "$sim" "${args[@]}" "${faults[@]}" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  grep -Ev "$noise" "$tmp/err" > "$tmp/said"
  lines=$(wc -l < "$tmp/said")
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
    echo "FAIL: exit $rc: $cmd"; head -5 "$tmp/said"; fail=1
  elif grep -qE 'Sanitizer|runtime error:' "$tmp/said"; then
    echo "FAIL: sanitizer report: $cmd"
    grep -E -m3 'Sanitizer|runtime error:|leak of' "$tmp/said"; fail=1
  elif [ "$rc" -ne 0 ] && [ "$lines" -ne 1 ]; then
    echo "FAIL: exit $rc with $lines lines on stderr: $cmd"; head -3 "$tmp/said"; fail=1
  else
    ended[rc]=$((ended[rc] + 1))
  fi
done
echo "fault_sweep: $runs runs: ${ended[0]} went on (exit 0), ${ended[1]} lost a rank they need (exit 1), ${ended[3]} stalled (exit 3), $skipped layouts refused"
exit $fail
