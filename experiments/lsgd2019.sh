#!/usr/bin/env bash
# lsgd2019.sh — Layered SGD (Yu, Flynn, Yoo, D'Imperio 2019): per machine
# a CPU communicator reduces its GPUs' gradients, allreduces with the other
# communicators and broadcasts, while the GPUs load their next batch; the
# inter-machine communication hides behind I/O.  The repository holds no
# figure of the paper, so the claims are qualitative: lsgd's iteration is
# shorter than ssgd's on multi-GPU machines, and most of the communicators'
# allreduce overlaps the workers' I/O.
#
# Platforms: platforms/gen dgx (8 V100-class GPUs on NVLink-class links,
# the CPU on PCIe, 4 x EDR) and summit (6 GPUs on NVLink, one EDR NIC), 4
# machines each.  Model: the ResNet-50 descriptor (phantom payloads),
# batch 32 per GPU, data loading at the cost profile's 1 GB/s; 10
# iterations.  ssgd runs on the GPUs only; lsgd on the GPUs plus each
# machine's CPU host as its communicator (--node-size GPUs+1).  Each run is
# repeated without I/O (io_bw_Bps = 1e15) to measure the I/O on each
# iteration's critical path.
# Hidden share: the part of the communicators' allreduce time during which
# a worker of their machine is loading a batch, averaged over the workers
# (from the trace); and how much I/O adds to an iteration of each.
# Output: lsgd.csv, iteration-time.png, timeline.png (one lsgd iteration on
# dgx), claims.txt.  Full: about half a minute; --quick: 2 machines, 4
# iterations.
set -euo pipefail
study=lsgd2019
. "$(dirname "$0")/lib.sh"
exp_init "$@"

machines=4 iters=10
[ $quick = 1 ] && machines=2 iters=4
printf 'io_bw_Bps = 1e15\n' > "$out/no-io.cost"
csv=$out/lsgd.csv
echo "platform,algo,io,workers,iter_time_s,samples_per_s,allreduce_s,hidden_s,hidden_share" > "$csv"

# Seconds of the communicators' allreduces, and of their overlap with the
# I/O of their machine's workers, averaged over the workers (ranks
# first..first+K-2 are a machine's workers, first+K-1 its communicator).
overlap() { # TRACE K
  awk -F, -v k="$2" '
    NR == 1 { next }
    $2 == "collective" && $3 == "allreduce" && ($1 + 1) % k == 0 && $9 >= 0 {
      n++; r[n] = $1; a0[n] = $4; a1[n] = $5 }
    $2 == "io" && ($1 + 1) % k != 0 { m[$1]++; i0[$1, m[$1]] = $4; i1[$1, m[$1]] = $5 }
    END {
      for (j = 1; j <= n; j++) {
        tot += a1[j] - a0[j]
        for (w = r[j] - k + 1; w < r[j]; w++)
          for (q = 1; q <= m[w]; q++) {
            lo = a0[j] > i0[w, q] ? a0[j] : i0[w, q]; hi = a1[j] < i1[w, q] ? a1[j] : i1[w, q]
            if (hi > lo) hid += (hi - lo) / (k - 1)
          }
      }
      printf "%.6g %.6g\n", tot, hid
    }' "$1"
}

for flavour in dgx summit; do
  gpus=8
  [ $flavour = summit ] && gpus=6
  "$gen" $flavour $machines > "$out/$flavour.xml"
  base=(--platform "$out/$flavour.xml" --model resnet50 --payload phantom --iters $iters)
  for io in on off; do
    cost=()
    [ $io = off ] && cost=(--cost-profile "$out/no-io.cost")
    j=$(exp_sim "${base[@]}" "${cost[@]}" --algo ssgd --nodes $((gpus * machines)))
    echo "$flavour,ssgd,$io,$(exp_json "$j" workers),$(exp_json "$j" iter_time_s),$(exp_json "$j" samples_per_s),,," >> "$csv"
    trace=$out/lsgd-$flavour-io-$io.csv
    j=$(exp_sim "${base[@]}" "${cost[@]}" --algo lsgd --nodes $(((gpus + 1) * machines)) \
      --node-size $((gpus + 1)) --trace "$trace")
    read -r tot hid <<< "$(overlap "$trace" $((gpus + 1)))"
    echo "$flavour,lsgd,$io,$(exp_json "$j" workers),$(exp_json "$j" iter_time_s),$(exp_json "$j" samples_per_s),$tot,$hid,$(exp_fmt "$hid / $tot" %.4f)" >> "$csv"
    exp_log "$flavour, I/O $io: ssgd and lsgd, $machines machines"
  done
done
rm -f "$out"/lsgd-summit-io-*.csv "$out"/lsgd-dgx-io-off.csv

# Iteration time per platform, algorithm and I/O: a bar chart.
awk -F, 'NR > 1 { printf "\"%s %s, I/O %s\" %s\n", $1, $2, $3, $5 * 1000 }' "$csv" > "$out/bars.dat"
gnuplot -e "input='$out/bars.dat'; output='$out/iteration-time.tmp.png'; plotdir='$exp_root/plots'" \
  -e "title='ResNet-50 (phantom), $machines machines: time per iteration'; ylabel='ms per iteration'" \
  "$exp_root/plots/bars.gp" || exp_die "gnuplot failed on $out/bars.dat"
mv "$out/iteration-time.tmp.png" "$out/iteration-time.png"
rm -f "$out/bars.dat"
t1=$(awk -F, '$1 == 0 && $3 == "load_batch" && $9 == 2 { print $4; exit }' "$out/lsgd-dgx-io-on.csv")
t2=$(awk -F, '$1 == 0 && $3 == "load_batch" && $9 == 3 { print $4; exit }' "$out/lsgd-dgx-io-on.csv")
"$plot" timeline "$out/lsgd-dgx-io-on.csv" --window "$t1:$t2" -o "$out/timeline.png" \
  --title "lsgd on dgx: one iteration (ranks 8, 17, ...: the CPU communicators)" > /dev/null
exp_log "figures: $out/iteration-time.png $out/timeline.png"

# ---- claims ---------------------------------------------------------------
get() { awk -F, -v p="$1" -v a="$2" -v io="$3" -v c="$4" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $1 == p && $2 == a && $3 == io { print $(col[c]) }' "$csv"; }
for flavour in dgx summit; do
  ts=$(get $flavour ssgd on iter_time_s) tl=$(get $flavour lsgd on iter_time_s)
  exp_claim "lsgd's iteration is shorter than ssgd's on $machines $flavour machines (ResNet-50; qualitative)" \
    "lsgd $(exp_fmt "$tl * 1000" %.1f) ms, ssgd $(exp_fmt "$ts * 1000" %.1f) ms" "$(exp_lt "$tl" "$ts" && echo 1 || echo 0)"
  share=$(get $flavour lsgd on hidden_share)
  dio_s=$(exp_fmt "($ts - $(get $flavour ssgd off iter_time_s)) * 1000" %.1f)
  dio_l=$(exp_fmt "($tl - $(get $flavour lsgd off iter_time_s)) * 1000" %.1f)
  exp_claim "most of the communicators' allreduce hides behind the workers' I/O on $flavour (qualitative)" \
    "$(exp_fmt "$share * 100" %.0f) % hidden; I/O adds $dio_l ms to an lsgd iteration, $dio_s ms to ssgd's" \
    "$(exp_lt 0.5 "$share" && echo 1 || echo 0)"
done
exp_done
