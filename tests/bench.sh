#!/usr/bin/env bash
# bench.sh — dsgd-run --bench writes the trace the calibration contract
# promises (README, "Micro-benchmarks"), with values that could be false.
#
# usage: bench.sh OUTDIR LAUNCH...   (LAUNCH: mpirun ... -np 2 dsgd-run)
# One run of every kind at 2 ranks, 3 timed repetitions after 1 warm-up,
# messages and vectors up to 1 MiB, on the synthetic set (64 features).
# Checks:
#   - p2p: rank 0 alone sends to rank 1, each send followed by a receive
#     of the same bytes from rank 1; sizes 1 B doubling to 1 MiB; exactly
#     iter 0..2 per size (the warm-up is not written);
#   - the round trip grows with size: the best one at 1 MiB is longer than
#     the best at 1 B, and a 1 MiB one is at least 2 MiB over 100 GB/s;
#   - allreduce, reduce, bcast, allgather on both ranks, 4 B x4 to 1 MiB
#     (allgather to 512 KiB: 2 x bytes received), value = group size 2;
#   - layers: bench:<kind>:fwd and :bwd for dense, conv, pool, act,
#     softmax_xent at batches 1, 8, 32, 128 on both ranks, value = batch,
#     flops = batch x the models' per-sample count (dense 784 -> 128:
#     2*784*128 + 128 forward; conv 32 -> 64 on 14x14: 2*800*64*196 +
#     64*196), each event a positive duration;
#   - vector: bytes = 12, 8, 8, 20 per float (axpy, scale, copy,
#     sgd_step, as core/vec.c and core/optim.c count), 1 Ki..256 Ki floats;
#   - io: bytes = batch x (64 x 4 + 4), value = batch;
#   - naps: wait events bench:nap on both ranks, value = the nap asked for
#     (1 us doubling to 64 us), each lasting at least that;
#   - the JSON says ranks 2, hosts 1, the online cores, reps 3, warmup 1.
set -euo pipefail
out=$1
shift
mkdir -p "$out"
trace=$out/bench.csv
rm -f "$trace"
"$@" --bench all --bench-reps 3 --bench-warmup 1 --bench-max-bytes 1M --trace "$trace" \
  --json --quiet > "$out/bench.json"
cat "$out/bench.json"
fail=0
check() { # MESSAGE AWK_PROGRAM: the program exits 0 when the check holds
  local msg=$1
  shift
  awk -F, "$@" "$trace" || { echo "FAIL: $msg"; fail=1; }
}

check "p2p: send/recv pairs of rank 0, sizes 1 B..1 MiB, iter 0..2 each" '
  NR == 1 { next }
  $2 == "send" || $2 == "recv" {
    if ($1 == 0) {
      if ($8 != 1) bad = "peer " $8
      if ($2 == "send") { sent = $6; pending = 1; count[$6 " " $9]++ }
      else if (!pending || $6 != sent) bad = "recv of " $6 " after send of " sent
      else pending = 0
    } else if ($1 != 1) bad = "p2p event on rank " $1
  }
  END {
    for (b = 1; b <= 1048576; b *= 2) for (i = 0; i < 3; i++)
      if (count[b " " i] != 1) bad = bad " size " b " iter " i ": " count[b " " i] + 0
    n = 0; for (k in count) n++
    if (n != 21 * 3) bad = bad " " n " (size, iter) pairs, want 63"
    if (bad) { print bad; exit 1 }
  }'

check "p2p: the round trip grows with size" '
  NR > 1 && $1 == 0 && $2 == "send" { t0 = $4; size = $6 }
  NR > 1 && $1 == 0 && $2 == "recv" {
    rt = $5 - t0
    if (!(size in best) || rt < best[size]) best[size] = rt
  }
  END {
    printf "best round trip: 1 B %.2f us, 1 KiB %.2f us, 1 MiB %.2f us\n", best[1] * 1e6, best[1024] * 1e6, best[1048576] * 1e6
    exit !(best[1048576] > best[1] && best[1048576] > 2 * 1048576 / 1e11 && best[1] > 0)
  }'

check "collectives: 4 B x4 to 1 MiB on both ranks, value 2" '
  NR > 1 && $2 == "collective" {
    if ($10 != 2) bad = "value " $10
    count[$1 " " $3 " " $6 " " $9]++
  }
  END {
    n = 0; for (key in count) n++ # before the loops below add keys
    split("allreduce reduce bcast allgather", names, " ")
    for (r = 0; r < 2; r++) for (k = 1; k <= 4; k++) for (b = 4; b <= 1048576; b *= 4) for (i = 0; i < 3; i++) {
      want = names[k] == "allgather" && b > 524288 ? 0 : 1
      if (count[r " " names[k] " " b " " i] != want) bad = bad " " r "/" names[k] "/" b "/" i
    }
    if (n != 2 * (3 * 10 + 9) * 3) bad = bad " " n " events"
    if (bad) { print bad; exit 1 }
  }'

check "layers: every kind, fwd and bwd, batches 1 8 32 128, flops = batch x per sample" '
  NR > 1 && $2 == "compute" {
    if ($3 !~ /^bench:(dense|conv|pool|act|softmax_xent):(fwd|bwd)$/) bad = bad " name " $3
    if (!($5 > $4)) bad = bad " empty " $3
    count[$1 " " $3 " " $10 " " $9]++
    per[$3] = $10 == 1 ? $7 : per[$3]
    flops[$3 " " $10] = $7
  }
  END {
    n = 0; for (key in count) n++
    split("dense conv pool act softmax_xent", kinds, " ")
    split("1 8 32 128", batches, " ")
    for (r = 0; r < 2; r++) for (k = 1; k <= 5; k++) for (d = 0; d < 2; d++) for (j = 1; j <= 4; j++) for (i = 0; i < 3; i++) {
      name = "bench:" kinds[k] ":" (d ? "bwd" : "fwd")
      if (count[r " " name " " batches[j] " " i] != 1) bad = bad " " r "/" name "/" batches[j] "/" i
      if (flops[name " " batches[j]] != per[name] * batches[j]) bad = bad " flops " name " " batches[j]
    }
    if (per["bench:dense:fwd"] != 2 * 784 * 128 + 128) bad = bad " dense fwd " per["bench:dense:fwd"]
    if (per["bench:conv:fwd"] != 2 * 800 * 64 * 196 + 64 * 196) bad = bad " conv fwd " per["bench:conv:fwd"]
    if (n != 2 * 5 * 2 * 4 * 3) bad = bad " " n " events"
    if (bad) { print bad; exit 1 }
  }'

check "vector: bytes as vec.c counts them, 1 Ki..256 Ki floats" '
  NR > 1 && $2 == "memory" {
    split("axpy 12 scale 8 copy 8 sgd_step 20", w, " ")
    for (k = 1; k < 8; k += 2) per["bench:vec:" w[k]] = w[k + 1]
    if (!($3 in per) || $6 != per[$3] * $10) bad = bad " " $3 "/" $10 ": " $6 " bytes"
    count[$1 " " $3 " " $10 " " $9]++
  }
  END {
    n = 0; for (key in count) { n++; if (count[key] != 1) bad = bad " twice " key }
    if (n != 2 * 4 * 5 * 3) bad = bad " " n " events"
    if (bad) { print bad; exit 1 }
  }'

check "io: bytes = batch x 260, value = batch" '
  NR > 1 && $2 == "io" {
    if ($3 != "bench:io" || $6 != $10 * 260) bad = bad " " $3 "/" $10 ": " $6
    count[$1 " " $10 " " $9]++
  }
  END {
    n = 0; for (key in count) n++
    if (n != 2 * 4 * 3 || bad) { print n " events" bad; exit 1 }
  }'

check "naps: 1 us doubling to 64 us on both ranks, each at least as long as asked" '
  NR > 1 && $2 == "wait" {
    if ($3 != "bench:nap" || $5 - $4 < $10 * 0.999) bad = bad " " $3 "/" $10 ": " ($5 - $4)
    count[$1 " " sprintf("%.0f", $10 * 1e6) " " $9]++
    asked[sprintf("%.0f", $10 * 1e6)] = 1
  }
  END {
    n = 0; for (key in count) n++
    for (us = 1; us <= 64; us *= 2) if (!(us in asked)) bad = bad " no " us " us nap"
    if (n != 2 * 7 * 3 || bad) { print n " events" bad; exit 1 }
  }'

check "no event outside the benchmarks (barriers, warm-up)" '
  NR > 1 && ($9 < 0 || $9 > 2 || $3 == "barrier") { print "stray: " $0; bad = 1 }
  END { exit bad }'

json=$(cat "$out/bench.json")
for kv in '"bench": "p2p,allreduce,layers,vector,io,naps"' '"ranks": 2' '"hosts": 1' \
  "\"cores_per_host\": $(getconf _NPROCESSORS_ONLN)" '"reps": 3' '"warmup": 1' '"max_bytes": 1048576'; do
  grep -qF "$kv" <<< "$json" || { echo "FAIL: the JSON lacks $kv"; fail=1; }
done
exit $fail
