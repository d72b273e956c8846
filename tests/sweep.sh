#!/usr/bin/env bash
# sweep.sh — dsgd-sim --sweep: one table row per point, each row equal to
# the single run at that node count, speedup against a one-node run,
# efficiency = speedup / nodes, table written atomically to --sweep-out;
# with --sweep-variants, every node count for each variant (one platform
# load), each row again equal to the single run of its variant.
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
[ "$(head -1 "$out/table.csv")" = "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency,baseline,note" ] ||
  { echo "FAIL: header"; fail=1; }
[ "$(tail -n +2 "$out/table.csv" | wc -l)" = 3 ] || { echo "FAIL: want 3 rows"; fail=1; }
while IFS=, read -r algo model nodes iter sps speedup eff baseline note; do
  [ "$baseline" = "sequential SGD (ssgd) on 1 node" ] || { echo "FAIL: baseline '$baseline'"; fail=1; }
  awk -v e="$eff" 'BEGIN { exit !(e <= 1) }' || [ -n "$note" ] ||
    { echo "FAIL: nodes=$nodes: efficiency $eff above 1 and no note says why"; fail=1; }
  single=$("$sim" "${args[@]}" --nodes "$nodes" --json)
  awk -v a="$iter" -v b="$(field "$single" iter_time_s)" -v s="$sps" -v sp="$speedup" \
      -v e="$eff" -v n="$nodes" -v one="$one" '
    function near(x, y) { return (x - y) ^ 2 <= (1e-5 * y) ^ 2 }
    BEGIN { exit !(near(a, b) && near(sp, s / one) && near(e, sp / n)) }' ||
    { echo "FAIL: row nodes=$nodes disagrees with a single run or its speedup"; fail=1; }
done < <(tail -n +2 "$out/table.csv")
# Several variants in one sweep: a row per variant and node count, in the
# file's order, each the single run of that variant.
printf -- '--algo asgd --servers 2 # two servers\n\n--algo lsgd --node-size 4\n' > "$out/variants.txt"
"$sim" "${args[@]}" --sweep nodes=4,8 --sweep-variants "$out/variants.txt" --sweep-out "$out/variants.csv"
cat "$out/variants.csv"
[ "$(tail -n +2 "$out/variants.csv" | cut -d, -f1,3 | tr '\n' ' ')" = "asgd,4 asgd,8 lsgd,4 lsgd,8 " ] ||
  { echo "FAIL: want rows asgd 4, 8 then lsgd 4, 8"; fail=1; }
while IFS=, read -r algo model nodes iter rest; do
  extra=(--servers 2)
  [ "$algo" = lsgd ] && extra=(--node-size 4)
  single=$("$sim" "${args[@]}" --algo "$algo" "${extra[@]}" --nodes "$nodes" --json)
  awk -v a="$iter" -v b="$(field "$single" iter_time_s)" 'BEGIN { exit !((a - b) ^ 2 <= (1e-5 * b) ^ 2) }' ||
    { echo "FAIL: $algo at $nodes: $iter in the sweep, $(field "$single" iter_time_s) alone"; fail=1; }
done < <(tail -n +2 "$out/variants.csv")
# A variant whose workers skip work the baseline does goes above linear,
# and says why: asgd pushing every 32 steps does no optimiser step on a
# worker, which costs most where memory is slow (a profile at 0.1 GB/s).
printf 'mem_bw_Bps = 1e8\n' > "$out/slow-memory.cost"
"$sim" "${args[@]}" --iters 64 --cost-profile "$out/slow-memory.cost" --algo asgd --push-every 32 \
  --pull-every 32 --sweep nodes=4 --sweep-out "$out/asgd.csv"
cat "$out/asgd.csv"
IFS=, read -r algo model nodes iter sps speedup eff baseline note < <(tail -n 1 "$out/asgd.csv")
awk -v s="$speedup" 'BEGIN { exit !(s > 3) }' ||
  { echo "FAIL: asgd's 3 workers at $speedup: the test wants a speedup above linear"; fail=1; }
[[ $note == "above linear: 3 workers; an iteration takes "* ]] ||
  { echo "FAIL: a speedup of $speedup with 3 workers and no note saying why: '$note'"; fail=1; }
exit $fail
