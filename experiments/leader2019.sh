#!/usr/bin/env bash
# leader2019.sh — Leader SGD (Teng, Gao, Chalus, Choromanska, Goldfarb,
# Weller 2019) against EASGD: the paper plots test error against wall-clock
# time and finds Leader SGD lower than EASGD at equal time (CIFAR-10 and
# ImageNet on multi-GPU nodes; its figures are not in the repository, so the
# claim is qualitative): leader's test accuracy exceeds easgd's at equal
# simulated time.
#
# Platform: platforms/gen dgx (8 V100-class GPUs per machine), 2 machines,
# 16 workers; leader groups by machine (the platform's), easgd's centre on
# the machines' CPU hosts (--servers 2).  Both with their defaults (leader:
# the authors' --l-comm 64 --g-comm 128 --c1 --c2 0.1; easgd: --tau 1
# --alpha 0.1), not tuned.  The MLP on Fashion-MNIST (real numerics), one
# run per --time-budget; jitter CV 0.1.
# Output: convergence.csv, accuracy-time.png, claims.txt.  Full: about 3
# minutes; --quick: 2 budgets (about 40 s).
set -euo pipefail
study=leader2019
. "$(dirname "$0")/lib.sh"
exp_init "$@"

budgets="0.02 0.05 0.1 0.2"
[ $quick = 1 ] && budgets="0.02 0.1"
"$gen" dgx 2 > "$out/dgx.xml"
common=(--platform "$out/dgx.xml" --model mlp --data fashion-mnist --seed 1 --jitter 0.1)
conv=$out/convergence.csv
echo "$exp_conv_header" > "$conv"
exp_log "convergence: leader, 16 workers, budgets $budgets s"
exp_budgets "$conv" leader "$budgets" "${common[@]}" --algo leader --nodes 16
exp_log "convergence: easgd, 16 workers + 2 servers, budgets $budgets s"
exp_budgets "$conv" easgd "$budgets" "${common[@]}" --algo easgd --nodes 18 --servers 2
exp_plot_budget "$conv" "$out/accuracy-time.png" \
  "Fashion-MNIST MLP, 16 workers on 2 DGX-like machines, jitter 0.1: one run per time budget"

wins=0 n=0 figs=""
for b in $budgets; do
  al=$(exp_acc_at "$conv" leader $b) ae=$(exp_acc_at "$conv" easgd $b)
  n=$((n + 1))
  exp_lt "$ae" "$al" && wins=$((wins + 1))
  figs+="${figs:+; }$b s: $(exp_fmt "$al * 100" %.1f) vs $(exp_fmt "$ae * 100" %.1f)"
done
exp_claim "leader's test accuracy exceeds easgd's at equal simulated time (every budget; qualitative)" \
  "leader vs easgd accuracy (%) at $figs" "$([ $wins = $n ] && echo 1 || { [ $wins = 0 ] && echo 0 || echo x; })"
exp_done
