#!/usr/bin/env bash
# throughput.sh — samples/s of synchronous data-parallel SGD on
# Fashion-MNIST: dsgd-run (MPI, OpenBLAS) side by side with PyTorch DDP
# (Debian's python3-torch, gloo backend) on the same model, per-rank batch,
# learning rate, momentum, data, shuffling and one thread per rank; then the
# GEMM rates of the layers against OpenBLAS's sgemm peak (gemm_peak).
#
# usage: bench/throughput.sh [BUILD_DIR]   (default build; needs
#        `apt-get install python3-torch`, which the test suite does not)
# Env: BATCH (32), MLP_ITERS (3000), CNN_ITERS (200), RANKS ("1 2").
# Timings on a shared machine are noisy: run it on an idle one, and read
# the ratio rather than the absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
batch=${BATCH:-32}
ranks=${RANKS:-1 2}
python=/usr/bin/python3 # Debian's, which sees python3-torch
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p"; }
"$python" -c 'import torch' 2> /dev/null ||
  { echo "throughput.sh: PyTorch missing (apt-get install python3-torch)" >&2; exit 2; }

printf "%-5s %5s %6s %7s %14s %14s %7s\n" model ranks batch iters dsgd_samples/s torch_samples/s ratio
for model in mlp cnn; do
  iters=${MLP_ITERS:-3000}
  [ $model = cnn ] && iters=${CNN_ITERS:-200}
  for n in $ranks; do
    ours=$(mpirun --oversubscribe -np "$n" "$build/dsgd-run" --algo ssgd --model $model \
             --data fashion-mnist --batch "$batch" --iters "$iters" --json --quiet | field samples_per_s)
    theirs=$("$python" bench/torch_ddp.py --model $model --ranks "$n" --batch "$batch" \
               --iters "$iters" 2> /dev/null | field samples_per_s)
    awk -v m=$model -v n="$n" -v b="$batch" -v i="$iters" -v a="$ours" -v t="$theirs" \
      'BEGIN { printf "%-5s %5d %6d %7d %14.0f %14.0f %6.2fx\n", m, n, b, i, a, t, a / t }'
  done
done
echo
"$build/bench/gemm_peak" "$batch"
