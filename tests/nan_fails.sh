#!/usr/bin/env bash
# nan_fails.sh — a loss that turns NaN fails the run (exit 1) with the
# reason, on every variant where the failing rank leaves others waiting
# for it: on MPI the job is taken down (the failing rank printed its reason
# and called MPI_Abort: the others hung in their receives), and in the
# simulator the NaN is the reason given (it was reported as a stall, exit
# 3).  Gossip under the sanitizer: its listener's receive, still posted,
# landed in freed memory (heap-use-after-free).
# usage: nan_fails.sh DSGD_SIM PLATFORM MPIEXEC DSGD_RUN
set -uo pipefail
sim=$1 platform=$2 mpiexec=$3 run=$4
fail=0
check() { # label status stderr-file
  local why
  why=$(grep -E "failed: iteration [0-9]+: loss is NaN" "$3" | head -1)
  echo "$1: exit $2: ${why:-no reason}"
  [ "$2" = 1 ] && [ -n "$why" ] && ! grep -q "ERROR: AddressSanitizer" "$3" ||
    { echo "FAIL: $1: want exit 1 and the NaN as the reason"; cat "$3"; fail=1; }
}
err=$(mktemp)
for algo in asgd easgd odsgd ssgd-ps lsgd gossip; do
  timeout 60 "$mpiexec" --oversubscribe -np 4 "$run" --algo "$algo" --iters 5 --lr 1e30 --quiet \
    > /dev/null 2> "$err"
  check "MPI $algo" $? "$err"
  timeout 60 "$sim" --platform "$platform" --nodes 4 --algo "$algo" --iters 5 --lr 1e30 --quiet \
    > /dev/null 2> "$err"
  check "sim $algo" $? "$err"
done
rm -f "$err"
exit $fail
