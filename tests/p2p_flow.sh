#!/usr/bin/env bash
# p2p_flow.sh — dsgd-sim --p2p-model flow (the flow-level point-to-point
# model, sim/p2pflow.c) agrees with message level within 1 % on the run's
# makespan (the last event of any rank: the trace's largest end time) for
# the point-to-point variants (ssgd-ps, asgd, easgd, odsgd with 8 servers;
# gossip) on the 16-port fat tree of platforms/fattree-4096.xml (D-mod-k
# routes: transfers to hosts 16 apart share links inside the network) at
# 64 and 256 ranks, and on a flat switch; exactly (1e-9) where every
# transfer's bottleneck is a host's link (ssgd-ps, one server, flat
# switch); workers and samples agree exactly.  (On fat trees of 4-port
# switches, where most transfers collide inside the network, it is within
# a few per cent: README, "Flow-level point to point".)  The JSON says which model ran and why, auto
# picks it from 512 ranks on, and what it cannot model is refused with
# one line (--fail, --waits polled).
#   usage: p2p_flow.sh DSGD_SIM GEN FATTREE_4096 [MAX_RANKS]
#   (MAX_RANKS 64 skips the 256-rank runs: the sanitized build, where
#   message level at 256 ranks takes minutes)
set -uo pipefail
sim=$1 gen=$2 ft=$3 max_ranks=${4:-256}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" flat 256 > "$tmp/flat256.xml" || exit 1
"$gen" flat 600 > "$tmp/flat600.xml" || exit 1
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<< "$1"; }
run() { "$sim" --model resnet50 --payload phantom --iters 3 --coll-model flow --json --quiet "$@"; }
makespan() { awk -F, 'NR > 1 && $5 > m { m = $5 } END { printf "%.9f", m }' "$1"; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# agree TOLERANCE PLATFORM ALGO NODES [FLAGS..]: message level against flow
agree() {
  local tol=$1 platform=$2 algo=$3 n=$4
  shift 4
  local msg flow
  msg=$(run --platform "$platform" --algo "$algo" --nodes "$n" --p2p-model message \
    --trace "$tmp/m.csv" "$@") || { bad "$algo message-level run"; return; }
  flow=$(run --platform "$platform" --algo "$algo" --nodes "$n" --p2p-model flow \
    --trace "$tmp/f.csv" "$@") || { bad "$algo flow run"; return; }
  [ "$(field "$msg" p2p_model)" = message ] || bad "$algo: p2p_model $(field "$msg" p2p_model)"
  [ "$(field "$flow" p2p_model)" = flow ] || bad "$algo: p2p_model $(field "$flow" p2p_model)"
  for key in workers samples; do
    [ "$(field "$msg" $key)" = "$(field "$flow" $key)" ] ||
      bad "$algo $key: message $(field "$msg" $key), flow $(field "$flow" $key)"
  done
  awk -v m="$(makespan "$tmp/m.csv")" -v f="$(makespan "$tmp/f.csv")" -v tol="$tol" \
    -v what="$algo $n $(basename "$platform" .xml) $*" 'BEGIN {
    d = (f - m) / m
    printf "%-44s message %.6f s, flow %.6f s: %+.3f %%\n", what, m, f, 100 * d
    exit (d < -tol || d > tol) }' || bad "$algo $n: makespans differ by more than $tol"
}

agree 1e-9 "$tmp/flat256.xml" ssgd-ps 17 --servers 1
for algo in ssgd-ps asgd easgd; do
  agree 0.01 "$ft" $algo 64 --servers 8
done
agree 0.01 "$ft" odsgd 64 --servers 8 --warmup-steps 1
agree 0.01 "$ft" gossip 64
agree 0.01 "$tmp/flat256.xml" asgd 64 --servers 8
agree 0.01 "$tmp/flat256.xml" gossip 64
if [ "$max_ranks" -ge 256 ]; then
  for algo in ssgd-ps asgd easgd; do
    agree 0.01 "$ft" $algo 256 --servers 8
  done
  agree 0.01 "$ft" gossip 256
fi

# auto: message level below 512 ranks, the flow model from 512 on
out=$("$sim" --platform "$tmp/flat600.xml" --model resnet50 --payload phantom --iters 1 --algo gossip \
  --nodes 600 --json --quiet) || bad "gossip 600 auto"
[ "$(field "$out" p2p_model)" = flow ] || bad "auto at 600 ranks: $(field "$out" p2p_model)"
[ "$(field "$out" coll_model)" = flow ] || bad "auto at 600 ranks: collectives $(field "$out" coll_model)"
out=$("$sim" --platform "$tmp/flat256.xml" --model resnet50 --payload phantom --iters 1 --algo gossip \
  --nodes 16 --json --quiet) || bad "gossip 16 auto"
[ "$(field "$out" p2p_model)" = message ] || bad "auto at 16 ranks: $(field "$out" p2p_model)"
out=$("$sim" --platform "$tmp/flat256.xml" --iters 1 --algo ssgd --nodes 16 --json --quiet) ||
  bad "ssgd auto"
[ "$(field "$out" p2p_model_why)" = collectives-only\ variant ] ||
  bad "ssgd: p2p_model_why $(field "$out" p2p_model_why)"

# refused with one line
for flags in "--fail 1@0.01" "--waits polled"; do
  err=$("$sim" --platform "$tmp/flat256.xml" --algo gossip --nodes 8 --iters 2 --p2p-model flow \
    $flags 2>&1 > /dev/null)
  rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <<< "$err")" -eq 1 ] && grep -q -- "--p2p-model flow:" <<< "$err" ||
    bad "--p2p-model flow $flags: exit $rc, '$err'"
done
exit $fail
