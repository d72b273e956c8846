#!/usr/bin/env bash
# gpu_ssgd.sh — ssgd with the same seed on the CPU and on the GPU ends at
# the same parameters: after 50 iterations of the CNN (2 ranks, synthetic
# data, the GPU shared by both ranks on a one-GPU machine), params_norm
# differs by at most 1e-3 and the loss fell on both; the GPU run's JSON says
# which device and communication path ran.  Skipped (exit 77) where there is
# no GPU or no CUDA build (the probe says which).
#
# usage: gpu_ssgd.sh PROBE DSGD_RUN MPIEXEC OUTDIR
set -euo pipefail
probe=$1 run=$2 mpiexec=$3 out=$4
"$probe" --probe || exit $?
mkdir -p "$out"

common=(--algo ssgd --model cnn --data synthetic --iters 50 --seed 3 --json --quiet)
"$mpiexec" --oversubscribe -np 2 "$run" "${common[@]}" --device cpu > "$out/cpu.json"
"$mpiexec" --oversubscribe -np 2 "$run" "${common[@]}" --device cuda > "$out/gpu.json"
cat "$out/cpu.json" "$out/gpu.json"

field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,}\"]*\).*/\1/p" "$1"; }
fail=0
a=$(field "$out/cpu.json" params_norm) b=$(field "$out/gpu.json" params_norm)
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= 1e-3) }' ||
  { echo "FAIL: params_norm cpu=$a gpu=$b differ by more than 1e-3"; fail=1; }
for f in cpu gpu; do
  first=$(field "$out/$f.json" first_loss) final=$(field "$out/$f.json" final_loss)
  awk -v a="$final" -v b="$first" 'BEGIN { exit !(a + 0 < b + 0) }' ||
    { echo "FAIL: $f: loss did not fall ($first -> $final)"; fail=1; }
done
[ "$(field "$out/gpu.json" device)" = cuda:0 ] ||
  { echo "FAIL: the GPU run's JSON says device '$(field "$out/gpu.json" device)'"; fail=1; }
[ "$(field "$out/gpu.json" comm_path)" = host-staged ] ||
  { echo "FAIL: the GPU run's JSON says comm_path '$(field "$out/gpu.json" comm_path)'"; fail=1; }
[ $fail = 0 ] && echo "ok: params_norm cpu $a, gpu $b"
exit $fail
