#!/usr/bin/env bash
# calibrate.sh — the calibration loop in one command, on this machine and on
# the namespace testbed (scripts/testbed.sh, settings A and B):
#  1. micro-benchmarks (dsgd-run --bench all, 2 ranks) into a trace, per
#     target: this machine (2 ranks sharing it, polling while they wait)
#     and each testbed setting (2 hosts, 1 rank each, napping);
#  2. dsgd-calibrate fits each: platforms/local.{xml,profile} and
#     platforms/testbed-{A,B}.{xml,profile} (cores, piecewise network,
#     per-kind compute, memory, io, naps' wake-up, compute-time spread;
#     the testbed's 2 hosts share this machine's cores: 1 core each here);
#  3. real training runs (dsgd-run --json --trace), each configuration REPS
#     times (dsgd-validate keeps the best: the machine is shared);
#  4. dsgd-validate replays them in dsgd-sim on the target's calibrated
#     platform and prints measured against predicted iteration times, with
#     the error per phase.  The fits saw only micro-benchmarks: every
#     training run is held out from them; the 4-rank runs and this
#     machine's batch-64 runs are marked held-out apart (a rank count no
#     benchmark ran, a batch no layer benchmark ran).  Per-target tables,
#     one CSV of all rows, one figure and the overall summary in OUT.
# usage: scripts/calibrate.sh [--quick] [--no-testbed] [--algos LIST] [--models LIST]
#                              [--reps N] [--out DIR]
#   --quick       ssgd, asgd, gossip with the MLP, 150 iterations, one run
#                 each, this machine only (about a minute)
#   --no-testbed  this machine only (the testbed needs root and `ip netns`;
#                 without them it is skipped with a note)
#   --algos, --models, --reps  a subset ("ssgd,lsgd"), the models, runs each
#   default: all ten variants, MLP (300 iterations) and CNN (20), 2 and 4
#   ranks at batch 32 and 2 at batch 64 here, 2 ranks at batch 32 on each
#   testbed setting, best of 3 (about half an hour on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 testbed=1 out=out/calibrate want_algos= want_models= want_reps=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; testbed=0; shift ;;
    --no-testbed) testbed=0; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --algos) want_algos=${2:?--algos needs a list}; shift 2 ;;
    --models) want_models=${2:?--models needs a list}; shift 2 ;;
    --reps) want_reps=${2:?--reps needs a count}; shift 2 ;;
    --help | -h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "calibrate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
build=${DSGD_BUILD:-build}
for p in dsgd-run dsgd-calibrate dsgd-validate dsgd-plot dsgd-sim; do
  [ -x "$build/$p" ] || { echo "calibrate.sh: $build/$p missing (scripts/build.sh first)" >&2; exit 2; }
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 DSGD_BUILD=$build
step() { printf '[%4ds] %s\n' "$SECONDS" "$*" >&2; }
rm -rf "$out"
mkdir -p "$out"

if [ $quick = 1 ]; then
  algos="ssgd asgd gossip" models="mlp" reps=1 iters=150
else
  algos=$("$build/dsgd-sim" --algo list | awk '/^[a-z]/ { print $1 }')
  models="mlp cnn" reps=3 iters=300
fi

[ -n "$want_algos" ] && algos=${want_algos//,/ }
[ -n "$want_models" ] && models=${want_models//,/ }
[ -n "$want_reps" ] && reps=$want_reps
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "calibrate.sh: --reps: bad value '$reps'" >&2; exit 2; }
targets=local
if [ $testbed = 1 ]; then
  tb=dsgd-cal
  if DSGD_TESTBED=$tb scripts/testbed.sh up --hosts 2 --setting A > "$out/testbed-up.txt" 2>&1; then
    targets="local A B"
    trap 'DSGD_TESTBED=$tb scripts/testbed.sh down > /dev/null 2>&1 || true' EXIT
  else
    step "testbed skipped: $(tail -1 "$out/testbed-up.txt")"
  fi
fi

# launch TARGET NP ARGS...: dsgd-run on the target
launch() {
  local target=$1 np=$2
  shift 2
  if [ "$target" = local ]; then
    mpirun --oversubscribe -np "$np" "$build/dsgd-run" "$@"
  else
    DSGD_TESTBED=$tb scripts/testbed.sh run --setting "$target" -- -np "$np" "$build/dsgd-run" "$@"
  fi
}

csvs=()
for target in $targets; do
  dir=$out/$target
  mkdir -p "$dir/runs"
  # How the benchmarks' ranks wait.  Here they poll (--idle spin): the
  # ping-pongs and allreduces then time the wire, and what naps add to a
  # run's waits is measured (bench:nap) and modelled (--waits polled)
  # apart; napping through them added a different share of wake-ups each
  # calibration (16 KiB..512 KiB at 1.5 GB/s once, 6 GB/s the time before;
  # polling, 4.5-5.6 GB/s each time).  On the testbed they nap, as the
  # training runs do: the wire's processes share the cores.
  idle=sleep
  if [ "$target" = local ]; then
    platform=platforms/local ranks="2 4" max_bytes=64M fit=() idle=spin
    [ $quick = 1 ] && max_bytes=4M
  else # 2 hosts on this machine's cores: each gets its share
    platform=platforms/testbed-$target ranks=2 max_bytes=4M
    fit=(--hosts 2 --cores $(($(getconf _NPROCESSORS_ONLN) / 2 > 0 ? $(getconf _NPROCESSORS_ONLN) / 2 : 1)))
  fi
  step "$target: micro-benchmarks on 2 ranks"
  launch "$target" 2 --bench all --bench-max-bytes $max_bytes --data fashion-mnist \
    --idle $idle --trace "$dir/bench.csv" --json > "$dir/bench.json"
  step "$target: fitting"
  "$build/dsgd-calibrate" "$dir/bench.csv" -o "$platform" "${fit[@]}" | tee "$dir/fit.txt" >&2
  for model in $models; do
    n=$iters
    [ "$model" = cnn ] && n=20
    for np in $ranks; do
      for algo in $algos; do
        extra=()
        case $algo in lsgd | leader) extra=(--node-size 2) ;; esac
        for rep in $(seq 1 $reps); do
          run=$dir/runs/$target-$algo-$model-${np}r-$rep
          step "$target: real run: $algo, $model, $np ranks ($rep of $reps)"
          launch "$target" $np --algo "$algo" --model "$model" --data fashion-mnist --iters $n \
            "${extra[@]}" --quiet --json --trace "$run.csv" > "$run.json"
        done
      done
    done
  done
  # held out by batch size: no layer benchmark ran batch 64 (1, 8, 32,
  # 128), so these runs test the cost curves between their points
  if [ "$target" = local ] && [ $quick = 0 ]; then
    for model in $models; do
      n=$iters
      [ "$model" = cnn ] && n=20
      for algo in $algos; do
        extra=()
        case $algo in lsgd | leader) extra=(--node-size 2) ;; esac
        for rep in $(seq 1 $reps); do
          run=$dir/runs/$target-$algo-$model-2r-b64-$rep
          step "$target: real run: $algo, $model, 2 ranks, batch 64 ($rep of $reps)"
          launch "$target" 2 --algo "$algo" --model "$model" --data fashion-mnist --iters $n \
            --batch 64 "${extra[@]}" --quiet --json --trace "$run.csv" > "$run.json"
        done
      done
    done
  fi
done
# the simulations last: every real run is measured before any replay loads
# the machine
for target in $targets; do
  dir=$out/$target platform=platforms/local
  [ "$target" = local ] || platform=platforms/testbed-$target
  step "$target: validating"
  "$build/dsgd-validate" --platform "$platform.xml" --cost-profile "$platform.profile" \
    --held-out '*-4r-*' --held-out '*-b64-*' -o "$dir/validation.csv" "$dir"/runs/*.json | tee "$dir/validation.txt"
  csvs+=("$dir/validation.csv")
done

# every target's rows in one CSV, figure and summary
awk 'FNR == 1 && NR > 1 { next } { print }' "${csvs[@]}" > "$out/validation.csv"
"$build/dsgd-plot" validation "$out/validation.csv" -o "$out/validation.png"
col_of() { head -1 "$out/validation.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
e=$(col_of error_pct) r=$(col_of run) set=$(col_of set)
tail -n +2 "$out/validation.csv" |
  awk -F, -v e="$e" -v r="$r" -v s="$set" '{ a = $e < 0 ? -$e : $e; print a, $e, $r, $s }' | sort -g |
  awk '{ abs[NR] = $1; worst = $2; which = $3; held += $4 == "held-out" }
    END {
      med = NR % 2 ? abs[(NR + 1) / 2] : (abs[NR / 2] + abs[NR / 2 + 1]) / 2
      printf "all targets: %d configurations (%d marked held-out), median |error| %.2f %%, worst %+.2f %% (%s)\n",
        NR, held, med, worst, which }' | tee "$out/summary.txt"
step "done: $out/summary.txt, $out/*/validation.txt, $out/validation.png; platforms/local.* and testbed-*.*"
