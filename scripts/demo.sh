#!/usr/bin/env bash
# demo.sh — install, build, and run the default study: simulated scaling of
# synchronous SGD (ssgd) on the 16-host test cluster (platforms/small.xml),
# timing only (phantom payloads) for an MLP with two 1024-wide hidden layers,
# then a short functional run (real numerics in simulated time).  Ends by
# printing the paths of the table and the plot.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=out/demo
mkdir -p "$out"
sim=build/dsgd-sim
common=(--platform small.xml --algo ssgd --model mlp --hidden 1024,1024 --batch 64 --quiet --json)

table="$out/scaling.csv"
echo "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency" > "$table.tmp"
base=""
for n in 1 2 4 8 16; do
  echo "demo: simulating ssgd on $n node(s)..." >&2
  json=$("$sim" "${common[@]}" --payload phantom --iters 10 --nodes "$n")
  field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<< "$json"; }
  sps=$(field samples_per_s)
  base=${base:-$sps}
  awk -v n="$n" -v it="$(field iter_time_s)" -v s="$sps" -v b="$base" \
    'BEGIN { printf "ssgd,mlp,%d,%.9g,%.9g,%.6g,%.6g\n", n, it, s, s / b, s / b / n }' >> "$table.tmp"
done
mv "$table.tmp" "$table"
column -s, -t < "$table"

echo "demo: functional run (real numerics, simulated time), 8 nodes, 200 iterations..." >&2
"$sim" --platform small.xml --algo ssgd --nodes 8 --iters 200 --quiet --json --trace "$out/functional.csv"

gnuplot -e "input='$table'; output='$out/scaling.png'; title='ssgd, MLP 64-1024-1024-10, batch 64/node, simulated 10 GbE cluster'" plots/scaling.gp
echo "demo: scaling table  $table"
echo "demo: scaling plot   $out/scaling.png"
echo "demo: trace          $out/functional.csv"
