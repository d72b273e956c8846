#!/usr/bin/env bash
# ps_fanin.sh — an asynchronous parameter server takes its workers' pushes
# side by side (dsgd_ps_serve_async keeps a receive posted per worker).
# Platform tests/data/ps-fan-in.xml: four workers on 1 GB/s links, the
# server (rank 4) on 4 GB/s, a non-blocking switch, so four pushes of S
# bytes at once can each run at its worker's 1 GB/s.  asgd, ResNet-18
# (phantom), one server: in the first round every worker pushes S bytes at
# the same moment.  Hand-derived, from the trace's server events of
# iteration 0 (the time it sat in waits for the four shards):
#  1. default (a shard receive posted per worker): the server waits once,
#     S / 1 GB/s (+ latencies), for the first push; the other three have
#     arrived meanwhile, while it applied and answered the first;
#  2. --server-inflow 1 (one shard receive at a time, as the server used to
#     take them): it waits 4 x S / 1 GB/s, one push after another.
# Each within 2 %.
# usage: ps_fanin.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
args=(--platform "$platform" --nodes 5 --algo asgd --servers 1 --model resnet18 --payload phantom
      --iters 2 --quiet)
fail=0
check() { # NAME PUSHES_WAITED [FLAGS...]: the server's wait for round 0's shards
  local name=$1 n=$2; shift 2
  "$sim" "${args[@]}" "$@" --trace "$out/$name.csv"
  # shard receives of round 0 on the server: the largest receives of iteration 0
  read -r bytes first last < <(awk -F, '$1 == 4 && $2 == "recv" && $9 == 0 && $6 > 1e6 {
      b = $6; if (f == "" || $4 < f) f = $4; if ($5 > l) l = $5 }
      END { printf "%s %s %s\n", b, f, l }' "$out/$name.csv")
  waited=$(awk -F, -v f="$first" -v l="$last" '$1 == 4 && $2 == "wait" && $4 >= f && $5 <= l {
      s += $5 - $4 } END { printf "%.9f", s }' "$out/$name.csv")
  want=$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.9f", n * b / 1e9 }')
  echo "$name: 4 pushes of $bytes bytes; the server waited $waited s for them (want $n x S/B = $want s)"
  awk -v a="$waited" -v w="$want" 'BEGIN { exit !((a - w) ^ 2 <= (0.02 * w) ^ 2) }' ||
    { echo "FAIL: $name: waited $waited s, want $want s"; fail=1; }
}
check side-by-side 1
check one-at-a-time 4 --server-inflow 1
exit $fail
