#!/usr/bin/env bash
# sim_memory.sh — what a simulated rank costs in memory stays bounded:
# dsgd-sim's peak RSS at 4,096 ranks against 1,024 (phantom ResNet-50,
# ssgd, flow model, fat trees of platforms/gen) grows at most linearly, by
# at most MAX_KIB_PER_RANK per extra rank.  Measured 2026-12-02: 23.2 KiB
# per extra rank (36.7 before the ranks shared the model descriptor).  What it catches: a
# table of one entry per rank on every rank (size^2: 16 bytes per entry
# adds 48 KiB per rank at 4,096), actors whose whole stacks are resident
# (256 KiB per rank: sim/contexts.c), an allgather of per-rank state.
# The JSON must also say the stacks chosen for more than 1,024 actors.
#   usage: sim_memory.sh DSGD_SIM GEN [MAX_KIB_PER_RANK]
set -uo pipefail
sim=$1 gen=$2 max_kib=${3:-48}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" fattree 16,8,8 > "$tmp/ft1024.xml" || exit 1
"$gen" fattree 16,16,16 > "$tmp/ft4096.xml" || exit 1
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<< "$1"; }
run() {
  "$sim" --platform "$1" --algo ssgd --model resnet50 --payload phantom --iters 1 \
    --coll-model flow --json --quiet
}
small=$(run "$tmp/ft1024.xml") || { echo "FAIL: 1,024 ranks did not run"; exit 1; }
large=$(run "$tmp/ft4096.xml") || { echo "FAIL: 4,096 ranks did not run"; exit 1; }
rss_small=$(field "$small" peak_rss_mb) rss_large=$(field "$large" peak_rss_mb)
echo "peak RSS: 1,024 ranks $rss_small MiB, 4,096 ranks $rss_large MiB"
fail=0
awk -v s="$rss_small" -v l="$rss_large" -v m="$max_kib" 'BEGIN {
  per = (l - s) * 1024 / 3072
  printf "%.1f KiB per extra rank (bound %d), ratio %.2f (bound 4)\n", per, m, l / s
  exit !(per <= m && l / s <= 4)
}' || { echo "FAIL: memory per rank above the bound"; fail=1; }
[ "$(field "$large" stack_kib)" = 256 ] || { echo "FAIL: stack_kib at 4,096 ranks: $(field "$large" stack_kib)"; fail=1; }
[ "$(field "$small" stack_kib)" = 8192 ] || { echo "FAIL: stack_kib at 1,024 ranks: $(field "$small" stack_kib)"; fail=1; }
user=$("$sim" --platform "$tmp/ft4096.xml" --nodes 2048 --algo ssgd --model resnet50 --iters 1 \
  --coll-model flow --json --quiet --cfg contexts/stack-size:512)
[ "$(field "$user" stack_kib)" = 512 ] && [ "$(field "$user" contexts_why)" = "as configured" ] ||
  { echo "FAIL: --cfg contexts/stack-size:512 did not win: $user"; fail=1; }
exit $fail
