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
# several variants: the rows gathered from both ranks carry their algo
printf -- '--algo asgd --servers 2\n--algo lsgd --node-size 4\n' > "$out/variants.txt"
vargs=(--platform "$platform" --iters 5 --sweep nodes=4,8 --sweep-variants "$out/variants.txt" --quiet)
"$sim" "${vargs[@]}" --sweep-out "$out/one-variants.csv"
"${mpi[@]}" "$sim" "${vargs[@]}" --sweep-out "$out/mpi-variants.csv"
cmp "$out/one-variants.csv" "$out/mpi-variants.csv" ||
  { echo "FAIL: the MPI sweep of two variants differs"; cat "$out/mpi-variants.csv"; fail=1; }
[ "$(tail -n +2 "$out/mpi-variants.csv" | cut -d, -f1,3 | tr '\n' ' ')" = "asgd,4 asgd,8 lsgd,4 lsgd,8 " ] ||
  { echo "FAIL: want rows asgd 4, 8 then lsgd 4, 8"; fail=1; }
status=0
"${mpi[@]}" "$sim" --platform "$platform" --iters 2 --sweep nodes=2,99,4 \
  --sweep-out "$out/bad.csv" 2> "$out/bad.err" || status=$?
[ "$status" = 2 ] || { echo "FAIL: a failing point: exit $status, want 2"; fail=1; }
[ "$(grep -c 'point nodes=99 failed (exit 2): .*ranks do not fit' "$out/bad.err")" = 1 ] ||
  { echo "FAIL: the failing point is not reported once:"; cat "$out/bad.err"; fail=1; }
[ ! -e "$out/bad.csv" ] || { echo "FAIL: a failed sweep wrote its table"; fail=1; }
[ $fail = 0 ] && echo "sweep_mpi: ok"
exit $fail
