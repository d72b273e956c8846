#!/usr/bin/env bash
# calibrate.sh — the calibration loop in one command, on this machine:
#  1. micro-benchmarks (mpirun -np 2 dsgd-run --bench all) into a trace;
#  2. dsgd-calibrate fits them: platforms/local.xml + platforms/local.profile
#     (cores of this machine, piecewise network, per-kind compute, memory,
#     io, compute-time spread);
#  3. real training runs (dsgd-run --json --trace), each configuration
#     REPS times (dsgd-validate keeps the best: the machine is shared);
#  4. dsgd-validate replays them in dsgd-sim on the calibrated platform and
#     prints measured against predicted iteration times, with the error per
#     phase; the fit saw only the micro-benchmarks, so every run is held out
#     from it (the 4-rank runs are marked held-out apart: a rank count no
#     benchmark ran).  CSV and figure in OUT.
# usage: scripts/calibrate.sh [--quick] [--out DIR]
#   --quick   ssgd, asgd, gossip with the MLP at 2 and 4 ranks, one run each
#             (about a minute); default: all ten variants, MLP and CNN, 2
#             and 4 ranks, best of 3 (long: the CNN trains at a few
#             iterations a second on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 out=out/calibrate
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --help | -h) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "calibrate.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
build=${DSGD_BUILD:-build}
for p in dsgd-run dsgd-calibrate dsgd-validate dsgd-plot dsgd-sim; do
  [ -x "$build/$p" ] || { echo "calibrate.sh: $build/$p missing (scripts/build.sh first)" >&2; exit 2; }
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe)
mkdir -p "$out/runs"
step() { printf '[%4ds] %s\n' "$SECONDS" "$*" >&2; }

if [ $quick = 1 ]; then
  algos="ssgd asgd gossip" models="mlp" reps=1 iters=150 max_bytes=4M
else
  algos=$("$build/dsgd-sim" --algo list | awk '/^[a-z]/ { print $1 }')
  models="mlp cnn" reps=3 iters=300 max_bytes=64M
fi

step "micro-benchmarks on 2 ranks"
"${mpirun[@]}" -np 2 "$build/dsgd-run" --bench all --bench-max-bytes $max_bytes --data fashion-mnist \
  --trace "$out/bench.csv" --json > "$out/bench.json"
step "fitting"
"$build/dsgd-calibrate" "$out/bench.csv" -o platforms/local | tee "$out/fit.txt" >&2

for model in $models; do
  n=$iters
  [ "$model" = cnn ] && n=$((iters / 10))
  for ranks in 2 4; do
    for algo in $algos; do
      extra=()
      case $algo in lsgd | leader) extra=(--node-size 2) ;; esac
      for rep in $(seq 1 $reps); do
        run=$out/runs/$algo-$model-${ranks}r-$rep
        step "real run: $algo, $model, $ranks ranks ($rep of $reps)"
        "${mpirun[@]}" -np $ranks "$build/dsgd-run" --algo "$algo" --model "$model" \
          --data fashion-mnist --iters $n "${extra[@]}" --quiet --json --trace "$run.csv" > "$run.json"
      done
    done
  done
done

step "validating"
"$build/dsgd-validate" --platform platforms/local.xml --cost-profile platforms/local.profile \
  --held-out '*-4r-*' -o "$out/validation.csv" "$out"/runs/*.json | tee "$out/validation.txt"
"$build/dsgd-plot" validation "$out/validation.csv" -o "$out/validation.png"
step "done: $out/validation.txt, $out/validation.png; platforms/local.xml + .profile"
