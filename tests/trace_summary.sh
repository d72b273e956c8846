#!/usr/bin/env bash
# trace_summary.sh — dsgd-trace summary adds up what the CSV says: per rank
# and kind, the event count and the seconds (t1 - t0) agree with awk's sums
# over the fixture, and the table form lists every rank.
# usage: trace_summary.sh DSGD_TRACE DATA_DIR
set -uo pipefail
tool=$1 data=$2
fail=0
for f in sim4 run4 ps4; do
  csv="$data/$f.csv"
  got=$("$tool" summary --csv "$csv") || { echo "FAIL: summary $f exited $?"; fail=1; continue; }
  want=$(awk -F, 'NR > 1 { n[$1 "," $2]++; s[$1 "," $2] += $5 - $4 }
                  END { for (k in n) printf "%s,%d,%.6f\n", k, n[k], s[k] }' "$csv" | sort)
  have=$(tail -n +2 <<< "$got" | awk -F, '{ printf "%s,%s,%d,%.6f\n", $1, $2, $3, $4 }' | sort)
  if [ "$want" != "$have" ]; then
    echo "FAIL: $f: summary --csv differs from the sums over the CSV:"
    diff <(echo "$want") <(echo "$have") | head -10
    fail=1
  fi
  # Fractions are seconds / span, each within [0, 1].
  awk -F, 'NR > 1 && ($5 < 0 || $5 > 1.000001) { bad = 1 } END { exit bad }' <<< "$got" ||
    { echo "FAIL: $f: a fraction outside [0, 1]"; fail=1; }
  rows=$("$tool" summary "$csv" | awk '$1 ~ /^[0-9]+$/' | wc -l)
  [ "$rows" = 4 ] || { echo "FAIL: $f: table has $rows rank rows, want 4"; fail=1; }
done
# The hand-made parameter-server trace: rank 0 only receives, updates, sends.
line=$("$tool" summary --csv "$data/ps4.csv" | grep '^0,update,')
[ "$line" = "0,update,24,0.004800000,0.227488" ] || { echo "FAIL: ps4 rank 0 update: '$line'"; fail=1; }
[ $fail = 0 ] && echo "summary agrees with the CSVs"
exit $fail
