#!/usr/bin/env bash
# calibrate.sh — dsgd-calibrate the program, on the synthetic traces that
# test_calibrate leaves (DIR/synth.csv + synth.json): it prints the fit,
# writes NAME.xml and NAME.profile with a header saying what was measured,
# where and when (from synth.json), takes --cores/--hosts over the JSON,
# ignores a training trace's messages and compute, and dsgd-sim runs on its
# outputs under the platform's network model (SMPI).
# usage: calibrate.sh DSGD_CALIBRATE DSGD_SIM DIR
set -uo pipefail
calibrate=$1 sim=$2 dir=$3
data=$(dirname "$0")/data
fail=0
check() { # check WHAT COMMAND...: the command must succeed
  local what=$1
  shift
  "$@" > /dev/null 2>&1 || { echo "FAIL: $what"; fail=1; }
}

out=$("$calibrate" "$dir/synth.csv" -o "$dir/fitted") || { echo "FAIL: dsgd-calibrate exited $?"; exit 1; }
echo "$out"
check "3 network ranges printed" grep -q "3 range(s)" <<< "$out"
check "range 4096 < B <= 65536 printed" grep -q "4096 < B <= 65536" <<< "$out"
check "dense fitted" grep -Eq "^  dense +4\.00?[0-9]*e\+10|^  dense +3\.99[0-9]*e\+10" <<< "$out"
check "allreduce check printed" grep -q "allreduce points" <<< "$out"
for f in fitted.xml fitted.profile; do
  [ -s "$dir/$f" ] || { echo "FAIL: $f not written"; fail=1; }
done
ls "$dir"/fitted.*.tmp.* > /dev/null 2>&1 && { echo "FAIL: temporary files left"; fail=1; }
# Header: what, where, when (synth.json), in both files.
for f in fitted.xml fitted.profile; do
  check "$f names the host" grep -q "measured on synth-host (4 core(s) per host, 2 host(s)), 2026-12-03T10:00:00Z" "$dir/$f"
done
check "profile has overhead_s.dense" grep -q "^overhead_s.dense = " "$dir/fitted.profile"
check "profile has peak_flops" grep -q "^peak_flops = " "$dir/fitted.profile"
check "platform: SMPI" grep -q '<prop id="network/model" value="SMPI"/>' "$dir/fitted.xml"
check "platform: bw factors at the breakpoints" grep -Eq 'smpi/bw-factor" value="0:[0-9.e-]+;4096:[0-9.e-]+;65536:1"' "$dir/fitted.xml"
check "platform: 2 hosts of 4 cores" grep -q 'radical="0-1"' "$dir/fitted.xml"
check "platform: 4 cores" grep -q 'core="4"' "$dir/fitted.xml"

# --json: one line with the three ranges.
json=$("$calibrate" "$dir/synth.csv" -o "$dir/fitted" --json) || { echo "FAIL: --json exited $?"; fail=1; }
[ "$(wc -l <<< "$json")" = 1 ] || { echo "FAIL: --json printed more than one line"; fail=1; }
check "--json: segments" grep -q '"upto_bytes":65536,' <<< "$json"
check "--json: mem_bw" grep -q '"mem_bw_Bps":1.20[0-9]*e+10' <<< "$json"

# Flags over the JSON; a training trace adds nothing to the network fit.
"$calibrate" "$dir/synth.csv" "$data/sim4.csv" --cores 2 --hosts 1 -o "$dir/other" > "$dir/other.out" ||
  { echo "FAIL: with --cores/--hosts and a training trace: exit $?"; fail=1; }
check "--cores 2" grep -q 'core="2"' "$dir/other.xml"
check "--hosts 1" grep -q 'radical="0-0"' "$dir/other.xml"
check "training trace: same ranges" grep -q "27 sizes 1..67108864 B from 135 ping-pongs: 3 range(s)" "$dir/other.out"

# A training trace alone: its vector ops (two sizes) give a rate without
# an overhead; sim4.csv was simulated with the default 10 GB/s.
sim4=$("$calibrate" "$data/sim4.csv" -o "$dir/sim4") || { echo "FAIL: on sim4.csv: exit $?"; fail=1; }
check "training trace: memory at 10 GB/s" grep -Eq "^  memory +1e\+10 B/s" <<< "$sim4"
check "training trace: no overhead from two sizes" grep -q "memory: 2 size(s) only: rate without a per-call overhead" <<< "$sim4"

# dsgd-sim runs on the outputs, under the platform's network model.
run=$("$sim" --platform "$dir/fitted.xml" --cost-profile "$dir/fitted.profile" --nodes 8 \
      --algo ssgd --model mlp --data synthetic --iters 3 --seed 1 --json) ||
  { echo "FAIL: dsgd-sim on the fitted platform exited $?"; fail=1; }
check "dsgd-sim: 2 hosts used" grep -q '"hosts":2' <<< "$run"
check "dsgd-sim: the fitted curves price the layers" grep -q '"compute_pricing":"curves"' <<< "$run"
err=$("$sim" --platform "$dir/fitted.xml" --cost-profile "$dir/fitted.profile" --nodes 4 \
      --algo ssgd --model mlp --data synthetic --iters 3 --coll-model flow 2>&1 >/dev/null)
check "dsgd-sim: the platform's SMPI model is in force" grep -q "network/model:SMPI" <<< "$err"
[ $fail = 0 ] && echo "dsgd-calibrate: outputs, header, flags and dsgd-sim ok"
exit $fail
