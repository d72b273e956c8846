#!/usr/bin/env bash
# multigpu.sh — multi-GPU machines (platforms/gen summit): workers are
# placed on the GPU hosts only, machines group ranks (the "node"
# property), and a ring allreduce of S bytes over N GPUs on M machines
# takes the time its bottleneck dictates.  With ranks in machine order,
# each ring step has one flow per NIC direction (NIC bandwidth B_nic =
# 12.5 GB/s) and the slowest route is GPU-link, NIC, NIC, GPU-link (4 x
# 1 us), so under CM02:   T = 2(N-1) (4 us + (S/N) / B_nic), plus the
# sums: N-1 of the steps end with the receiver adding S/N bytes into its
# own, 3 bytes of traffic each at the GPU's memory speed (900 GB/s).
# Servers (ssgd-ps) go to the machines' CPU hosts.
# usage: multigpu.sh DSGD_SIM GEN OUTDIR
set -euo pipefail
sim=$1 gen=$2 out=$3
mkdir -p "$out"
"$gen" summit 4 > "$out/summit4.xml"
fail=0
# 4 machines x 6 GPUs: 24 workers fit, 25 do not (the CPU hosts are not workers)
msg=$("$sim" --platform "$out/summit4.xml" --nodes 25 --quiet 2>&1 || true)
grep -q "25 ranks do not fit: the platform has 28 hosts, 24 of them for workers" <<< "$msg" ||
  { echo "FAIL: 25 ranks on 24 GPUs: $msg"; fail=1; }
"$sim" --platform "$out/summit4.xml" --model resnet50 --iters 2 --allreduce ring --quiet \
  --trace "$out/ring.csv" --json > "$out/ring.json"
n=$(sed -n 's/.*"nodes":\([0-9]*\).*/\1/p' "$out/ring.json")
[ "$n" = 24 ] || { echo "FAIL: default --nodes should be the 24 GPUs, got $n"; fail=1; }
# the gradient allreduce of iteration 0 on rank 0 (25,557,032 floats)
got=$(awk -F, '$1 == 0 && $3 == "allreduce" && $9 == 0 && $6 > 1e6 { print $5 - $4; exit }' "$out/ring.csv")
want=$(awk 'BEGIN { s = 25557032 * 4; printf "%.9g", 2 * 23 * (4e-6 + s / 24 / 12.5e9) + 23 * 3 * s / 24 / 900e9 }')
echo "ring allreduce of ResNet-50's gradient on 24 GPUs / 4 machines: $got s, formula $want s"
awk -v a="$got" -v b="$want" 'BEGIN { exit !((a - b) ^ 2 <= (0.01 * b) ^ 2) }' ||
  { echo "FAIL: ring time off its formula by more than 1 %"; fail=1; }
# Roles decide placement: 24 GPU workers plus 4 parameter servers fill the
# 4 machines exactly, the servers on the CPU hosts (the only hosts left).
ps=$("$sim" --platform "$out/summit4.xml" --algo ssgd-ps --servers 4 --nodes 28 --iters 3 \
  --hidden 32 --quiet --json 2>&1) || true
grep -q '"workers":24' <<< "$ps" || { echo "FAIL: ssgd-ps with 4 servers on 4 machines: $ps"; fail=1; }
# Defaults: the shortest command trains on every GPU.  lsgd keeps one
# communicator per machine, on its CPU host, with that machine's 6 GPU
# workers (4 x 7 = 28 ranks); ssgd-ps (1 server) takes 25: 24 workers and
# a server on a CPU host.  No worker computes at a CPU host's speed.
for a in lsgd:28 ssgd-ps:25; do
  algo=${a%%:*} want=${a##*:}
  j=$("$sim" --platform "$out/summit4.xml" --algo "$algo" --model resnet50 --iters 2 --quiet \
    --json --trace "$out/$algo.csv") || { echo "FAIL: $algo with the defaults failed"; fail=1; continue; }
  got=$(sed -n 's/.*"nodes":\([0-9]*\).*/\1/p' <<< "$j") w=$(sed -n 's/.*"workers":\([0-9]*\).*/\1/p' <<< "$j")
  slow=$(awk -F, '$3 == "fwdbwd" { d = $5 - $4; if (!n++ || d < lo) lo = d; if (d > hi) hi = d }
                  END { print (hi > 1.01 * lo) }' "$out/$algo.csv")
  echo "$algo, defaults: $got ranks, $w workers"
  [ "$got" = "$want" ] && [ "$w" = 24 ] && [ "$slow" = 0 ] ||
    { echo "FAIL: $algo defaults: $got ranks (want $want), $w workers (want 24), a worker on a CPU host: $slow"; fail=1; }
done
# 66 GPUs on 11 machines: --coll-model auto checks the flow model against
# the routes before the run, in a Dijkstra zone (SimGrid 3.32 aborted
# there unless the platform is sealed first: dsgd_sim_seal_platform)
"$gen" summit 11 > "$out/summit11.xml"
j=$("$sim" --platform "$out/summit11.xml" --model resnet50 --iters 2 --quiet --json) ||
  { echo "FAIL: ssgd with the defaults on 66 GPUs failed"; fail=1; }
grep -q '"coll_model":"flow"' <<< "$j" && grep -q '"workers":66' <<< "$j" ||
  { echo "FAIL: 66 GPUs: want the flow model and 66 workers: $j"; fail=1; }
exit $fail
