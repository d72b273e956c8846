#!/usr/bin/env bash
# odsgd2020.sh — OD-SGD (Xu, Dong, Xu, Liao 2020), one-step-delay SGD: the
# abstract says it reaches "similar or even slightly better accuracy than
# SSGD, while its training speed is much faster, which even exceeds the
# training speed of ASGD" (MNIST, CIFAR-10, ImageNet; the speed-ups of the
# paper's figures are not in the repository, so the claims here are those
# three qualitative statements).
#
# Platform: platforms/gen k80 (K80-era GPU hosts on 10 GbE; the paper's
# cluster is not described in the repository).  SSGD is ssgd-ps, ASGD is
# asgd; all three use one server per 4 workers (fixed before any run).
#  1. Speed: the ResNet-50 descriptor (phantom payloads, ImageNet-sized),
#     8 workers, 10 iterations, odsgd without warm-up (--warmup-steps 0),
#     on 10 GbE and 56 Gb/s FDR: samples/s.
#  2. Accuracy: the MLP on Fashion-MNIST (real numerics), 8 workers, the
#     same number of iterations for each (odsgd with its default 200
#     warm-up steps): test accuracy and simulated time; and one run per
#     --time-budget for the figure (accuracy against simulated time).
# "Similar accuracy": within 1 percentage point (fixed before any run).
# Output: speed.csv, accuracy.csv, convergence.csv, accuracy-time.png,
# claims.txt.  Full: about 2 minutes; --quick: about 30 s.
set -euo pipefail
study=odsgd2020
. "$(dirname "$0")/lib.sh"
exp_init "$@"

workers=8 servers=2
nodes=$((workers + servers))
if [ $quick = 1 ]; then
  iters=300 budgets="0.1 0.3"
else
  iters=1000 budgets="0.05 0.1 0.2 0.4 0.8"
fi
"$gen" k80 $nodes > "$out/k80-10gbe.xml"
"$gen" k80 $nodes --fdr > "$out/k80-fdr.xml"
place=(--nodes $nodes --servers $servers)

speed=$out/speed.csv
echo "algo,fabric,workers,iter_time_s,samples_per_s" > "$speed"
for fabric in 10gbe fdr; do
  for algo in ssgd-ps asgd odsgd; do
    extra=()
    [ $algo = odsgd ] && extra=(--warmup-steps 0)
    j=$(exp_sim --platform "$out/k80-$fabric.xml" --model resnet50 --payload phantom --iters 10 \
      --algo $algo "${place[@]}" "${extra[@]}")
    echo "$algo,$fabric,$workers,$(exp_json "$j" iter_time_s),$(exp_json "$j" samples_per_s)" >> "$speed"
  done
  exp_log "speed (ResNet-50) on $fabric: ssgd-ps asgd odsgd"
done

common=(--platform "$out/k80-10gbe.xml" --model mlp --data fashion-mnist --seed 1 "${place[@]}")
acc=$out/accuracy.csv
echo "$exp_conv_header" > "$acc"
for algo in ssgd-ps asgd odsgd; do
  j=$(exp_sim "${common[@]}" --algo $algo --iters $iters)
  exp_conv_row "$algo" 0 "$j" >> "$acc"
  exp_log "accuracy: $algo, $iters iterations: $(exp_json "$j" test_accuracy) in $(exp_json "$j" time_s) s"
done
conv=$out/convergence.csv
echo "$exp_conv_header" > "$conv"
for algo in ssgd-ps asgd odsgd; do
  exp_log "convergence: $algo, budgets $budgets s"
  exp_budgets "$conv" "$algo" "$budgets" "${common[@]}" --algo $algo
done
exp_plot_budget "$conv" "$out/accuracy-time.png" \
  "Fashion-MNIST MLP, 8 workers + 2 servers, K80-era hosts on 10 GbE: one run per time budget"

# ---- claims ---------------------------------------------------------------
sps() { awk -F, -v a="$1" -v f="$2" '$1 == a && $2 == f { print $5 }' "$speed"; }
for fabric in 10gbe fdr; do
  o=$(sps odsgd $fabric) s=$(sps ssgd-ps $fabric) a=$(sps asgd $fabric)
  exp_claim "odsgd trains faster than SSGD (ssgd-ps) on $fabric (samples/s, ResNet-50, $workers workers)" \
    "$(exp_fmt "$o / $s" %.2f)x ($(exp_fmt "$o" %.0f) against $(exp_fmt "$s" %.0f) samples/s)" "$(exp_lt "$s" "$o" && echo 1 || echo 0)"
  exp_claim "odsgd trains faster than ASGD (asgd) on $fabric (samples/s, ResNet-50, $workers workers)" \
    "$(exp_fmt "$o / $a" %.2f)x ($(exp_fmt "$o" %.0f) against $(exp_fmt "$a" %.0f) samples/s)" "$(exp_lt "$a" "$o" && echo 1 || echo 0)"
done
ao=$(exp_col "$acc" test_accuracy series odsgd) as=$(exp_col "$acc" test_accuracy series ssgd-ps)
aa=$(exp_col "$acc" test_accuracy series asgd)
to=$(exp_col "$acc" time_s series odsgd) ts=$(exp_col "$acc" time_s series ssgd-ps)
exp_claim "odsgd's accuracy is similar to (within 1 point of) or better than SSGD's after the same $iters iterations (MLP)" \
  "odsgd $(exp_fmt "$ao * 100" %.2f) %, ssgd-ps $(exp_fmt "$as * 100" %.2f) %, asgd $(exp_fmt "$aa * 100" %.2f) %" \
  "$(exp_lt "$as - 0.01" "$ao" && echo 1 || echo 0)"
exp_claim "odsgd takes less simulated time than SSGD for those $iters iterations (MLP, 10 GbE)" \
  "odsgd $(exp_fmt "$to" %.3f) s, ssgd-ps $(exp_fmt "$ts" %.3f) s" "$(exp_lt "$to" "$ts" && echo 1 || echo 0)"
exp_done
