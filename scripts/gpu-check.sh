#!/usr/bin/env bash
# gpu-check.sh — the CUDA device's check on a machine with a GPU, in one
# command (issue 15; budget: under 8 minutes on one GPU):
#  1. builds with CUDA into build-gpu (-DDSGD_CUDA=ON -DDSGD_WERROR=ON);
#  2. runs the GPU tests (ctest -L gpu: every kernel against the CPU device,
#     the models' gradient checks, CPU-vs-GPU ssgd), which must pass here,
#     not skip;
#  3. trains the CNN on Fashion-MNIST for 5 epochs on 1 GPU, and on 2 ranks
#     sharing it (--device cuda: GPU = local rank mod GPUs);
#  4. runs the micro-benchmarks on the GPU (dsgd-run --bench all, 2 ranks:
#     the layers on the GPU, the rest on the host) and fits a profile with
#     dsgd-calibrate (OUT/gpu.xml, OUT/gpu.profile);
#  5. prints one JSON line: samples/s and accuracy of both runs, the device
#     and communication path they report, and the fitted per-kind kernel
#     efficiencies (relative to DSGD_GPU_PEAK_FLOPS if set, e.g. 6.7e13 for
#     an H100/H200's fp32, else to the fastest kind).
# Every step has a time limit; the first failure stops the script (exit 1).
# Where there is no GPU it refuses (exit 2) before building anything.
# usage: scripts/gpu-check.sh [--out DIR]   (default out/gpu-check)
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/gpu-check
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --help | -h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! command -v nvidia-smi > /dev/null || ! nvidia-smi -L 2> /dev/null | grep -q '^GPU '; then
  echo "gpu-check.sh: no GPU on this machine (nvidia-smi lists none): nothing to check here" >&2
  exit 2
fi
build=${DSGD_GPU_BUILD:-build-gpu}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
step() { printf '[%4ds] %s\n' "$SECONDS" "$*" >&2; }
die() { echo "gpu-check.sh: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"

step "build with CUDA into $build"
DSGD_BUILD_DIR=$build timeout 240 scripts/build.sh -DDSGD_CUDA=ON -DDSGD_WERROR=ON \
  > "$out/build.txt" 2>&1 || { tail -20 "$out/build.txt" >&2; die "build failed ($out/build.txt)"; }
"$build/tests/test_gpu_kernels" --probe > "$out/probe.txt" 2>&1 ||
  die "the CUDA runtime sees no GPU: $(cat "$out/probe.txt")"
step "$(grep GPU: "$out/probe.txt")"

step "GPU tests (ctest -L gpu)"
(cd "$build" && timeout 240 ctest -L gpu --output-on-failure) > "$out/tests.txt" 2>&1 ||
  { tail -40 "$out/tests.txt" >&2; die "GPU tests failed ($out/tests.txt)"; }
! grep -q 'Skipped' "$out/tests.txt" || die "GPU tests skipped on a GPU machine ($out/tests.txt)"

train=(--algo ssgd --model cnn --data fashion-mnist --epochs 5 --batch 128 --seed 1 --json
       --quiet --device cuda)
for np in 1 2; do
  step "CNN, Fashion-MNIST, 5 epochs, $np rank(s) on the GPU"
  timeout 150 mpirun --oversubscribe -np $np "$build/dsgd-run" "${train[@]}" \
    > "$out/train-$np.json" 2> "$out/train-$np.err" ||
    { cat "$out/train-$np.err" >&2; die "training on $np rank(s) failed"; }
done

step "micro-benchmarks on the GPU (2 ranks) and calibration"
timeout 120 mpirun --oversubscribe -np 2 "$build/dsgd-run" --bench all --bench-reps 5 \
  --bench-max-bytes 16M --data fashion-mnist --device cuda --trace "$out/bench.csv" --json \
  > "$out/bench.json" 2> "$out/bench.err" || { cat "$out/bench.err" >&2; die "--bench failed"; }
peak=()
[ -n "${DSGD_GPU_PEAK_FLOPS:-}" ] && peak=(--peak-flops "$DSGD_GPU_PEAK_FLOPS")
timeout 60 "$build/dsgd-calibrate" "$out/bench.csv" -o "$out/gpu" "${peak[@]}" --json \
  > "$out/calibrate.json" 2> "$out/calibrate.err" ||
  { cat "$out/calibrate.err" >&2; die "dsgd-calibrate failed"; }

# field FILE KEY: a number or string of a one-line JSON file
field() { sed -n "s/.*\"$2\": *\"\{0,1\}\([^,}\"]*\).*/\1/p" "$1" | head -1; }
run_json() {
  printf '{"samples_per_s": %s, "test_accuracy": %s, "final_loss": %s, "time_s": %s, ' \
    "$(field "$1" samples_per_s)" "$(field "$1" test_accuracy)" "$(field "$1" final_loss)" \
    "$(field "$1" time_s)"
  printf '"device": "%s", "comm_path": "%s"}' "$(field "$1" device)" "$(field "$1" comm_path)"
}
# efficiency per kind: fitted rate / peak_flops, from the calibration line
efficiencies() {
  local peak
  peak=$(field "$1" peak_flops)
  grep -o '"[a-z_]*":{"rate":[0-9.e+-]*' "$1" |
    awk -F'"' -v peak="$peak" '$2 != "memory" && $2 != "io" { split($0, r, ":"); rate = r[3];
      printf "%s\"%s\": %.4f", (n++ ? ", " : ""), $2, rate / peak }'
}
gpu=$(sed -n 's/^GPU: //p' "$out/probe.txt")
printf '{"gpu": "%s", "wall_s": %d, "tests": "passed", "cnn_1_rank": %s, "cnn_2_ranks": %s, ' \
  "$gpu" "$SECONDS" "$(run_json "$out/train-1.json")" "$(run_json "$out/train-2.json")"
printf '"kernel_efficiency": {%s}, "peak_flops": %s, "calibration": %s}\n' \
  "$(efficiencies "$out/calibrate.json")" "$(field "$out/calibrate.json" peak_flops)" \
  "$(cat "$out/calibrate.json")"
step "done: $out (summary above; profile $out/gpu.profile)"
