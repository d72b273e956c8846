#!/usr/bin/env bash
# sim_scale.sh — what a big simulation costs: wall time and peak memory of
#   dsgd-sim --algo ssgd --model resnet50 --payload phantom --iters 3
# on a full-bisection fat tree (V100-class hosts, 100 Gb/s links), with the
# flow-level collective model at N = 256 .. 65,536 and the message-level
# model at N <= 1,024, and the ratio of the two models' simulated times.
# Targets (issue #3): <= 2 s of wall time per simulated iteration at 4,096
# nodes; 16,384 nodes in <= 4 GiB.  Issue 13: 65,536 nodes in <= 8 GiB.
# It measures the full simulation (--symmetry off: every rank an actor);
# bench/symmetry.sh measures symmetry mode.
# Every run is killed if the memory of its processes passes
# SIM_SCALE_MAX_RSS_GB (default 10): the table then says "killed".
# usage: bench/sim_scale.sh [BUILD_DIR] [MAX_NODES]   (prints a table; takes
#        tens of minutes with 65,536 nodes, whose platform alone SimGrid
#        3.32 loads in minutes; MAX_NODES 16384 stops before them)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
max_nodes=${2:-65536}
max_kib=$(( ${SIM_SCALE_MAX_RSS_GB:-10} * 1024 * 1024 ))
sim=$build/dsgd-sim
[ -x "$sim" ] || { echo "sim_scale: build first (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
platforms/gen fattree 16 3 > "$tmp/ft4096.xml"
platforms/gen fattree 16,32,32 > "$tmp/ft16384.xml"
platforms/gen fattree 16,32,64 > "$tmp/ft32768.xml"
platforms/gen fattree 16,32,128 > "$tmp/ft65536.xml"
iters=3
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
# A process and its descendants (dsgd-sim simulates in a child process).
tree() {
  local c
  echo "$1"
  for c in $(cat /proc/"$1"/task/*/children 2> /dev/null); do tree "$c"; done
}
tree_rss_kib() {
  local p r sum=0
  for p in $(tree "$1"); do
    r=$(awk '/^VmRSS/ { print $2 }' /proc/"$p"/status 2> /dev/null)
    sum=$((sum + ${r:-0}))
  done
  echo "$sum"
}
run() { # coll-model nodes platform iters -> json (empty if killed)
  "$sim" --platform "$3" --algo ssgd --model resnet50 --payload phantom --iters "$4" \
    --coll-model "$1" --nodes "$2" --symmetry off --json --quiet > "$tmp/out" 2> "$tmp/err" &
  local pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    if [ "$(tree_rss_kib "$pid")" -gt "$max_kib" ]; then
      kill -KILL $(tree "$pid") 2> /dev/null
      echo "sim_scale: $2 nodes killed above ${SIM_SCALE_MAX_RSS_GB:-10} GB" >&2
    fi
    sleep 0.5
  done
  wait "$pid" || true
  cat "$tmp/out"
}
# wall_s: the whole run of $iters iterations (loading the platform, starting
# the ranks, simulating); marginal/iter: (wall(3 iters) - wall(1 iter)) / 2,
# the cost of one more simulated iteration (up to 16,384 nodes: above, one
# more run of minutes would say little); KiB/rank: peak RSS / nodes.
printf '%-8s %6s %10s %16s %10s %9s %16s\n' model nodes wall_s marginal_s/iter peak_MiB KiB/rank \
  sim_iter_time_s
declare -A simulated
for n in 256 1024 4096 16384 32768 65536; do
  [ "$n" -gt "$max_nodes" ] && break
  plat=$tmp/ft4096.xml
  [ "$n" -gt 4096 ] && plat=$tmp/ft$n.xml
  for model in flow message; do
    [ $model = message ] && [ "$n" -gt 1024 ] && continue
    one='"wall_s":nan'
    [ "$n" -le 16384 ] && one=$(run $model "$n" "$plat" 1)
    json=$(run $model "$n" "$plat" $iters)
    if [ -z "$json" ]; then
      printf '%-8s %6d %10s\n' $model "$n" killed
      continue
    fi
    wall=$(field "$json" wall_s) rss=$(field "$json" peak_rss_mb) it=$(field "$json" iter_time_s)
    simulated[$model,$n]=$it
    awk -v m=$model -v n="$n" -v w="$wall" -v w1="$(field "$one" wall_s)" -v r="$rss" \
      -v t="$it" -v k=$iters 'BEGIN {
        marginal = w1 == "nan" || w1 == "" ? "-" : sprintf("%.3f", (w - w1) / (k - 1))
        printf "%-8s %6d %10.2f %16s %10.0f %9.1f %16.6f\n", m, n, w, marginal, r, r * 1024 / n, t
      }'
  done
done
# The largest size again on two platforms SimGrid builds faster: a fat
# tree of 64 hosts per leaf switch (FatTreeZone tests every switch of the
# level above for each host and switch: hosts x leaves, a quarter of the
# 16-port tree's) and a non-blocking switch (gen flat, linear).  The
# difference is what loading the platform costs.
if [ "$max_nodes" -ge 65536 ]; then
  platforms/gen fattree 64,32,32 > "$tmp/ft64.xml"
  platforms/gen flat 65536 > "$tmp/flat65536.xml"
  for p in "ft64.xml:fat tree 64,32,32" "flat65536.xml:flat switch"; do
    json=$(run flow 65536 "$tmp/${p%%:*}" $iters)
    [ -n "$json" ] && awk -v w="$(field "$json" wall_s)" -v r="$(field "$json" peak_rss_mb)" \
      -v t="$(field "$json" iter_time_s)" -v what="${p#*:}" 'BEGIN {
        printf "%-8s %6d %10.2f %16s %10.0f %9.1f %16.6f  (%s)\n", "flow", 65536, w, "-", r,
          r * 1024 / 65536, t, what }'
  done
fi
echo
echo "simulated iteration time, flow / message model:"
for n in 256 1024; do
  awk -v n="$n" -v f="${simulated[flow,$n]:-nan}" -v m="${simulated[message,$n]:-nan}" \
    'BEGIN { printf "  N=%-5d flow %.6f s  message %.6f s  ratio %.5f\n", n, f, m, f / m }'
done
