#!/usr/bin/env bash
# mechanisms.sh — each family's timing mechanism, checked in simulated time
# against what the cost model predicts, not against a recorded number.
#  1. lsgd hides the loading of the next batch behind its communicators'
#     scale + allreduce.  Adding a per-batch I/O charge d (a cost profile
#     with a slow io_bw_Bps; d read from the trace) lengthens every ssgd
#     iteration by d, but an lsgd run only by d once (the first batch has
#     nothing to hide behind): iterations x d is hidden, as long as d is
#     shorter than the communicators' window (checked from the trace).
#  2. asgd: in step with each other, every push sees the W-1 other workers'
#     updates (max staleness W-1).  A worker made r times slower (period
#     ratio r read from the trace) sees about (W-1) r updates per step, so
#     the max rises to within W-1 of that.  The mean does not rise: every
#     update is counted once in the staleness of each push in flight, so in
#     a steady state the mean is W-1 whatever the speeds (Little's law);
#     the slow worker's tail, alone after the others stopped, lowers it.
#  3. odsgd after warm-up trains while its pull is in flight.  Per
#     iteration ssgd-ps waits for the W pushes queued on the server's link
#     (W B / bw), the server's update and the W pulls (W B / bw); odsgd's
#     workers drift apart so each push finds the link free (B / bw), and
#     the update and pull are hidden, at the price of a local update.
#     Expected gap = u + (2W - 1) B / bw - l (u, l: the memory charges
#     read from the trace; B the gradient bytes; bw 1.25 GB/s, small.xml).
#  4. ssgd --bucket-mb 25 on ResNet-50: each bucket's allreduce runs
#     while the backward pass of the earlier layers goes on; only the last
#     bucket (the first layers, produced last) is left after it.  The ring
#     allreduce of B bytes over N ranks takes 2 (N-1)/N B / bw + latency,
#     so the iteration shrinks by 2 (N-1)/N (B_total - B_last) / bw.
# Each difference is asserted to 1 %: simulated time is deterministic, so
# what remains is latency (20 us a message, < 0.1 % of the differences).
# usage: mechanisms.sh DSGD_SIM PLATFORM OUTDIR
set -euo pipefail
sim=$1 platform=$2 out=$3
mkdir -p "$out"
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<< "$1"; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { exit !((a - b) ^ 2 <= (0.01 * b) ^ 2) }'; }
fail=0

# 1. lsgd hides the I/O (VGG-16: a large gradient makes the window long).
printf 'io_bw_Bps = 1.5e7\n' > "$out/io.cost"
printf 'io_bw_Bps = 1e15\n' > "$out/noio.cost"
iters=5
args=(--platform "$platform" --nodes 8 --node-size 4 --model vgg16 --payload phantom --batch 8
      --iters $iters --quiet --json)
for a in ssgd lsgd; do
  for c in io noio; do
    t=$(field "$("$sim" "${args[@]}" --algo $a --cost-profile "$out/$c.cost" --trace "$out/$a-$c.csv")" time_s)
    eval "${a}_$c=$t"
  done
done
d=$(awk -F, '$3 == "load_batch" { s += $5 - $4; n++ } END { printf "%.12g", s / n }' "$out/ssgd-io.csv")
# the communicator's window: its scale + allreduce of one iteration
window=$(awk -F, '$1 == 3 && $9 == 1 && ($3 == "scale" || $3 == "allreduce") { s += $5 - $4 }
                  END { printf "%.12g", s }' "$out/lsgd-io.csv")
dssgd=$(awk -v a="$ssgd_io" -v b="$ssgd_noio" 'BEGIN { printf "%.9g", a - b }')
dlsgd=$(awk -v a="$lsgd_io" -v b="$lsgd_noio" 'BEGIN { printf "%.9g", a - b }')
echo "lsgd: I/O $d s per batch, communicators' window $window s;" \
     "$iters iterations: ssgd +$dssgd s (expected $iters x I/O), lsgd +$dlsgd s (expected 1 x I/O)"
awk -v d="$d" -v w="$window" 'BEGIN { exit !(d < w) }' ||
  { echo "FAIL: the I/O is not shorter than the window it should hide behind"; fail=1; }
near "$dssgd" "$(awk -v d="$d" -v n=$iters 'BEGIN { print n * d }')" ||
  { echo "FAIL: ssgd does not pay the I/O every iteration"; fail=1; }
near "$dlsgd" "$d" || { echo "FAIL: lsgd does not hide the I/O after the first batch"; fail=1; }

# 2. asgd staleness with a slow worker (compute-bound MLP steps).
args=(--platform "$platform" --nodes 5 --algo asgd --hidden 32 --batch 512 --lr 0.01 --iters 40
      --quiet --json)
normal=$("$sim" "${args[@]}")
slow=$("$sim" "${args[@]}" --slow 0:8 --trace "$out/asgd-slow.csv")
W=4
ratio=$(awk -F, '$3 == "fwdbwd" { if (!($1 in f)) f[$1] = $4; l[$1] = $4; n[$1]++ }
                 END { printf "%.6g", ((l[0] - f[0]) / (n[0] - 1)) / ((l[1] - f[1]) / (n[1] - 1)) }' \
        "$out/asgd-slow.csv")
m0=$(field "$normal" staleness_mean) x0=$(field "$normal" staleness_max)
m1=$(field "$slow" staleness_mean) x1=$(field "$slow" staleness_max)
echo "asgd, $W workers: staleness mean $m0 max $x0; worker 0 slowed (period x$ratio): mean $m1 max $x1"
[ "$x0" = $((W - 1)) ] || { echo "FAIL: in step, max staleness $x0 is not W-1 = $((W - 1))"; fail=1; }
awk -v x="$x1" -v r="$ratio" -v k=$((W - 1)) 'BEGIN { exit !(r > 2 && (x - k * r) ^ 2 <= k * k) }' ||
  { echo "FAIL: slowed max staleness $x1 is not (W-1) x $ratio within W-1"; fail=1; }
awk -v m="$m0" -v n="$m1" -v k=$((W - 1)) 'BEGIN { exit !(m <= k && n <= k) }' ||
  { echo "FAIL: mean staleness above W-1"; fail=1; }

# 3. odsgd hides the pull (ResNet-18 gradient: 46.8 MB).
args=(--platform "$platform" --nodes 5 --model resnet18 --payload phantom --batch 8 --iters 8
      --quiet --json)
"$sim" "${args[@]}" --algo ssgd-ps --trace "$out/ssgd-ps.csv" > /dev/null
"$sim" "${args[@]}" --algo odsgd --warmup-steps 2 --trace "$out/odsgd.csv" > /dev/null
# steady-state period: between rank 0's last two loads
period() { awk -F, '$1 == 0 && $3 == "load_batch" { p = t; t = $4 } END { printf "%.12g", t - p }' "$1"; }
mean_of() { awk -F, -v n="$2" '$3 == n { s += $5 - $4; k++ } END { printf "%.12g", s / k }' "$1"; }
p_ps=$(period "$out/ssgd-ps.csv") p_od=$(period "$out/odsgd.csv")
u=$(mean_of "$out/ssgd-ps.csv" server_update) l=$(mean_of "$out/odsgd.csv" local_update)
a=$(mean_of "$out/odsgd.csv" adopt_global) # keep x^_t, take w_t: two copies
B=$(awk -F, '$1 == 0 && $2 == "send" { print $6; exit }' "$out/odsgd.csv")
gap=$(awk -v a="$p_ps" -v b="$p_od" 'BEGIN { printf "%.9g", a - b }')
# The W pushes share the server's link side by side in both variants (W B
# at bw), so they cancel out; odsgd hides the update and the W pulls, and
# pays its local update and the copies that adopt the pulled weights.
want=$(awk -v u="$u" -v l="$l" -v a="$a" -v B="$B" -v W=$W \
       'BEGIN { printf "%.9g", u + W * B / 1.25e9 - l - a }')
echo "odsgd: period $p_od s vs ssgd-ps $p_ps s: gap $gap s; expected $want s" \
     "(update $u + pull $W x $B B at 1.25 GB/s - local update $l - adopting the pull $a)"
near "$gap" "$want" || { echo "FAIL: odsgd does not hide the pull"; fail=1; }
# During its warm-up odsgd is ssgd-ps: the same period.
"$sim" "${args[@]}" --algo odsgd --warmup-steps 100 --trace "$out/odsgd-warm.csv" > /dev/null
p_warm=$(period "$out/odsgd-warm.csv")
echo "odsgd in warm-up: period $p_warm s vs ssgd-ps $p_ps s"
awk -v a="$p_warm" -v b="$p_ps" 'BEGIN { exit !((a - b) ^ 2 <= (1e-6 * b) ^ 2) }' ||
  { echo "FAIL: odsgd's warm-up is not ssgd-ps (to 1e-6: same messages, no extra copy)"; fail=1; }

# 4. ssgd buckets overlap the backward pass (ResNet-50, 8 ranks).
args=(--platform "$platform" --nodes 8 --algo ssgd --model resnet50 --payload phantom --batch 16
      --iters 3 --quiet --json)
"$sim" "${args[@]}" --trace "$out/plain.csv" > /dev/null
"$sim" "${args[@]}" --bucket-mb 25 --trace "$out/buckets.csv" > /dev/null
p0=$(period "$out/plain.csv") p1=$(period "$out/buckets.csv")
total=$(awk -F, '$1 == 0 && $9 == 1 && $3 == "allreduce" { print $6 }' "$out/plain.csv")
last=$(awk -F, 'BEGIN { t = -1 } $1 == 0 && $9 == 1 && $2 == "collective" && $4 + 0 >= t { t = $4; b = $6 } END { print b }' \
       "$out/buckets.csv")
buckets=$(awk -F, '$1 == 0 && $9 == 1 && $3 == "iallreduce" && $2 == "collective"' "$out/buckets.csv" | wc -l)
gap=$(awk -v a="$p0" -v b="$p1" 'BEGIN { printf "%.9g", a - b }')
# hidden: the transfers and the sums (3 bytes of traffic per byte summed,
# at the cost profile's 10 GB/s: the platform gives no mem_bw)
want=$(awk -v t="$total" -v l="$last" 'BEGIN { printf "%.9g", 2 * 7 / 8 * (t - l) / 1.25e9 + 7 / 8 * (t - l) * 3 / 1e10 }')
echo "ssgd buckets: period $p1 s vs $p0 s without ($buckets buckets): gap $gap s; expected $want s" \
     "(the allreduce of $total - $last B, the last bucket's, hidden)"
[ "$buckets" -gt 1 ] || { echo "FAIL: --bucket-mb 25 made $buckets bucket(s)"; fail=1; }
near "$gap" "$want" || { echo "FAIL: the buckets' allreduces do not overlap the backward pass"; fail=1; }
exit $fail
