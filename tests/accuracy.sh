#!/usr/bin/env bash
# accuracy.sh — real training on Fashion-MNIST: test accuracy climbs above
# a threshold within a few hundred steps, and the trace records it.
#
# usage: accuracy.sh OUTDIR THRESHOLD EVAL_EVERY LAUNCH... -- FLAGS...
# Checks, from the eval events of rank 0 (test_accuracy at every
# EVAL_EVERY iterations and at the end) and the --json summary:
#   - the final test accuracy is >= THRESHOLD and equals the JSON's;
#   - it is higher than at the first evaluation (accuracy climbed);
#   - the first evaluation is already well above chance (0.1).
# Why the thresholds hold (see tests/CMakeLists.txt for the values): a
# linear classifier trained to convergence reaches about 0.84 on
# Fashion-MNIST; a few hundred SGD steps of 2 x 32 samples (a third of an
# epoch) get an MLP to 0.80-0.82 and the CNN to about 0.8 here, so the
# thresholds leave several points of margin for seeds and platforms while
# anything that learns wrongly (labels shuffled against images, a broken
# gradient or normalisation) stays far below them.
set -euo pipefail
out=$1 threshold=$2 every=$3
shift 3
launch=()
while [ "$1" != -- ]; do launch+=("$1"); shift; done
shift
mkdir -p "$out"
rm -f "$out/trace.csv"
"${launch[@]}" --data fashion-mnist --eval-every "$every" --json --quiet --trace "$out/trace.csv" "$@" > "$out/run.json"
cat "$out/run.json"
accs=$(awk -F, '$1 == 0 && $2 == "eval" && $3 == "test_accuracy" { print $10 }' "$out/trace.csv")
echo "test accuracy at each evaluation:" $accs
first=$(head -1 <<< "$accs") last=$(tail -1 <<< "$accs")
json=$(sed -n 's/.*"test_accuracy":\([^,}]*\).*/\1/p' "$out/run.json")
fail=0
[ "$(wc -l <<< "$accs")" -ge 2 ] || { echo "FAIL: fewer than 2 evaluations in the trace"; fail=1; }
awk -v a="$last" -v t="$threshold" 'BEGIN { exit !(a + 0 >= t + 0) }' ||
  { echo "FAIL: final test accuracy $last < $threshold"; fail=1; }
awk -v a="$last" -v b="$first" 'BEGIN { exit !(a + 0 > b + 0) }' ||
  { echo "FAIL: accuracy did not climb ($first -> $last)"; fail=1; }
awk -v a="$first" 'BEGIN { exit !(a + 0 >= 0.3) }' ||
  { echo "FAIL: first evaluation $first barely above chance"; fail=1; }
awk -v a="$last" -v b="$json" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' ||
  { echo "FAIL: trace says $last, --json says $json"; fail=1; }
[ $fail = 0 ] && echo "accuracy climbed $first -> $last (threshold $threshold)"
exit $fail
