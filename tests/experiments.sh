#!/usr/bin/env bash
# experiments.sh — runs one study of experiments/ in --quick mode and checks
# what it promises: exit status 0, each CSV with its columns and at least
# its number of rows, the figures (non-empty PNGs), and claim lines that are
# well formed (stdout and claims.txt agree, at least one claim).
# usage: experiments.sh SCRIPT OUTDIR BUILD CSV:COL,COL,...:MINROWS... -- PNG...
set -uo pipefail
script=$1 out=$2 build=$3
shift 3
rm -rf "$out"
fail=0
stdout=$(DSGD_BUILD=$build "$script" --quick --out "$out" 2> "$out.log")
rc=$?
[ $rc = 0 ] || { echo "FAIL: $script --quick exited $rc"; tail -20 "$out.log"; exit 1; }
echo "$stdout"
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  IFS=: read -r csv cols min <<< "$1"
  shift
  f=$out/$csv
  [ -s "$f" ] || { echo "FAIL: $f missing or empty"; fail=1; continue; }
  header=$(head -1 "$f")
  for c in ${cols//,/ }; do
    [[ ",$header," == *",$c,"* ]] || { echo "FAIL: $csv: no column '$c' in '$header'"; fail=1; }
  done
  rows=$(($(grep -c '' "$f") - 1))
  [ "$rows" -ge "$min" ] || { echo "FAIL: $csv: $rows rows, want at least $min"; fail=1; }
  # every row has the header's number of fields, none empty where numbers belong
  awk -F, -v n="$(awk -F, '{ print NF; exit }' "$f")" 'NF != n { print "FAIL: " FILENAME ":" NR ": " NF " fields, header has " n; bad = 1 } END { exit bad }' "$f" || fail=1
done
[ "${1:-}" = -- ] && shift
for png in "$@"; do
  [ -s "$out/$png" ] && [ "$(head -c 4 "$out/$png" | tail -c 3)" = PNG ] || { echo "FAIL: $out/$png is not a PNG"; fail=1; }
done
claims=$(grep '^CLAIM: ' <<< "$stdout")
[ -n "$claims" ] || { echo "FAIL: no CLAIM line"; fail=1; }
[ "$claims" = "$(cat "$out/claims.txt")" ] || { echo "FAIL: claims.txt differs from the CLAIM lines printed"; fail=1; }
re='^CLAIM: [^|]+ \| dsgd: [^|]*[0-9][^|]* \| (reproduced|not reproduced|inconclusive)$'
while IFS= read -r line; do
  [[ $line =~ $re ]] || { echo "FAIL: malformed claim line: $line"; fail=1; }
done <<< "$claims"
help=$("$script" --help); grep -q -- --quick <<< "$help" || { echo "FAIL: --help does not mention --quick"; fail=1; }
exit $fail
