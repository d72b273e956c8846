#!/usr/bin/env bash
# sweep_mpi.sh — mpirun -np 2 dsgd-sim ... --sweep: each rank simulates
# every other point and the first gathers them (dsgd-gather): the table
# equals the one a single dsgd-sim writes, digit for digit, the first rank
# says the sweep went over 2 ranks, and a point that fails is reported
# once, with its reason, exit 2.
# usage: sweep_mpi.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
rm -f "$out"/*.csv
args=(--platform "$platform" --algo ssgd-ps --iters 5 --sweep nodes=2,4,8,16)
mpi=(mpirun --oversubscribe -np 2)
fail=0
"$sim" "${args[@]}" --sweep-out "$out/one.csv" --quiet
"${mpi[@]}" "$sim" "${args[@]}" --sweep-out "$out/mpi.csv" 2> "$out/mpi.err"
cat "$out/mpi.csv"
cmp "$out/one.csv" "$out/mpi.csv" || { echo "FAIL: the MPI sweep's table differs"; fail=1; }
grep -qx "dsgd-sim: sweep of 5 points over 2 MPI ranks" "$out/mpi.err" ||
  { echo "FAIL: no line saying the sweep went over 2 ranks:"; cat "$out/mpi.err"; fail=1; }
status=0
"${mpi[@]}" "$sim" --platform "$platform" --iters 2 --sweep nodes=2,99,4 \
  --sweep-out "$out/bad.csv" 2> "$out/bad.err" || status=$?
[ "$status" = 2 ] || { echo "FAIL: a failing point: exit $status, want 2"; fail=1; }
[ "$(grep -c 'point nodes=99 failed (exit 2): .*ranks do not fit' "$out/bad.err")" = 1 ] ||
  { echo "FAIL: the failing point is not reported once:"; cat "$out/bad.err"; fail=1; }
[ ! -e "$out/bad.csv" ] || { echo "FAIL: a failed sweep wrote its table"; fail=1; }
[ $fail = 0 ] && echo "sweep_mpi: ok"
exit $fail
