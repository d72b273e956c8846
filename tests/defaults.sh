#!/usr/bin/env bash
# defaults.sh — what the shortest commands choose, and that --json says so.
#   usage: defaults.sh DSGD_SIM PLATFORMS_DIR
# lsgd on one-rank machines groups ranks by 8 (16 hosts: 2 communicators,
# 14 workers); --coll-model auto takes the flow model only for variants
# that talk through collectives, from 64 ranks on, where it is exact (not on
# the dragonfly of tests/data, not under network/model:SMPI).
set -uo pipefail
sim=$1 platforms=$2
fail=0
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,}\"]*\).*/\1/p" <<< "$1"; }
want() { # want LABEL JSON KEY VALUE
  local v; v=$(field "$2" "$3")
  [ "$v" = "$4" ] || { echo "FAIL: $1: $3 is '$v', want '$4'"; fail=1; }
}
r=$("$sim" --json --quiet)
want "no flags" "$r" payload real; want "no flags" "$r" coll_model message; want "no flags" "$r" algo ssgd
r=$("$sim" --algo lsgd --json --quiet)
want "lsgd on small.xml" "$r" node_size 8; want "lsgd on small.xml" "$r" workers 14
r=$("$sim" --algo lsgd --node-size 4 --json --quiet)
want "lsgd --node-size 4" "$r" node_size 4; want "lsgd --node-size 4" "$r" workers 12
r=$("$sim" --algo lsgd --nodes 9 --json --quiet)
want "lsgd on 9 ranks" "$r" node_size 9; want "lsgd on 9 ranks" "$r" workers 8
phantom=(--platform "$platforms/flat-1024.xml" --model resnet50 --iters 1 --json --quiet)
r=$("$sim" "${phantom[@]}" --nodes 64)
want "ssgd, 64 ranks" "$r" coll_model flow; want "ssgd, 64 ranks" "$r" payload phantom
r=$("$sim" "${phantom[@]}" --nodes 63)
want "ssgd, 63 ranks" "$r" coll_model message
r=$("$sim" "${phantom[@]}" --nodes 64 --algo localsgd)
want "localsgd, 64 ranks" "$r" coll_model flow
r=$("$sim" "${phantom[@]}" --nodes 64 --algo ssgd-ps --servers 4)
want "ssgd-ps, 64 ranks" "$r" coll_model message
r=$("$sim" "${phantom[@]}" --nodes 64 --allreduce tree)
want "ssgd --allreduce tree" "$r" coll_model flow; want "ssgd --allreduce tree" "$r" allreduce tree
r=$("$sim" "${phantom[@]}" --nodes 64 --platform "$(dirname "$0")/data/dragonfly.xml")
want "ssgd on a dragonfly" "$r" coll_model message
r=$("$sim" "${phantom[@]}" --nodes 64 --cfg network/model:SMPI)
want "ssgd under SMPI" "$r" coll_model message
r=$("$sim" "${phantom[@]}" --nodes 64 --cfg network/model:LV08)
want "ssgd under LV08" "$r" coll_model flow
r=$("$sim" "${phantom[@]}" --nodes 64 --coll-model message)
want "ssgd --coll-model message" "$r" coll_model message
[ $fail = 0 ] && echo "defaults: all hold"
exit $fail
