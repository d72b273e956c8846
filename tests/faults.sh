#!/usr/bin/env bash
# faults.sh — stragglers and failures in dsgd-sim, checked by mechanism.
#  1. --slow R:F stretches rank R's compute F times; SSGD waits for the
#     slowest worker every step, so its iteration time grows by (F-1) times
#     the per-iteration compute time d of rank R, read from the trace of the
#     normal run (within 1 %).
#  2. A window covering the whole run equals --slow without a window; a
#     window after the run's end changes nothing.
#  3. --fail: a synchronous run exits non-zero (3, stalled) with one line
#     naming the cause, and writes no trace.
#  4. --fail on a worker of an asynchronous run (asgd, easgd, gossip push
#     and pull): it finishes (exit 0) with failed_ranks 1 and a finite
#     loss; asgd's server applied fewer updates than the 4 x 20 of the
#     run without failure, but more than the 3 x 20 of the survivors.
#  5. --fail on asgd's server: exit 1, one line naming the server.
# usage: faults.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
args=(--platform "$platform" --nodes 4 --iters 20 --quiet --json)
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
normal=$("$sim" "${args[@]}" --trace "$out/normal.csv")
slow=$("$sim" "${args[@]}" --slow 2:3)
always=$("$sim" "${args[@]}" --slow node-2:3@0-1000)
later=$("$sim" "${args[@]}" --slow 2:3@1000-2000)
# mean duration of rank 2's fwdbwd compute events
d=$(awk -F, '$1 == 2 && $2 == "compute" && $3 == "fwdbwd" { s += $5 - $4; n++ }
             END { printf "%.12g", s / n }' "$out/normal.csv")
t0=$(field "$normal" iter_time_s) t1=$(field "$slow" iter_time_s)
echo "normal iteration $t0 s, rank-2 compute $d s, slowed x3: $t1 s (expected $t0 + 2 x $d)"
fail=0
awk -v a="$t1" -v b="$t0" -v d="$d" 'BEGIN { w = b + 2 * d; exit !((a - w) ^ 2 <= (0.01 * w) ^ 2) }' ||
  { echo "FAIL: slowed iteration time is not normal + 2 x compute"; fail=1; }
[ "$(field "$always" time_s)" = "$(field "$slow" time_s)" ] ||
  { echo "FAIL: a window over the whole run differs from --slow without one"; fail=1; }
[ "$(field "$later" time_s)" = "$(field "$normal" time_s)" ] ||
  { echo "FAIL: a window after the run changed it"; fail=1; }
rm -f "$out/fail.csv"
set +e
msg=$("$sim" "${args[@]}" --fail 2@0.002 --trace "$out/fail.csv" 2>&1 > /dev/null)
status=$?
# (sanitizer builds: drop ASan's warnings about SimGrid's context switches)
msg=$(grep -vE '^==[0-9]+==WARNING: ASan is ignoring|^False positive error reports|^For details see https://github.com/google/sanitizers' <<< "$msg" || true)
set -e
echo "with --fail 2@0.002: exit $status: $msg"
[ $status = 3 ] || { echo "FAIL: exit status $status, want 3"; fail=1; }
[ "$(wc -l <<< "$msg")" = 1 ] && grep -q "stalled: .* --fail killed" <<< "$msg" ||
  { echo "FAIL: want one line naming the stall and --fail"; fail=1; }
[ ! -e "$out/fail.csv" ] || { echo "FAIL: a trace was written by the failed run"; fail=1; }
args5=(--platform "$platform" --nodes 5 --iters 20 --quiet --json)
for algo in asgd easgd "gossip --gossip push" "gossip --gossip pull"; do
  rm -f "$out/async.csv"
  set +e
  # shellcheck disable=SC2086
  res=$("$sim" "${args5[@]}" --algo $algo --fail 2@0.002 --trace "$out/async.csv" 2> "$out/async.err")
  status=$?
  set -e
  echo "$algo with --fail 2@0.002: exit $status, failed_ranks $(field "$res" failed_ranks)," \
       "final_loss $(field "$res" final_loss)"
  [ $status = 0 ] && [ "$(field "$res" failed_ranks)" = 1 ] &&
    awk -v l="$(field "$res" final_loss)" 'BEGIN { exit !(l + 0 == l && l > 0 && l < 1e6) }' ||
    { echo "FAIL: $algo did not go on without the failed worker"; cat "$out/async.err"; fail=1; }
  if [ "$algo" = asgd ]; then
    updates=$(awk -F, '$2 == "update" && $3 == "staleness"' "$out/async.csv" | wc -l)
    echo "  server updates: $updates (4 workers x 20 without failure)"
    [ "$updates" -gt 60 ] && [ "$updates" -lt 80 ] ||
      { echo "FAIL: want between 60 and 80 updates"; fail=1; }
  fi
done
set +e
msg=$("$sim" "${args5[@]}" --algo asgd --fail 4@0.002 2>&1 > /dev/null)
status=$?
set -e
msg=$(grep -vE '^==[0-9]+==WARNING: ASan is ignoring|^False positive error reports|^For details see https://github.com/google/sanitizers' <<< "$msg" || true)
echo "asgd with its server killed: exit $status: $msg"
[ $status = 1 ] && [ "$(wc -l <<< "$msg")" = 1 ] && grep -q "parameter server rank 4 failed" <<< "$msg" ||
  { echo "FAIL: want exit 1 and one line naming the failed server"; fail=1; }
exit $fail
