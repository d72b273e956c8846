#!/usr/bin/env bash
# plot_data.sh — what the gnuplot scripts plot is right: plots/trace.awk and
# plots/table.awk on the fixtures give the expected rows.
# usage: plot_data.sh PLOTS_DIR DATA_DIR
set -uo pipefail
plots=$1 data=$2
fail=0
expect() { # description, want, got
  [ "$2" = "$3" ] || { echo "FAIL: $1: got '$3', want '$2'"; fail=1; }
}
trace_awk() { awk -f "$plots/trace.awk" "$@"; }
table_awk() { awk -f "$plots/table.awk" "$@"; }

# Timeline categories: ssgd's update is its memory step, drawn once.
expect "sim4 categories" "1 2 3 4" "$(trace_awk -v mode=cats "$data/sim4.csv")"
expect "run4 categories" "1 2 3 4" "$(trace_awk -v mode=cats "$data/run4.csv")"
expect "ps4 categories" "1 2 4 5 6 7" "$(trace_awk -v mode=cats "$data/ps4.csv")"
expect "sim4 bars (566 events - 81 evals - 80 updates)" 405 "$(trace_awk -v mode=gantt "$data/sim4.csv" | wc -l)"
# A window clips: every bar within [2 ms, 4.5 ms], none empty.
expect "ps4 window" 0 "$(trace_awk -v mode=gantt -v tmin=0.002 -v tmax=0.0045 "$data/ps4.csv" |
  awk '$3 < 0.002 || $4 > 0.0045 || $4 < $3 { bad++ } END { print bad + 0 }')"
expect "ps4 window bars (overlap > 0)" "$(awk -F, 'NR > 1 && $2 != "eval" && $5 > 0.002 && $4 < 0.0045' "$data/ps4.csv" | wc -l)" "$(trace_awk -v mode=gantt -v tmin=0.002 -v tmax=0.0045 "$data/ps4.csv" | wc -l)"
expect "extent" "0.000000000 0.021100000 3" "$(trace_awk -v mode=extent "$data/ps4.csv")"

# Convergence: 20 iterations of mean train loss; the end-of-run test loss
# (iter -1) lands after the last iteration.
expect "sim4 train rows" 20 "$(trace_awk -v mode=train "$data/sim4.csv" | wc -l)"
expect "sim4 iter 0 mean loss" "$(awk -F, '$3 == "train_loss" && $9 == 0 { s += $10; n++ } END { printf "%.6f", s / n }' "$data/sim4.csv")" \
  "$(trace_awk -v mode=train "$data/sim4.csv" | awk 'NR == 1 { printf "%.6f", $3 }')"
expect "sim4 test loss" "20 0.704459951" "$(trace_awk -v mode=eval -v name=test_loss "$data/sim4.csv" | cut -d' ' -f1,3)"
expect "phantom2 nan test loss skipped" 0 "$(trace_awk -v mode=count -v name=test_loss "$data/phantom2.csv")"
expect "ps4 accuracy points" 4 "$(trace_awk -v mode=count -v name=test_accuracy "$data/ps4.csv")"

# Staleness histogram and its legend numbers.
expect "ps4 staleness" "0 3,1 9,2 8,3 2,4 2" "$(trace_awk -v mode=staleness "$data/ps4.csv" | paste -sd,)"
expect "ps4 staleness stats" "24 1.62 4" "$(trace_awk -v mode=stalestats "$data/ps4.csv")"

# Tables: one line per (algo, model), rows sorted by nodes.
expect "scaling groups" 2 "$(table_awk -v mode=ngroups -v group=algo,model "$data/scaling.csv")"
expect "scaling label" "ssgd (mlp-4096x4096)" "$(table_awk -v mode=label -v group=algo,model -v g=2 "$data/scaling.csv")"
expect "scaling nodes" "1 2 4 8 16" "$(table_awk -v mode=data -v group=algo,model -v g=2 -v sort=nodes -v cols=nodes \
  <(head -1 "$data/scaling.csv"; tail -n +2 "$data/scaling.csv" | sort -r) | paste -sd' ')"
expect "validation rows" 6 "$(table_awk -v mode=rows -v cols=nodes "$data/validation.csv" | wc -l)"
[ $fail = 0 ] && echo "plot data as expected"
exit $fail
