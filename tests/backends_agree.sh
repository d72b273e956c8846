#!/usr/bin/env bash
# backends_agree.sh — the central claim of dsgd: the same algorithm, seed and
# shards give the same numbers on the simulator and on MPI, and both write
# traces with the same columns and the same events.
#
# usage: backends_agree.sh DSGD_SIM DSGD_RUN MPIEXEC PLATFORM OUTDIR
# Runs the two commands of issue #2 (4 ranks, ssgd, mlp, synthetic, 50
# iterations, seed 1) and checks:
#   - final_loss and params_norm agree to 1e-4 relative;
#   - the loss fell (final test loss < first minibatch loss);
#   - the trace headers are identical, and every (rank, kind, name) occurs
#     as often in one trace as in the other.
set -euo pipefail
sim=$1 run=$2 mpiexec=$3 platform=$4 out=$5
mkdir -p "$out"
rm -f "$out/sim.csv" "$out/run.csv"

common=(--algo ssgd --model mlp --data synthetic --iters 50 --seed 1 --json --quiet)
"$sim" --platform "$platform" --nodes 4 "${common[@]}" --trace "$out/sim.csv" > "$out/sim.json"
"$mpiexec" --oversubscribe -np 4 "$run" "${common[@]}" --trace "$out/run.csv" > "$out/run.json"
cat "$out/sim.json" "$out/run.json"

field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1"; }
fail=0
for key in final_loss params_norm; do
  a=$(field "$out/sim.json" $key) b=$(field "$out/run.json" $key)
  if ! awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d;
        m = (a < 0 ? -a : a); exit !(a != "" && b != "" && d <= 1e-4 * m) }'; then
    echo "FAIL: $key sim=$a exec=$b differ by more than 1e-4 relative"; fail=1
  fi
done
for f in sim run; do
  first=$(field "$out/$f.json" first_loss) final=$(field "$out/$f.json" final_loss)
  awk -v a="$final" -v b="$first" 'BEGIN { exit !(a + 0 < b + 0) }' ||
    { echo "FAIL: $f: loss did not fall ($first -> $final)"; fail=1; }
done
[ "$(head -1 "$out/sim.csv")" = "$(head -1 "$out/run.csv")" ] ||
  { echo "FAIL: trace headers differ"; fail=1; }
events() { tail -n +2 "$1" | cut -d, -f1-3 | sort | uniq -c; }
if ! diff <(events "$out/sim.csv") <(events "$out/run.csv") > "$out/events.diff"; then
  echo "FAIL: the traces hold different events:"; head -20 "$out/events.diff"; fail=1
fi
[ $fail = 0 ] && echo "backends agree: $(wc -l < "$out/sim.csv") trace lines each"
exit $fail
