#!/usr/bin/env bash
# lasgd2022.sh — Locally Asynchronous SGD (Avidor et al. 2022) against
# synchronous SGD and gossip.  Only the abstract is public (see
# algorithms/lasgd.c): LASGD "accelerates" training compared to SGD and the
# state-of-the-art gossip method.  Claim tested (qualitative): lasgd reaches
# 80 % test accuracy in less simulated time than ssgd and than gossip.
#
# Platform: platforms/gen k80 (K80-era GPU hosts on 10 GbE), 16 workers,
# jitter CV 0.1.  The MLP on Fashion-MNIST (real numerics), one run per
# --time-budget; defaults (lasgd --sync-every 8, gossip push every step).
# Output: convergence.csv, accuracy-time.png, claims.txt.  Full: about 3
# minutes; --quick: 2 budgets (about 40 s).
set -euo pipefail
study=lasgd2022
. "$(dirname "$0")/lib.sh"
exp_init "$@"

target=0.80 workers=16
budgets="0.025 0.05 0.1 0.2 0.4"
[ $quick = 1 ] && budgets="0.05 0.2"
"$gen" k80 $workers > "$out/k80-10gbe.xml"
common=(--platform "$out/k80-10gbe.xml" --model mlp --data fashion-mnist --seed 1 --jitter 0.1 --nodes $workers)
conv=$out/convergence.csv
echo "$exp_conv_header" > "$conv"
for algo in lasgd ssgd gossip; do
  exp_log "convergence: $algo, $workers workers, budgets $budgets s"
  exp_budgets "$conv" $algo "$budgets" "${common[@]}" --algo $algo
done
exp_plot_budget "$conv" "$out/accuracy-time.png" \
  "Fashion-MNIST MLP, $workers K80-era hosts on 10 GbE, jitter 0.1: one run per time budget"

pct=$(exp_fmt "$target * 100" %g)
for other in ssgd gossip; do
  r=$(exp_race "$conv" lasgd $other $target)
  exp_claim "lasgd reaches $pct % test accuracy in less simulated time than $other ($workers workers; qualitative)" \
    "${r%|*}" "${r##*|}"
done
exp_done
