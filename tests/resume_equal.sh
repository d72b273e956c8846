#!/usr/bin/env bash
# resume_equal.sh — a run stopped and resumed from its checkpoints ends with
# exactly the same parameters (and optimiser state) as one that never
# stopped: the checkpoint files of both are compared byte for byte.
#
# usage: resume_equal.sh OUTDIR LAUNCH...   (e.g. mpiexec -np 2 dsgd-run)
# The schedule crosses a warm-up end (iteration 16), an epoch boundary (32,
# where the shuffle changes) and a learning-rate step (48); the stop is at
# iteration 40, mid-epoch, with momentum, Nesterov and weight decay on.
set -euo pipefail
out=$1
shift
rm -rf "$out"
mkdir -p "$out"
common=(--model mlp --data synthetic --batch 256 --lr 0.05 --momentum 0.9 --nesterov
        --weight-decay 1e-4 --warmup-epochs 0.5 --lr-steps 1.5 --json --quiet)
"$@" "${common[@]}" --iters 64 --checkpoint "$out/straight" > "$out/straight.json"
"$@" "${common[@]}" --iters 40 --checkpoint "$out/resumed" --checkpoint-every 24 > "$out/first.json"
"$@" "${common[@]}" --iters 64 --resume "$out/resumed" --checkpoint "$out/resumed" > "$out/resumed.json"
cat "$out/straight.json" "$out/resumed.json"
fail=0
n=0
for f in "$out"/straight/rank-*.ckpt; do
  n=$((n + 1))
  cmp "$f" "$out/resumed/$(basename "$f")" || { echo "FAIL: $(basename "$f") differs"; fail=1; }
done
[ $n -ge 1 ] || { echo "FAIL: no checkpoint written"; fail=1; }
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1"; }
for key in params_norm final_loss test_accuracy; do
  [ "$(field "$out/straight.json" $key)" = "$(field "$out/resumed.json" $key)" ] ||
    { echo "FAIL: $key differs"; fail=1; }
done
[ "$(field "$out/resumed.json" iters)" = 64 ] || { echo "FAIL: resumed run did not reach 64"; fail=1; }
ls "$out"/resumed | grep -q tmp && { echo "FAIL: temporary files left"; fail=1; }
[ $fail = 0 ] && echo "resume equal: $n rank checkpoint(s) identical"
exit $fail
