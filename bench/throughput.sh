#!/usr/bin/env bash
# throughput.sh — samples/s of synchronous data-parallel SGD on
# Fashion-MNIST, in two tables:
#  1. dsgd-run (MPI, OpenBLAS) side by side with PyTorch DDP (Debian's
#     python3-torch, gloo backend) on the same model, per-rank batch,
#     learning rate, momentum, data, shuffling and one thread per rank;
#     skipped when PyTorch is missing;
#  2. dsgd-run at 1, 2 and 4 ranks on an idle machine and with one
#     CPU-bound process (a shell busy loop) running beside them: waiting
#     ranks must leave the cores to the working ones (README, "Waiting
#     ranks"); best of REPEAT runs per point;
# then the GEMM rates of the layers against OpenBLAS's sgemm peak.
#
# usage: bench/throughput.sh [BUILD_DIR]   (default build)
# Env: BATCH (32), MLP_ITERS (3000), CNN_ITERS (200), RANKS ("1 2") for
# table 1; BUSY_RANKS ("1 2 4"), BUSY_MODELS (mlp), IDLE ("sleep": the
# dsgd-run --idle modes to compare, e.g. "spin yield sleep"), REPEAT (3)
# for table 2;
# TABLES ("torch busy gemm": which parts to run).
# Timings on a shared machine are noisy: read the ratios rather than the
# absolute figures, and say how loaded the machine was.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
batch=${BATCH:-32}
ranks=${RANKS:-1 2}
busy_ranks=${BUSY_RANKS:-1 2 4}
busy_models=${BUSY_MODELS:-mlp}
repeat=${REPEAT:-3}
tables=${TABLES:-torch busy gemm}
idle_modes=${IDLE:-sleep}
python=/usr/bin/python3 # Debian's, which sees python3-torch
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
hog=
trap '[ -z "$hog" ] || kill "$hog" 2> /dev/null || true' EXIT
field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p"; }
iters_of() { if [ "$1" = cnn ]; then echo "${CNN_ITERS:-200}"; else echo "${MLP_ITERS:-3000}"; fi; }
# samples/s of one dsgd-run (MODEL RANKS [IDLE_MODE])
dsgd() {
  mpirun --oversubscribe -np "$2" "$build/dsgd-run" --algo ssgd --model "$1" --data fashion-mnist \
    --batch "$batch" --iters "$(iters_of "$1")" --idle "${3:-sleep}" --json --quiet | field samples_per_s
}
# the best of $repeat runs (MODEL RANKS IDLE_MODE)
best() {
  local b=0 s
  for _ in $(seq "$repeat"); do
    s=$(dsgd "$1" "$2" "$3")
    b=$(awk -v a="$b" -v s="$s" 'BEGIN { print (s > a ? s : a) }')
  done
  echo "$b"
}

case " $tables " in *" torch "*)
  if "$python" -c 'import torch' 2> /dev/null; then
    printf "%-5s %5s %6s %7s %14s %14s %7s\n" model ranks batch iters dsgd_samples/s torch_samples/s ratio
    for model in mlp cnn; do
      iters=$(iters_of $model)
      for n in $ranks; do
        ours=$(dsgd $model "$n")
        theirs=$("$python" bench/torch_ddp.py --model $model --ranks "$n" --batch "$batch" \
                   --iters "$iters" 2> /dev/null | field samples_per_s)
        awk -v m=$model -v n="$n" -v b="$batch" -v i="$iters" -v a="$ours" -v t="$theirs" \
          'BEGIN { printf "%-5s %5d %6d %7d %14.0f %14.0f %6.2fx\n", m, n, b, i, a, t, a / t }'
      done
    done
    echo
  else
    echo "throughput.sh: PyTorch missing (apt-get install python3-torch): no comparison with DDP" >&2
  fi
esac

case " $tables " in *" busy "*)
  echo "best of $repeat; busy = one CPU-bound process beside the ranks ($(getconf _NPROCESSORS_ONLN) cores)"
  printf "%-5s %5s %6s %7s %6s %14s %14s %9s\n" model ranks batch iters idle idle_samples/s busy_samples/s busy/idle
  for model in $busy_models; do
    for n in $busy_ranks; do
      for mode in $idle_modes; do
        idle=$(best "$model" "$n" "$mode")
        bash -c 'while :; do :; done' &
        hog=$!
        busy=$(best "$model" "$n" "$mode")
        kill "$hog"
        wait "$hog" 2> /dev/null || true
        hog=
        awk -v m="$model" -v n="$n" -v b="$batch" -v i="$(iters_of "$model")" -v w="$mode" -v a="$idle" -v s="$busy" \
          'BEGIN { printf "%-5s %5d %6d %7d %6s %14.0f %14.0f %8.2fx\n", m, n, b, i, w, a, s, s / a }'
      done
    done
  done
  echo
esac

case " $tables " in *" gemm "*)
  "$build/bench/gemm_peak" "$batch"
esac
