#!/usr/bin/env bash
# ps_fanin.sh — an asynchronous parameter server takes its workers' pushes
# and sends its replies side by side (dsgd_ps_serve_async keeps a receive
# posted per worker and sends every reply with dsgd_isend).
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
# And the replies (they all pull in round 0): from the first push received
# to the last reply gone, the server works M (its memory events of the
# round, read from the trace: four updates u, four reply snapshots) and
#  3. default (every reply sent with dsgd_isend at once, the server's
#     4 GB/s carrying all four at each worker's 1 GB/s): the replies add
#     one S/B, the last one's: M + S/B (the earlier ones go out while the
#     server applies the later pushes);
#  4. --server-outflow 1 (one reply in flight at a time): each reply waits
#     for the previous one, 4 S/B, and only the first update is not
#     overlapped by a reply in flight (u < S/B): M - 3 u + 4 S/B.  (The
#     blocking sends of before took 4 (u + S/B).)
# Each within 2 %.
# usage: ps_fanin.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
args=(--platform "$platform" --nodes 5 --algo asgd --servers 1 --model resnet18 --payload phantom
      --iters 2 --quiet)
fail=0
run() { # NAME [FLAGS...]: a run's trace
  local name=$1; shift
  "$sim" "${args[@]}" "$@" --trace "$out/$name.csv"
}
check() { # NAME PUSHES_WAITED: the server's wait for round 0's shards
  local name=$1 n=$2
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
# NAME REPLIES_WAITED: the server's round 0 from its first push received to
# its last reply gone (the latest end of its shard sends), against the
# want above (1: side by side, 4: one at a time).
check_replies() {
  local name=$1 n=$2
  read -r bytes round mem upd < <(awk -F, '$1 == 4 && $9 == 0 {
      if ($2 == "recv" && $6 > 1e6) b = $6
      if ($2 == "wait" && $3 == "irecv" && f == "") f = $5
      if ($2 == "send" && $6 > 1e6 && $5 > l) l = $5
      if ($2 == "memory") m += $5 - $4
      if ($2 == "memory" && $3 == "server_update") { u += $5 - $4; nu++ } }
      END { printf "%s %.9f %.9f %.9f\n", b, l - f, m, u / nu }' "$out/$name.csv")
  want=$(awk -v b="$bytes" -v n="$n" -v m="$mem" -v u="$upd" \
    'BEGIN { printf "%.9f", m - (n > 1 ? 3 * u : 0) + n * b / 1e9 }')
  echo "$name: 4 replies of $bytes bytes; the round took $round s (memory work $mem s," \
       "update $upd s; want $want s)"
  awk -v a="$round" -v w="$want" 'BEGIN { exit !((a - w) ^ 2 <= (0.02 * w) ^ 2) }' ||
    { echo "FAIL: $name: the round took $round s, want $want s"; fail=1; }
}
run side-by-side
run one-at-a-time --server-inflow 1
run replies-one-at-a-time --server-outflow 1
check side-by-side 1
check one-at-a-time 4
check_replies side-by-side 1
check_replies replies-one-at-a-time 4
exit $fail
