#!/usr/bin/env bash
# toy_variant.sh — a variant added as one file and one list line
# (tests/toy_barrier.c, tests/variants.list) runs on both backends.
#   usage: toy_variant.sh OUTDIR SIM_TOY RUN_TOY SIM MPIRUN PLATFORM
# Checks: only the toy programs list it; on each backend every rank passes
# iters+1 barriers (the start and one per step); the parameters are the
# initial ones on both backends (params_norm of ssgd at lr 0, momentum 0).
set -uo pipefail
out=$1 sim_toy=$2 run_toy=$3 sim=$4 mpirun=$5 platform=$6
mkdir -p "$out"
fail=0
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
"$sim_toy" --algo list | grep -q '^toy-barrier ' || { echo "FAIL: dsgd-sim-toy does not list toy-barrier"; fail=1; }
"$run_toy" --algo list | grep -q '^toy-barrier ' || { echo "FAIL: dsgd-run-toy does not list toy-barrier"; fail=1; }
"$sim" --algo list | grep -q '^toy-barrier ' && { echo "FAIL: dsgd-sim lists the test variant"; fail=1; }
common=(--model mlp --hidden 16 --data synthetic --iters 5 --json --quiet)
n=4 iters=5
s=$("$sim_toy" --platform "$platform" --nodes $n --algo toy-barrier "${common[@]}" --trace "$out/sim.csv")
r=$("$mpirun" --oversubscribe -np $n "$run_toy" --algo toy-barrier "${common[@]}" --trace "$out/run.csv")
base=$("$sim" --platform "$platform" --nodes $n --algo ssgd --lr 0 --momentum 0 "${common[@]}")
echo "sim: $s"; echo "run: $r"; echo "ssgd lr 0: $base"
for res in "$s" "$r"; do
  [ "$(field "$res" iters)" = $iters ] || { echo "FAIL: iters is not $iters"; fail=1; }
  [ "$(field "$res" params_norm)" = "$(field "$base" params_norm)" ] ||
    { echo "FAIL: params_norm $(field "$res" params_norm) is not the initial $(field "$base" params_norm)"; fail=1; }
done
for t in sim run; do
  for ((rank = 0; rank < n; rank++)); do
    k=$(awk -F, -v r=$rank '$1 == r && $2 == "collective" && $3 == "barrier"' "$out/$t.csv" | wc -l)
    [ "$k" = $((iters + 1)) ] || { echo "FAIL: $t rank $rank passed $k barriers, want $((iters + 1))"; fail=1; }
  done
done
exit $fail
