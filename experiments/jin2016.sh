#!/usr/bin/env bash
# jin2016.sh — Jin, Yuan, Iandola, Keutzer (2016), "How to scale distributed
# deep learning?": asynchronous SGD (elastic averaging and gossip in the
# paper; here also Downpour asgd) converges faster than synchronous SGD at
# few nodes (up to about 32), synchronous SGD scales better to more nodes
# (about 100).  The abstract gives these only qualitatively; the paper's
# figures (ResNet on ImageNet) are not reproduced number for number.
#
# Platform: platforms/gen k80 (one K80-era GPU per host, 10 GbE; the
# scaling sweep also on 56 Gb/s FDR InfiniBand), compute jitter CV 0.1
# (--jitter 0.1, normal) on every run for straggler variability.
#  1. Convergence: the MLP on Fashion-MNIST (real numerics, simulated
#     time), one run per --time-budget; ssgd, ssgd-ps, asgd, easgd, gossip
#     with 8 workers, ssgd, asgd, easgd, gossip with 64 (80 nodes with the
#     servers: "about 100"); parameter-server variants get one server per 4
#     workers (fixed before any run), so they use more hosts than the
#     workers.  (128 workers: an asynchronous run costs 87 s of wall time
#     per 0.05 s simulated, 14x the 64-worker one, since servers take every
#     worker's push side by side: too slow for a 10-minute study.)  Claims compare the simulated time
#     to 80 % test accuracy (the first budget whose run reaches it).
#  2. Scaling: throughput of the ResNet-18 descriptor (phantom payloads,
#     the zoo's closest to the paper's ResNet), 10 iterations, 8 to 128
#     workers; speedup against ssgd on one worker, efficiency = speedup /
#     workers.
# Output: convergence.csv, scaling.csv, accuracy-time.png, scaling.png,
# claims.txt.  Full: about 6 minutes on a 2-core machine; --quick: 8
# workers only, fewer budgets and points (about a minute).
set -euo pipefail
study=jin2016
. "$(dirname "$0")/lib.sh"
exp_init "$@"

target=0.80
jitter=(--jitter 0.1)
if [ $quick = 1 ]; then
  small_budgets="0.05 0.2" big_workers=32 big_budgets="0.1" points="8 32"
  big_algos="ssgd asgd"
else
  small_budgets="0.025 0.05 0.1 0.2 0.4" big_workers=64 big_budgets="0.05 0.1 0.2 0.4"
  points="8 16 32 64 128" big_algos="ssgd asgd easgd gossip"
fi
largest=${points##* }
[ "$largest" -gt "$big_workers" ] || largest=$big_workers
"$gen" k80 $((largest * 5 / 4)) > "$out/k80-10gbe.xml"
"$gen" k80 $((largest * 5 / 4)) --fdr > "$out/k80-fdr.xml"

# The flags that place W workers of ALGO (servers: one per 4 workers).
placement() { # ALGO W
  case $1 in
    ssgd-ps | asgd | easgd)
      local s=$(($2 / 4))
      [ $s -ge 1 ] || s=1
      echo "--nodes $(($2 + s)) --servers $s" ;;
    *) echo "--nodes $2" ;;
  esac
}

conv=$out/convergence.csv
echo "$exp_conv_header" > "$conv"
common=(--platform "$out/k80-10gbe.xml" --model mlp --data fashion-mnist --seed 1 "${jitter[@]}")
run_series() { # ALGO W BUDGETS
  exp_log "convergence: $1, $2 workers, budgets $3 s"
  # shellcheck disable=SC2046 # placement's words are flags
  exp_budgets "$conv" "$1 $2w" "$3" "${common[@]}" --algo "$1" $(placement "$1" "$2")
}
for algo in ssgd ssgd-ps asgd easgd gossip; do run_series $algo 8 "$small_budgets"; done
for algo in $big_algos; do run_series $algo $big_workers "$big_budgets"; done

scal=$out/scaling.csv
echo "algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency,fabric" > "$scal"
for fabric in 10gbe fdr; do
  plat=(--platform "$out/k80-$fabric.xml" --model resnet18 --payload phantom --iters 10 "${jitter[@]}")
  base=$(exp_json "$(exp_sim "${plat[@]}" --algo ssgd --nodes 1)" samples_per_s)
  for algo in ssgd ssgd-ps asgd easgd gossip; do
    [ $fabric = fdr ] && [[ $algo != ssgd && $algo != asgd ]] && continue
    for w in $points; do
      # shellcheck disable=SC2046
      j=$(exp_sim "${plat[@]}" --algo $algo $(placement $algo $w))
      sps=$(exp_json "$j" samples_per_s)
      awk -v a="$algo ($fabric)" -v w=$w -v t="$(exp_json "$j" iter_time_s)" -v s="$sps" -v b="$base" -v f=$fabric \
        'BEGIN { printf "%s,resnet18,%d,%.6g,%.6g,%.4g,%.4g,%s\n", a, w, t, s, s / b, s / b / w, f }' >> "$scal"
    done
    exp_log "scaling: $algo on $fabric, workers $points"
  done
done

exp_plot_budget "$conv" "$out/accuracy-time.png" \
  "Fashion-MNIST MLP on K80-era hosts, 10 GbE, jitter 0.1: one run per time budget"
"$plot" scaling "$scal" -o "$out/scaling.png" \
  --title "ResNet-18 (phantom), K80-era hosts, 10 GbE and FDR: x = workers, speedup vs ssgd on 1 worker"
exp_log "figure: $out/scaling.png"

# ---- claims ---------------------------------------------------------------
pct=$(exp_fmt "$target * 100" %g)
faster() { exp_race "$conv" "$1 $3w" "$2 $3w" $target; } # A B W: A reaches the target first
for algo in asgd easgd gossip; do
  r=$(faster $algo ssgd 8)
  exp_claim "$algo reaches $pct % test accuracy in less simulated time than ssgd at 8 workers (asynchronous converges faster at <= 32 nodes; qualitative)" "${r%|*}" "${r##*|}"
done
r=$(faster asgd ssgd-ps 8)
exp_claim "asgd reaches $pct % before ssgd-ps (same servers) at 8 workers" "${r%|*}" "${r##*|}"
for algo in $big_algos; do
  [ $algo = ssgd ] && continue
  r=$(faster ssgd $algo $big_workers)
  exp_claim "ssgd reaches $pct % before $algo at $big_workers workers (synchronous scales better at ~100 nodes; qualitative)" "${r%|*}" "${r##*|}"
done
eff() { awk -F, -v a="$1" -v w="$2" '$1 == a && $3 == w { print $7 }' "$scal"; }
last=${points##* }
for fabric in 10gbe fdr; do
  es=$(eff "ssgd ($fabric)" $last) ea=$(eff "asgd ($fabric)" $last)
  exp_claim "ssgd's parallel efficiency (throughput) at $last workers exceeds asgd's on $fabric (synchronous scales better)" \
    "ssgd $(exp_fmt "$es * 100" %.0f) %, asgd $(exp_fmt "$ea * 100" %.0f) % (ResNet-18)" \
    "$(exp_lt "$ea" "$es" && echo 1 || echo 0)"
done
exp_done
