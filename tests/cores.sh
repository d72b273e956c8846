#!/usr/bin/env bash
# cores.sh — dsgd-sim on multi-core hosts (tests/data/cores.xml: three
# 4-core hosts quad-0..2, then four 1-core hosts solo-0..3, 100 Gflop/s a
# core).  By default (--ranks-per-host cores) a host takes as many
# consecutive ranks as it has cores:
#   8 ranks occupy quad-0 and quad-1 (JSON "hosts":2; rank 3 on quad-0,
#   node 0; rank 4 on quad-1, node 1), 16 ranks all 7 hosts, and
#   --ranks-per-host 1 puts 7 ranks on 7 hosts;
#   lsgd on 8 ranks makes each 4-core host a node: a communicator and 3
#   workers, 6 workers in all;
#   4 ranks on quad-0 each compute at one core's speed: every fwdbwd
#   charge lasts what it lasts on small.xml's 1-core 100 Gflop/s hosts;
#   5 ranks on it (--ranks-per-host 5) share 4 cores: the charges last
#   longer (exactly 5/4 when all five compute at once: test_sim_cores).
# usage: cores.sh DSGD_SIM CORES_PLATFORM SMALL_PLATFORM OUTDIR
set -uo pipefail
sim=$1 cores=$2 small=$3 out=$4
mkdir -p "$out"
fail=0
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,}\"]*\).*/\1/p" <<< "$1"; }
want() { # want LABEL JSON KEY VALUE
  local v; v=$(field "$2" "$3")
  [ "$v" = "$4" ] || { echo "FAIL: $1: $3 is '$v', want '$4'"; fail=1; }
}
run=(--platform "$cores" --iters 2 --json --quiet)
r=$("$sim" "${run[@]}" --nodes 8)
want "8 ranks" "$r" hosts 2; want "8 ranks" "$r" ranks_per_host cores; want "8 ranks" "$r" nodes 8
r=$("$sim" "${run[@]}")
want "default ranks" "$r" nodes 16; want "default ranks" "$r" hosts 7
r=$("$sim" "${run[@]}" --nodes 7 --ranks-per-host 1)
want "--ranks-per-host 1" "$r" hosts 7; want "--ranks-per-host 1" "$r" ranks_per_host 1
r=$("$sim" "${run[@]}" --nodes 8 --algo lsgd)
want "lsgd, 8 ranks" "$r" workers 6; want "lsgd, 8 ranks" "$r" node_size 0
log=$("$sim" --platform "$cores" --nodes 8 --iters 1 --quiet --log=dsgd_backend.thres:debug 2>&1)
for line in "rank 3 on host quad-0, node 0" "rank 4 on host quad-1, node 1"; do
  grep -q "$line" <<< "$log" || { echo "FAIL: the log does not say '$line'"; fail=1; }
done

durations() { awk -F, '$3 == "fwdbwd" { printf "%.9f\n", $5 - $4 }' "$1"; }
"$sim" --platform "$cores" --nodes 4 --iters 5 --quiet --trace "$out/quad4.csv" || fail=1
"$sim" --platform "$small" --nodes 4 --iters 5 --quiet --trace "$out/small4.csv" || fail=1
"$sim" --platform "$cores" --nodes 5 --ranks-per-host 5 --iters 5 --quiet \
  --trace "$out/quad5.csv" || fail=1
# trace times have 1 ns resolution: charges equal within 2 ns
mean() { durations "$1" | awk '{ s += $1 } END { printf "%.9f", s / NR }'; }
within() { durations "$1" | awk -v d="$2" '($1 - d) ^ 2 > 4e-18 { bad++ } END { exit NR != 20 || bad }'; }
one=$(mean "$out/small4.csv")
echo "fwdbwd on a 1-core host: $one s; 4 ranks on a 4-core host: $(mean "$out/quad4.csv") s"
within "$out/small4.csv" "$one" || { echo "FAIL: small.xml: want 20 equal fwdbwd charges"; fail=1; }
within "$out/quad4.csv" "$one" ||
  { echo "FAIL: 4 ranks on 4 cores do not compute at one core's speed ($one s)"; fail=1; }
mean5=$(mean "$out/quad5.csv")
echo "5 ranks on a 4-core host: mean fwdbwd $mean5 s (at most 5/4 of $one s)"
awk -v m="$mean5" -v d="$one" 'BEGIN { exit !(m > 1.2 * d && m <= 1.25 * d + 2e-9) }' ||
  { echo "FAIL: 5 ranks on 4 cores: fwdbwd should last between 1.2 and 1.25 times $one s"; fail=1; }
[ $fail = 0 ] && echo "cores: all hold"
exit $fail
