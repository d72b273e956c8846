#!/usr/bin/env bash
# sim_log.sh — dsgd's log categories: silent by default; --log
# dsgd.thres:verbose tells the placement and each group's allreduce choice;
# --log=dsgd_flow.thres:debug prices each flow-level collective.
#   usage: sim_log.sh DSGD_SIM PLATFORM
set -uo pipefail
sim=$1 platform=$2
fail=0
args=(--platform "$platform" --nodes 4 --iters 2 --quiet)
# Under -DDSGD_SANITIZE, ASan warns about SimGrid's context switches: those
# lines are the sanitizer's, not dsgd's.
quiet=$("$sim" "${args[@]}" 2>&1 > /dev/null |
        grep -Ev '^==[0-9]+==WARNING: ASan is ignoring|^False positive error reports|sanitizers/issues/189')
[ -z "$quiet" ] || { echo "FAIL: output without --log: $quiet"; fail=1; }
verbose=$("$sim" "${args[@]}" --log dsgd.thres:verbose 2>&1 > /dev/null)
echo "$verbose"
grep -q '\[dsgd_backend/VERBOSE\] 4 ranks on 4 nodes' <<< "$verbose" || { echo "FAIL: no placement line"; fail=1; }
grep -q '\[dsgd_coll/VERBOSE\] allreduce over the world.s 4 members.*tree up to 65536 bytes, ring above' \
  <<< "$verbose" || { echo "FAIL: no allreduce choice line"; fail=1; }
grep -q DEBUG <<< "$verbose" && { echo "FAIL: DEBUG lines at threshold verbose"; fail=1; }
flow=$("$sim" "${args[@]}" --coll-model flow --log=dsgd_flow.thres:debug 2>&1 > /dev/null)
n=$(grep -c '\[dsgd_flow/DEBUG\] collective tag' <<< "$flow")
[ "$n" -ge 2 ] || { echo "FAIL: $n flow pricing lines, want one per collective"; fail=1; }
grep -q 'dsgd_coll' <<< "$flow" && { echo "FAIL: --log of dsgd_flow also enabled dsgd_coll"; fail=1; }
exit $fail
