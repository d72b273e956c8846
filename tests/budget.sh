#!/usr/bin/env bash
# budget.sh — --time-budget and --samples stop every variant, as asked.
#   usage: budget.sh DSGD_SIM PLATFORM [MPIEXEC ARGS.. DSGD_RUN]
# Per variant (8 ranks): a run of 20 iterations gives the iteration time T
# (time_s / iters).  With --time-budget B = 12 T the workers stop at the
# first iteration boundary past B: their training loops (the trace's
# events of iterations) end in [B, B + 1.5 T] (the iteration that crosses
# B; T is a mean), and time_s adds the drain (last pushes, pulls,
# averaging).  With
# --samples N: lock-step variants run ceil(N / (W batch)) iterations on
# every worker; asynchronous ones stop once all workers together trained
# N samples, so N <= samples < N + W batch (each of the W workers may be
# one minibatch past the count when it sees it).  The JSON says what
# stopped the run.  Asynchronous variants refuse --eval-every then.
# With a launcher, dsgd-run (4 processes) obeys the same rules: ssgd and
# asgd by samples, and by a wall-clock budget of 0.3 s.
set -uo pipefail
sim=$1 platform=$2
shift 2
run=("$@")
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--platform "$platform" --nodes 8 --json --quiet)
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }
variants=$("$sim" --algo list | awk '/^[a-z]/ { print $1 }')
[ -n "$variants" ] || { echo "FAIL: no variants listed"; exit 1; }
for a in $variants; do
  base=$("$sim" "${common[@]}" --algo "$a" --iters 20) || { echo "FAIL: $a: run failed"; fail=1; continue; }
  T=$(echo "$base" | field iter_time_s)
  B=$(awk -v t="$T" 'BEGIN { printf "%.9g", 12 * t }')
  out=$("$sim" "${common[@]}" --algo "$a" --time-budget "$B" --trace "$tmp/$a.csv") || { echo "FAIL: $a: budget run failed"; fail=1; continue; }
  t=$(echo "$out" | field time_s) by=$(echo "$out" | field stopped_by) it=$(echo "$out" | field iters)
  # the training loop: from the first event of an iteration (iter >= 0) to
  # the end of the last, any rank (the trace's clock starts before setup)
  loop_end=$(awk -F, 'NR > 1 && $9 >= 0 { if (!n++ || $4 < b) b = $4; if ($5 > e) e = $5 }
                      END { printf "%.9g", e - b }' "$tmp/$a.csv")
  echo "$a: T $T s, budget $B s: loop ended at $loop_end s, run at $t s, after $it iterations (by $by)"
  awk -v e="$loop_end" -v t="$t" -v b="$B" -v T="$T" 'BEGIN { exit !(t >= b && e >= b && e <= b + 1.5 * T) }' ||
    { echo "FAIL: $a: loop end $loop_end (time_s $t) outside [$B, $B + 1.5 x $T]"; fail=1; }
  [ "$by" = time ] || { echo "FAIL: $a: stopped_by '$by', want time"; fail=1; }

  W=$(echo "$base" | field workers) batch=32 N=1000
  out=$("$sim" "${common[@]}" --algo "$a" --samples $N) || { echo "FAIL: $a: samples run failed"; fail=1; continue; }
  s=$(echo "$out" | field samples) by=$(echo "$out" | field stopped_by) it=$(echo "$out" | field iters)
  lockstep=1
  case $a in asgd | easgd | gossip) lockstep=0 ;; esac
  echo "$a: --samples $N: $s samples, rank 0 ran $it iterations, $W workers (by $by)"
  if [ $lockstep = 1 ]; then
    want=$(((N + W * batch - 1) / (W * batch)))
    [ "$it" = "$want" ] && [ "$s" = $((want * W * batch)) ] ||
      { echo "FAIL: $a: $it iterations, $s samples; want $want, $((want * W * batch))"; fail=1; }
  else
    [ "$s" -ge $N ] && [ "$s" -lt $((N + W * batch)) ] ||
      { echo "FAIL: $a: $s samples, want [$N, $((N + W * batch)))"; fail=1; }
  fi
  [ "$by" = samples ] || { echo "FAIL: $a: stopped_by '$by', want samples"; fail=1; }
done
# the run a fast worker goes on with: asgd with one worker slowed down
out=$("$sim" "${common[@]}" --algo asgd --time-budget 0.01 --slow 0:20) || fail=1
echo "asgd, rank 0 twenty times slower, budget 0.01 s: $(echo "$out" | field iters) iterations on rank 0, $(echo "$out" | field samples) samples"
it=$(echo "$out" | field iters) s=$(echo "$out" | field samples) W=$(echo "$out" | field workers)
# 7 workers: if every one ran rank 0's count, samples would be 7 it 32
[ "$s" -gt $((2 * W * it * 32)) ] ||
  { echo "FAIL: asgd: the fast workers did not take more steps ($s samples, rank 0 $it iterations)"; fail=1; }
err=$("$sim" "${common[@]}" --algo gossip --time-budget 0.01 --eval-every 5 2>&1 >/dev/null) && {
  echo "FAIL: gossip --eval-every under --time-budget was accepted"; fail=1; }
echo "$err" | grep -q -- "--eval-every" || { echo "FAIL: error does not name --eval-every: $err"; fail=1; }
if [ ${#run[@]} -gt 0 ]; then
  for a in ssgd asgd; do
    out=$("${run[@]}" --algo $a --samples 1000 --json --quiet) || { echo "FAIL: dsgd-run $a --samples"; fail=1; continue; }
    s=$(echo "$out" | field samples) W=$(echo "$out" | field workers) by=$(echo "$out" | field stopped_by)
    echo "dsgd-run $a --samples 1000: $s samples, $W workers (by $by)"
    if [ $a = ssgd ]; then want=$(((1000 + W * 32 - 1) / (W * 32) * W * 32)); else want=; fi
    { [ -z "$want" ] || [ "$s" = "$want" ]; } && [ "$s" -ge 1000 ] && [ "$s" -lt $((1000 + W * 32)) ] &&
      [ "$by" = samples ] || { echo "FAIL: dsgd-run $a: $s samples by $by"; fail=1; }
    out=$("${run[@]}" --algo $a --time-budget 0.3 --json --quiet) || { echo "FAIL: dsgd-run $a --time-budget"; fail=1; continue; }
    t=$(echo "$out" | field time_s) by=$(echo "$out" | field stopped_by)
    echo "dsgd-run $a --time-budget 0.3: stopped at $t s (by $by)"
    awk -v t="$t" 'BEGIN { exit !(t >= 0.3 && t < 5) }' && [ "$by" = time ] ||
      { echo "FAIL: dsgd-run $a: time_s $t by $by"; fail=1; }
  done
fi
exit $fail
