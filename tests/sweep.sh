#!/usr/bin/env bash
# sweep.sh — dsgd-sim --sweep: one table row per point, each row equal to
# the single run at that node count, speedup against a one-node run,
# efficiency = speedup / nodes, table written atomically to --sweep-out.
# usage: sweep.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
rm -f "$out/table.csv"
args=(--platform "$platform" --iters 5 --quiet)
"$sim" "${args[@]}" --sweep nodes=2,4,8 --sweep-out "$out/table.csv"
cat "$out/table.csv"
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
one=$(field "$("$sim" "${args[@]}" --nodes 1 --json)" samples_per_s)
fail=0
[ "$(head -1 "$out/table.csv")" = "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency" ] ||
  { echo "FAIL: header"; fail=1; }
[ "$(tail -n +2 "$out/table.csv" | wc -l)" = 3 ] || { echo "FAIL: want 3 rows"; fail=1; }
while IFS=, read -r algo model nodes iter sps speedup eff; do
  single=$("$sim" "${args[@]}" --nodes "$nodes" --json)
  awk -v a="$iter" -v b="$(field "$single" iter_time_s)" -v s="$sps" -v sp="$speedup" \
      -v e="$eff" -v n="$nodes" -v one="$one" '
    function near(x, y) { return (x - y) ^ 2 <= (1e-5 * y) ^ 2 }
    BEGIN { exit !(near(a, b) && near(sp, s / one) && near(e, sp / n)) }' ||
    { echo "FAIL: row nodes=$nodes disagrees with a single run or its speedup"; fail=1; }
done < <(tail -n +2 "$out/table.csv")
exit $fail
