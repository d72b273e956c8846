#!/usr/bin/env bash
# sim_scale.sh — what a big simulation costs: wall time and peak memory of
#   dsgd-sim --algo ssgd --model resnet50 --payload phantom --iters 3
# on a full-bisection fat tree (V100-class hosts, 100 Gb/s links), with the
# flow-level collective model at N = 256 .. 16,384 and the message-level
# model at N <= 1,024, and the ratio of the two models' simulated times.
# Targets (issue #3): <= 2 s of wall time per simulated iteration at 4,096
# nodes; 16,384 nodes in <= 4 GiB.
# usage: bench/sim_scale.sh [BUILD_DIR]      (prints a table; takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
sim=$build/dsgd-sim
[ -x "$sim" ] || { echo "sim_scale: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
platforms/gen fattree 16 3 > "$tmp/ft4096.xml"
platforms/gen fattree 16,32,32 > "$tmp/ft16384.xml"
iters=3
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
run() { # coll-model nodes platform iters -> json
  "$sim" --platform "$3" --algo ssgd --model resnet50 --payload phantom --iters "$4" \
    --coll-model "$1" --nodes "$2" --json --quiet
}
# wall_s: the whole run of $iters iterations (loading the platform, starting
# the ranks, simulating); marginal/iter: (wall(3 iters) - wall(1 iter)) / 2,
# the cost of one more simulated iteration.
printf '%-8s %6s %10s %16s %10s %16s\n' model nodes wall_s marginal_s/iter peak_MiB sim_iter_time_s
declare -A simulated
for n in 256 1024 4096 16384; do
  plat=$tmp/ft4096.xml
  [ "$n" -gt 4096 ] && plat=$tmp/ft16384.xml
  for model in flow message; do
    [ $model = message ] && [ "$n" -gt 1024 ] && continue
    one=$(run $model "$n" "$plat" 1)
    json=$(run $model "$n" "$plat" $iters)
    wall=$(field "$json" wall_s) rss=$(field "$json" peak_rss_mb) it=$(field "$json" iter_time_s)
    simulated[$model,$n]=$it
    awk -v m=$model -v n="$n" -v w="$wall" -v w1="$(field "$one" wall_s)" -v r="$rss" \
      -v t="$it" -v k=$iters \
      'BEGIN { printf "%-8s %6d %10.2f %16.3f %10.0f %16.6f\n", m, n, w, (w - w1) / (k - 1), r, t }'
  done
done
echo
echo "simulated iteration time, flow / message model:"
for n in 256 1024; do
  awk -v n="$n" -v f="${simulated[flow,$n]}" -v m="${simulated[message,$n]}" \
    'BEGIN { printf "  N=%-5d flow %.6f s  message %.6f s  ratio %.5f\n", n, f, m, f / m }'
done
