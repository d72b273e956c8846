#!/usr/bin/env bash
# validate.sh — dsgd-validate against runs whose prediction is known.
#
# The "real" runs are made by dsgd-sim itself on the platform and with the
# (hand-written) cost profile used for the validation, with flags off the defaults (--hidden, --batch, --lr): replayed
# from their JSON's `flags`, the prediction must equal the measurement
# exactly (error 0, every phase 0).  The same run with every time scaled by
# 1.1 (its trace's t0/t1, its JSON's times) must give -9.0909 % overall and
# in every phase that has time.  Repeats of one configuration are one row
# measured by their best; --held-out splits the summary; the CSV feeds
# dsgd-plot validation; an older summary without `flags` still replays.
#
# usage: validate.sh DSGD_SIM DSGD_VALIDATE DSGD_PLOT PLATFORM WORKDIR
set -uo pipefail
sim=$1 validate=$2 plot=$3 platform=$4 dir=$5
rm -rf "$dir"
mkdir -p "$dir"
fail=0
profile=$dir/hand.profile
printf '# hand-written: slower dense layers and loading than the defaults\nefficiency.dense = 0.2\nio_bw_Bps = 2e8\n' > "$profile"
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }

"$sim" --platform "$platform" --nodes 4 --algo ssgd --hidden 64 --batch 16 --lr 0.02 --iters 20 \
  --cost-profile "$profile" --trace "$dir/ssgd.csv" --json --quiet > "$dir/ssgd.json" || { echo "FAIL: dsgd-sim ssgd"; exit 1; }
"$sim" --platform "$platform" --nodes 4 --algo asgd --iters 20 --cost-profile "$profile" --trace "$dir/asgd.csv" --json \
  --quiet > "$dir/asgd.json" || { echo "FAIL: dsgd-sim asgd"; exit 1; }
# slow: ssgd with every time 1.1x longer
awk -F, -v OFS=, 'NR == 1 { print; next } { $4 = sprintf("%.12f", $4 * 1.1); $5 = sprintf("%.12f", $5 * 1.1); print }' \
  "$dir/ssgd.csv" > "$dir/slow.csv"
awk '{
  out = ""
  while (match($0, /"(time_s|iter_time_s)":[-0-9.e+]+/)) {
    kv = substr($0, RSTART, RLENGTH); split(kv, p, ":")
    out = out substr($0, 1, RSTART - 1) p[1] ":" sprintf("%.12g", p[2] * 1.1)
    $0 = substr($0, RSTART + RLENGTH)
  }
  print out $0 }' "$dir/ssgd.json" > "$dir/slow.json"

# column value of the CSV row whose `run` is $2
col() { awk -F, -v run="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next } $k["run"] == run { print $k[c] }' "$1"; }

# 1. exact replay: error 0 overall and per phase; asgd held out
out=$("$validate" --quiet --platform "$platform" --cost-profile "$profile" --held-out 'asgd*' -o "$dir/exact.csv" \
  "$dir/ssgd.json" "$dir/asgd.json") || { echo "FAIL: dsgd-validate exact: exit $?"; exit 1; }
echo "$out"
for run in ssgd.json asgd.json; do
  e=$(col "$dir/exact.csv" $run error_pct)
  near "$e" 0 1e-9 && echo "ok: $run error 0 ($e)" || { echo "FAIL: $run error '$e', want 0"; fail=1; }
  for p in compute comm io memory; do
    e=$(col "$dir/exact.csv" $run ${p}_error_pct)
    near "$e" 0 1e-9 || { echo "FAIL: $run $p error '$e', want 0"; fail=1; }
  done
done
[ "$(col "$dir/exact.csv" asgd.json set)" = held-out ] && [ "$(col "$dir/exact.csv" ssgd.json set)" = fit ] ||
  { echo "FAIL: sets: --held-out 'asgd*'"; fail=1; }
[ "$(col "$dir/exact.csv" asgd.json wait_error_pct)" != "" ] || { echo "FAIL: asgd has wait time"; fail=1; }
[ "$(col "$dir/exact.csv" ssgd.json wait_error_pct)" = "" ] || { echo "FAIL: ssgd waits for nothing: no wait error"; fail=1; }
grep -q "^held-out: 1 run, median |error| 0.00 %" <<< "$out" || { echo "FAIL: held-out summary"; fail=1; }

# 2. measured 1.1x the prediction: (1 - 1.1) / 1.1 = -9.0909 %
json=$("$validate" --quiet --platform "$platform" --cost-profile "$profile" -o "$dir/slow-out.csv" --json "$dir/slow.json") ||
  { echo "FAIL: dsgd-validate slow: exit $?"; exit 1; }
echo "$json"
want=$(awk 'BEGIN { printf "%.6f", (1 - 1.1) / 1.1 * 100 }')
e=$(col "$dir/slow-out.csv" slow.json error_pct)
near "$e" "$want" 1e-4 && echo "ok: slow error $e" || { echo "FAIL: slow error '$e', want $want"; fail=1; }
for p in compute comm io memory; do
  e=$(col "$dir/slow-out.csv" slow.json ${p}_error_pct)
  near "$e" "$want" 1e-4 || { echo "FAIL: slow $p error '$e', want $want"; fail=1; }
  r=$(col "$dir/slow-out.csv" slow.json real_${p}_s) s=$(col "$dir/slow-out.csv" slow.json sim_${p}_s)
  awk -v r="$r" -v s="$s" 'BEGIN { d = r / (1.1 * s) - 1; exit !(s > 0 && d < 1e-7 && -d < 1e-7) }' || { echo "FAIL: slow real $p $r != 1.1 x $s"; fail=1; }
done
grep -q "\"worst_error_pct\":-9.0909" <<< "$json" || { echo "FAIL: JSON worst error"; fail=1; }
[ "$(grep -c . <<< "$json")" = 1 ] || { echo "FAIL: --json prints one line"; fail=1; }

# 3. repeats of one configuration: one row, measured by the best (the exact one)
"$validate" --quiet --platform "$platform" --cost-profile "$profile" -o "$dir/repeats.csv" "$dir/slow.json" "$dir/ssgd.json" > /dev/null ||
  { echo "FAIL: dsgd-validate repeats"; fail=1; }
[ "$(grep -c . "$dir/repeats.csv")" = 2 ] && [ "$(col "$dir/repeats.csv" ssgd.json repeats)" = 2 ] &&
  near "$(col "$dir/repeats.csv" ssgd.json error_pct)" 0 1e-9 && echo "ok: repeats" ||
  { echo "FAIL: repeats: want one row, ssgd.json, 2 repeats, error 0"; cat "$dir/repeats.csv"; fail=1; }

# 4. an older summary (no flags): replays its keys, says so, still exact
#    for a run of default flags
sed -E 's/,"flags":\[[^]]*\]//' "$dir/asgd.json" > "$dir/old.json"
cp "$dir/asgd.csv" "$dir/old.csv"
err=$("$validate" --quiet --platform "$platform" --cost-profile "$profile" -o "$dir/old-out.csv" "$dir/old.json" 2>&1 > /dev/null)
near "$(col "$dir/old-out.csv" old.json error_pct)" 0 1e-9 && grep -q 'no "flags"' <<< "$err" &&
  echo "ok: older summary" || { echo "FAIL: older summary: $err"; fail=1; }

# 5. the profile is the one simulated: without it (the built-in one) the
#    dense layers and the loading are faster than measured
"$validate" --quiet --platform "$platform" -o "$dir/default.csv" "$dir/ssgd.json" > /dev/null
e=$(col "$dir/default.csv" ssgd.json compute_error_pct) i=$(col "$dir/default.csv" ssgd.json io_error_pct)
awk -v e="$e" -v i="$i" 'BEGIN { exit !(e < -10 && i < -10) }' && echo "ok: built-in profile: compute $e %, io $i %" ||
  { echo "FAIL: without --cost-profile: compute '$e' %, io '$i' %, want both < -10"; fail=1; }

# 6. a real run names its MPI's allreduce (exec's JSON "allreduce", e.g.
#    "tree" under Open MPI; no flag) and how its ranks waited ("idle":
#    "sleep", dsgd-run's default): the replay simulates that algorithm with
#    waits seen at the polls of that schedule (--waits polled): exact; not
#    the simulator's own choice of allreduce (here a tree, 2 % off a ring)
"$sim" --platform "$platform" --nodes 4 --algo ssgd --hidden 64 --iters 20 --allreduce ring --waits polled \
  --cost-profile "$profile" --trace "$dir/mpi.csv" --json --quiet > "$dir/ring.json" || { echo "FAIL: dsgd-sim ring"; exit 1; }
sed -E 's/"backend":"sim"/"backend":"exec"/; s/,"--allreduce=ring"//; s/,"--waits=polled"//;
        s/,"ranks_per_host":"[^"]*"/,"idle":"sleep"/' \
  "$dir/ring.json" > "$dir/mpi.json"
grep -q -- '--allreduce\|--waits' "$dir/mpi.json" && { echo "FAIL: the test's run still has the flags"; fail=1; }
"$validate" --quiet --platform "$platform" --cost-profile "$profile" -o "$dir/mpi-out.csv" "$dir/mpi.json" > /dev/null
e=$(col "$dir/mpi-out.csv" mpi.json error_pct)
near "$e" 0 1e-9 && echo "ok: the run's MPI allreduce replayed (error $e)" || { echo "FAIL: MPI allreduce replay: error '$e', want 0"; fail=1; }
sed -E 's/"allreduce":"ring"/"allreduce":"unknown"/' "$dir/mpi.json" > "$dir/unknown.json"
cp "$dir/mpi.csv" "$dir/unknown.csv"
"$validate" --quiet --platform "$platform" --cost-profile "$profile" -o "$dir/unknown-out.csv" "$dir/unknown.json" > /dev/null
e=$(col "$dir/unknown-out.csv" unknown.json error_pct)
awk -v e="$e" 'BEGIN { exit !(e < -1 || e > 1) }' && echo "ok: an unknown MPI's allreduce: the simulator's own choice (error $e)" ||
  { echo "FAIL: 'unknown' allreduce replayed as a ring? error '$e'"; fail=1; }

# 7. the figure
"$plot" validation "$dir/exact.csv" -o "$dir/validation.png" && [ -s "$dir/validation.png" ] &&
  echo "ok: plot" || { echo "FAIL: dsgd-plot validation"; fail=1; }
exit $fail
