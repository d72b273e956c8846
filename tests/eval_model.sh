#!/usr/bin/env bash
# eval_model.sh — --eval-model scores the parameters it names.
#   usage: eval_model.sh DSGD_SIM PLATFORM
# With --lr 0 nobody learns, so every worker keeps its initial parameters
# (plus its own --init-noise draw, seeded by its worker index):
#  - rank0 on 8 workers scores worker 0's model: exactly the accuracy of a
#    one-worker run with the same noise;
#  - without noise every worker holds the initial model, so average, each,
#    leader, rank0 and shards all score it: the one-worker accuracy;
#  - each scores 8 models on the whole split, shards each model on an
#    eighth: with noise they differ, and each lies between the worst and
#    the best single model (ranks 0..7 alone are not observable, so the
#    check is that it differs from shards and from rank0);
#  - a replicated variant (ssgd without noise) scores its one model, and
#    the JSON says "replicated" whatever was asked.
set -uo pipefail
sim=$1 platform=$2
fail=0
common=(--platform "$platform" --iters 2 --lr 0 --momentum 0 --json --quiet)
field() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2 | tr -d '"'; }
acc() { "$sim" "${common[@]}" "$@" | field test_accuracy; }
one=$(acc --algo ssgd --nodes 1 --init-noise 0.5)
r0=$(acc --algo ssgd --nodes 8 --init-noise 0.5 --eval-model rank0)
echo "noise 0.5: one worker $one, rank0 of 8 $r0"
[ -n "$one" ] && [ "$one" = "$r0" ] || { echo "FAIL: rank0 scored $r0, worker 0 alone scores $one"; fail=1; }
each=$(acc --algo ssgd --nodes 8 --init-noise 0.5 --eval-model each)
shards=$(acc --algo ssgd --nodes 8 --init-noise 0.5 --eval-model shards)
echo "noise 0.5: each $each, shards $shards"
[ "$each" != "$shards" ] && [ "$each" != "$r0" ] || { echo "FAIL: each ($each) is shards ($shards) or rank0 ($r0)"; fail=1; }
base=$(acc --algo localsgd --nodes 1)
for m in average each leader rank0 shards; do
  a=$(acc --algo localsgd --nodes 8 --eval-model $m)
  echo "no noise, localsgd, $m: $a (one worker: $base)"
  awk -v a="$a" -v b="$base" 'BEGIN { exit !(a != "" && (a - b) ^ 2 <= 1e-6) }' ||
    { echo "FAIL: $m scored $a, the initial model scores $base"; fail=1; }
done
out=$("$sim" "${common[@]}" --algo ssgd --nodes 8 --eval-model leader)
[ "$(echo "$out" | field eval_model)" = replicated ] && [ "$(echo "$out" | field test_accuracy)" = "$base" ] ||
  { echo "FAIL: ssgd: $(echo "$out" | field eval_model) $(echo "$out" | field test_accuracy), want replicated $base"; fail=1; }
out=$("$sim" "${common[@]}" --algo gossip --nodes 8 --eval-model each)
[ "$(echo "$out" | field eval_model)" = each ] || { echo "FAIL: gossip: JSON eval_model $(echo "$out" | field eval_model)"; fail=1; }
err=$("$sim" "${common[@]}" --eval-model best 2>&1 >/dev/null) && { echo "FAIL: --eval-model best accepted"; fail=1; }
case $err in *--eval-model*best*) ;; *) echo "FAIL: --eval-model best: error '$err'"; fail=1 ;; esac
exit $fail
