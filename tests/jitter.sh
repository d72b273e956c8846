#!/usr/bin/env bash
# jitter.sh — --jitter gives compute times the distribution it names, from
# the seed, and synchronous variants pay for their slowest worker.
#   usage: jitter.sh DSGD_SIM PLATFORM OUTDIR
# One rank, 400 steps: the fwdbwd charges of a run without jitter are all
# equal (d0); with CV c their mean is d0 within 3 standard errors
# (3 c / sqrt(400)) and their coefficient of variation c within 15 %; the
# lognormal's median is below its mean (a right tail), the normal's is not
# far from it.  The same seed gives the same trace, another seed another.
# ssgd on 8 ranks: each step waits for the slowest of 8 draws, so an
# iteration is longer than without jitter.
set -uo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
fail=0
one=(--platform "$platform" --nodes 1 --iters 400 --quiet)
stats() { # trace -> "n mean cv median"
  awk -F, '$3 == "fwdbwd" { print $5 - $4 }' "$1" | sort -g |
    awk '{ d[NR] = $1; s += $1; q += $1 * $1 }
         END { m = s / NR; printf "%d %.12g %.6g %.12g\n", NR, m, sqrt(q / NR - m * m) / m, d[int(NR / 2)] }'
}
"$sim" "${one[@]}" --trace "$out/none.csv" || fail=1
read -r n d0 cv0 med0 < <(stats "$out/none.csv")
echo "no jitter: $n steps, mean $d0 s, cv $cv0"
awk -v c="$cv0" 'BEGIN { exit !(c < 1e-4) }' # clock rounding only || { echo "FAIL: compute varies without --jitter"; fail=1; }
for spec in 0.1:normal 0.2:lognormal; do
  c=${spec%%:*} kind=${spec##*:}
  "$sim" "${one[@]}" --jitter "$spec" --trace "$out/$kind.csv" || fail=1
  read -r n m cv med < <(stats "$out/$kind.csv")
  echo "$spec: mean $m s (d0 $d0), cv $cv, median $med"
  awk -v m="$m" -v d="$d0" -v c="$c" -v n="$n" 'BEGIN { e = 3 * c / sqrt(n); exit !((m / d - 1) ^ 2 <= e * e) }' ||
    { echo "FAIL: $spec: mean $m is not d0 = $d0 within 3 standard errors"; fail=1; }
  awk -v cv="$cv" -v c="$c" 'BEGIN { exit !((cv / c - 1) ^ 2 <= 0.15 ^ 2) }' ||
    { echo "FAIL: $spec: coefficient of variation $cv, want $c within 15 %"; fail=1; }
  if [ "$kind" = lognormal ]; then
    awk -v m="$m" -v med="$med" 'BEGIN { exit !(med < 0.995 * m) }' ||
      { echo "FAIL: lognormal: median $med not below the mean $m"; fail=1; }
  fi
done
"$sim" "${one[@]}" --jitter 0.2:lognormal --trace "$out/again.csv" || fail=1
cmp -s "$out/lognormal.csv" "$out/again.csv" || { echo "FAIL: the same seed gave another trace"; fail=1; }
"$sim" "${one[@]}" --jitter 0.2:lognormal --seed 2 --trace "$out/seed2.csv" || fail=1
[ "$(stats "$out/seed2.csv")" != "$(stats "$out/lognormal.csv")" ] ||
  { echo "FAIL: another seed gave the same draws"; fail=1; }
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
eight=(--platform "$platform" --nodes 8 --iters 100 --quiet --json)
t0=$(field "$("$sim" "${eight[@]}")" iter_time_s)
t1=$(field "$("$sim" "${eight[@]}" --jitter 0.2)" iter_time_s)
echo "ssgd, 8 ranks: iteration $t0 s without jitter, $t1 s with CV 0.2"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b > a * 1.01) }' ||
  { echo "FAIL: ssgd does not wait for its slowest worker"; fail=1; }
# A calibrated profile's spread (jitter_cv, dsgd-calibrate) is the default;
# --jitter overrides it, --jitter 0 turns it off.  The JSON says which.
printf 'jitter_cv = 0.2\njitter_lognormal = 1\n' > "$out/spread.profile"
j=$("$sim" "${one[@]}" --cost-profile "$out/spread.profile" --json --trace "$out/profile.csv")
read -r n m cv med < <(stats "$out/profile.csv")
echo "profile jitter_cv 0.2 lognormal: JSON jitter $(field "$j" jitter), trace cv $cv"
[ "$(field "$j" jitter)" = '"0.2:lognormal"' ] && cmp -s "$out/profile.csv" "$out/lognormal.csv" ||
  { echo "FAIL: the profile's jitter is not --jitter 0.2:lognormal"; fail=1; }
j=$("$sim" "${one[@]}" --cost-profile "$out/spread.profile" --jitter 0 --json --trace "$out/off.csv")
read -r n m cv med < <(stats "$out/off.csv")
[ "$(field "$j" jitter)" = '"0"' ] && awk -v c="$cv" 'BEGIN { exit !(c < 1e-4) }' ||
  { echo "FAIL: --jitter 0 did not turn the profile's jitter off (cv $cv)"; fail=1; }
exit $fail
