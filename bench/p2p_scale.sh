#!/usr/bin/env bash
# p2p_scale.sh — what the flow-level point-to-point model (dsgd-sim
# --p2p-model flow, sim/p2pflow.c) buys and costs: for the parameter-server
# variants and gossip (ResNet-50, phantom payloads, 3 iterations, 8
# servers, platforms/fattree-4096.xml, flow-level collectives), the wall
# time of message level and of the flow model side by side, their ratio,
# and how far apart the two put the run's makespan (the trace's last event).
# Message level runs up to MAX_MESSAGE_N ranks (asgd at 1,024 takes ~5
# minutes there), the flow model up to MAX_N.
# usage: bench/p2p_scale.sh [BUILD_DIR] [MAX_MESSAGE_N] [MAX_N]
#        (defaults build, 512, 2048: about 5 minutes on 2 idle cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
max_message=${2:-512}
max_n=${3:-2048}
sim=$build/dsgd-sim
[ -x "$sim" ] || { echo "p2p_scale: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run MODEL ALGO N [FLAGS..]: prints "WALL_S MAKESPAN_S"
run() {
  local model=$1 algo=$2 n=$3
  shift 3
  local t0 t1
  t0=$(date +%s.%N)
  "$sim" --platform fattree-4096.xml --algo "$algo" --model resnet50 --payload phantom --iters 3 \
    --coll-model flow --nodes "$n" --p2p-model "$model" --quiet --trace "$tmp/t.csv" "$@" > /dev/null
  t1=$(date +%s.%N)
  awk -F, -v t0="$t0" -v t1="$t1" 'NR > 1 && $5 > m { m = $5 }
    END { printf "%.2f %.6f", t1 - t0, m }' "$tmp/t.csv"
}

printf '%-8s %6s  %12s %12s %8s  %12s %12s %9s\n' algo ranks "message s" "flow s" speedup \
  "makespan msg" "makespan flow" diff
for spec in "ssgd-ps --servers 8" "asgd --servers 8" "easgd --servers 8" \
  "odsgd --servers 8 --warmup-steps 1" "gossip"; do
  set -- $spec
  algo=$1
  shift
  for n in 256 512 1024 2048 4096; do
    [ "$n" -le "$max_n" ] || continue
    read -r fw fm <<< "$(run flow "$algo" "$n" "$@")"
    if [ "$n" -le "$max_message" ]; then
      read -r mw mm <<< "$(run message "$algo" "$n" "$@")"
      awk -v a="$algo" -v n="$n" -v mw="$mw" -v fw="$fw" -v mm="$mm" -v fm="$fm" 'BEGIN {
        printf "%-8s %6d  %12.2f %12.2f %7.1fx  %12.6f %12.6f %+8.3f%%\n",
          a, n, mw, fw, mw / fw, mm, fm, 100 * (fm - mm) / mm }'
    else
      printf '%-8s %6d  %12s %12.2f %8s  %12s %12.6f %9s\n' "$algo" "$n" - "$fw" - - "$fm" -
    fi
  done
done
