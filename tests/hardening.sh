#!/usr/bin/env bash
# hardening.sh — bad input that used to hang, crash, eat memory or leave
# files behind (issue 14), one case per ctest test.  Each case makes its
# inputs in a fresh directory and checks, through expect_error.sh where the
# program must refuse, the one-line message, the exit status and that no
# output or temporary is left.
#
# usage: hardening.sh CASE BUILD_DIR SOURCE_DIR WORK_DIR
set -uo pipefail
case_name=$1 build=$2 src=$3 work=$4/$1
expect=$src/tests/expect_error.sh
small=$src/platforms/small.xml
rm -rf "$work" && mkdir -p "$work" || exit 1
fail=0
check() { # what command...: the command must succeed
  local what=$1
  shift
  "$@" || { echo "FAIL: $what"; fail=1; }
}
refused() { # status pattern absent command...
  "$expect" "$@" || fail=1
}
# Under ASan, address-space limits (ulimit -v) break the sanitizer itself.
asan() { grep -q __asan_init "$1"; }
no_temporaries() { # dir
  local left
  left=$(find "$1" -name '*.tmp.*' -o -name '*.probe.*' | head -3)
  [ -z "$left" ] || { echo "FAIL: temporaries left: $left"; fail=1; }
}
trace_header=rank,kind,name,t0,t1,bytes,flops,peer,iter,value
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
idx_set() { # dir height width: 16 training and 8 test images of two classes
  local dir=$1 h=$2 w=$3 split n
  mkdir -p "$dir"
  for split in train:16 t10k:8; do
    n=${split#*:} split=${split%:*}
    { printf '\x00\x00\x08\x03'; be32 "$n"; be32 "$h"; be32 "$w"
      head -c $((n * h * w)) /dev/urandom; } > "$dir/$split-images-idx3-ubyte"
    { printf '\x00\x00\x08\x01'; be32 "$n"
      for ((i = 0; i < n; i++)); do printf "\\x0$((i % 2))"; done; } > "$dir/$split-labels-idx1-ubyte"
  done
}

case $case_name in
  # Times beyond 1e9 s would overflow the export's int64 nanoseconds.
  trace_times)
    for t in "0,1e12" "-1e12,0" "0,9.3e9"; do
      printf '%s\n0,compute,fwd,%s,0,0,-1,0,0\n' $trace_header "$t" > "$work/t.csv"
      refused 2 "t.csv:2: column 't[01]': bad value" "$work/t.json" \
        "$build/dsgd-trace" export --chrome "$work/t.csv" -o "$work/t.json"
      refused 2 "t.csv:2: column 't[01]': bad value" - "$build/dsgd-trace" check "$work/t.csv"
    done
    no_temporaries "$work" ;;
  # Names that JSON cannot hold as they are: refused by every reader.
  trace_names)
    for name in 'a\b' $'a\tb' $'a\001b' $'a\xffb' 'a"b' $'\xc3\xa9t\xc3\xa9'; do
      printf '%s\n0,compute,%s,0,1,0,0,-1,0,0\n' $trace_header "$name" > "$work/n.csv"
      refused 2 "n.csv:2: column 'name': bad value '[^']*'$" "$work/n.json" \
        "$build/dsgd-trace" export --chrome "$work/n.csv" -o "$work/n.json"
      refused 2 "n.csv:2: column 'name': bad value" - "$build/dsgd-trace" check "$work/n.csv"
    done ;;
  # Memory follows the ranks present, not the largest rank number.
  trace_sparse_ranks)
    printf '%s\n0,compute,fwd,0,1,0,0,-1,0,0\n16777216,compute,fwd,0,2,0,0,-1,0,0\n' \
      $trace_header > "$work/r.csv"
    limit=""
    asan "$build/dsgd-trace" || limit="ulimit -v 1000000;" # 1 GB: the old table took 3 GiB
    out=$(OPENBLAS_NUM_THREADS=1 bash -c "$limit \"\$@\"" _ "$build/dsgd-trace" summary --csv "$work/r.csv") ||
      { echo "FAIL: summary of ranks 0 and 2^24 exited $? (under '$limit')"; fail=1; }
    [ "$(grep -c ',compute,' <<< "$out")" = 2 ] && grep -q '^16777216,compute,1,2' <<< "$out" ||
      { echo "FAIL: summary: '$out'"; fail=1; } ;;
  # Damage found while the run sets up, a layout that does not fit the
  # ranks: bad input, exit 2, in both programs.
  checkpoint_programs)
    sim=("$build/dsgd-sim" --platform "$small" --nodes 2 --algo ssgd --iters 4 --quiet)
    check "a checkpoint to start from" "${sim[@]}" --checkpoint "$work/ck"
    cp -r "$work/ck" "$work/flipped"
    printf '\x55' | dd of="$work/flipped/rank-1.ckpt" bs=1 seek=500 conv=notrunc status=none
    refused 2 "flipped/rank-1.ckpt: checksum mismatch \\(damaged file\\)" - "${sim[@]}" --resume "$work/flipped"
    refused 2 "ck/rank-0.ckpt: written by --algo ssgd, this run is --algo localsgd" - \
      "${sim[@]}" --algo localsgd --resume "$work/ck"
    cp -r "$work/ck" "$work/trailing" && echo >> "$work/trailing/rank-0.ckpt"
    refused 2 "trailing/rank-0.ckpt: damaged: [0-9]+ bytes" - \
      "$build/dsgd-run" --iters 4 --quiet --resume "$work/trailing"
    refused 2 "--servers 2: needs at least 3 ranks" - "$build/dsgd-run" --algo ssgd-ps --servers 2 --quiet
    no_temporaries "$work" ;;
  # A FIFO (or a directory) where a file is read: refused up front, not a
  # program blocked forever (timeout: a hang fails with status 124).
  fifo_inputs)
    mkfifo "$work/fifo" && mkdir "$work/data" "$work/ck" &&
      mkfifo "$work/data/train-images-idx3-ubyte" "$work/ck/rank-0.ckpt" || exit 1
    sim=(timeout 20 "$build/dsgd-sim" --platform "$small" --nodes 2 --iters 1 --quiet)
    refused 2 "^dsgd-sim: --platform $work/fifo: not a regular file \\(a FIFO\\)$" - \
      timeout 20 "$build/dsgd-sim" --platform "$work/fifo"
    refused 2 "^dsgd-sim: --cost-profile $work/fifo: not a regular file \\(a FIFO\\)$" - \
      "${sim[@]}" --cost-profile "$work/fifo"
    refused 2 "^dsgd-sim: --cost-profile $work: not a regular file \\(a directory\\)$" - \
      "${sim[@]}" --cost-profile "$work"
    refused 2 "data/train-images-idx3-ubyte: not a regular file \\(a FIFO\\)$" - \
      "${sim[@]}" --data "$work/data"
    refused 2 "^dsgd-sim: --resume $work/ck/rank-0.ckpt: not a regular file \\(a FIFO\\)$" - \
      "${sim[@]}" --resume "$work/ck"
    refused 2 "^dsgd-trace: $work/fifo: not a regular file \\(a FIFO\\)$" - \
      timeout 20 "$build/dsgd-trace" summary "$work/fifo" ;;
  # A 186-byte platform whose cluster has 10^8 hosts: refused before
  # SimGrid expands it (it grew without bound).
  huge_platform)
    printf '%s\n' '<?xml version="1.0"?>' '<platform version="4.1"><zone id="w" routing="Full">' \
      '<cluster id="c" prefix="n-" suffix="" radical="0-99999999" speed="1Gf" bw="1GBps" lat="1us"/>' \
      '</zone></platform>' > "$work/huge.xml"
    refused 2 "huge.xml: declares 100000000 hosts \\(radical '0-99999999'\\), more than dsgd-sim loads" - \
      timeout 20 "$build/dsgd-sim" --platform "$work/huge.xml" --nodes 2 ;;
  # SIGTERM (or SIGKILL) to dsgd-sim ends its simulation child too: no
  # orphan that writes --trace later, no temporaries.
  sigterm_sim)
    for sig in TERM KILL; do
      "$build/dsgd-sim" --platform "$small" --nodes 4 --iters 1000000 --quiet \
        --trace "$work/$sig.csv" --checkpoint "$work/ck-$sig" --checkpoint-every 50 &
      parent=$!
      child=""
      for _ in $(seq 100); do
        child=$(pgrep -P $parent | head -1)
        [ -n "$child" ] && [ -e "$work/ck-$sig/rank-0.ckpt" ] && break
        sleep 0.1
      done
      [ -n "$child" ] || { echo "FAIL: no simulation child of $parent"; fail=1; }
      kill -$sig $parent
      wait $parent
      status=$?
      want=$([ $sig = TERM ] && echo 143 || echo 137)
      [ $status = "$want" ] || { echo "FAIL: SIG$sig: dsgd-sim exited $status, want $want"; fail=1; }
      for _ in $(seq 50); do
        [ -n "$child" ] && kill -0 "$child" 2> /dev/null || break
        sleep 0.1
      done
      if [ -n "$child" ] && kill -0 "$child" 2> /dev/null; then
        echo "FAIL: SIG$sig: simulation child $child still running"
        kill -KILL "$child"
        fail=1
      fi
      [ ! -e "$work/$sig.csv" ] || { echo "FAIL: SIG$sig: --trace written"; fail=1; }
      echo "SIG$sig: dsgd-sim exited $status, child ${child:-?} gone"
    done
    no_temporaries "$work" ;;
  # Outputs that cannot be written are refused before the run (the whole
  # job ran and then failed); runs long enough that a late check times out.
  output_paths)
    long=(--platform "$small" --nodes 2 --iters 1000000 --quiet)
    refused 2 "^dsgd-sim: --trace $work: cannot write: it is a directory$" - \
      timeout 20 "$build/dsgd-sim" "${long[@]}" --trace "$work"
    refused 2 "^dsgd-sim: --sweep-out $work: cannot write: it is a directory$" - \
      timeout 20 "$build/dsgd-sim" "${long[@]}" --sweep nodes=1,2 --sweep-out "$work"
    refused 2 "^dsgd-sim: --sweep-out /nonexistent/x: cannot write: No such file or directory$" - \
      timeout 20 "$build/dsgd-sim" "${long[@]}" --sweep nodes=1,2 --sweep-out /nonexistent/x
    refused 2 "^dsgd-run: --trace $work: cannot write: it is a directory$" - \
      timeout 20 "$build/dsgd-run" --iters 1000000 --quiet --trace "$work"
    refused 2 "^dsgd-validate: -o $work: cannot write: it is a directory$" - \
      timeout 20 "$build/dsgd-validate" --platform "$small" "$src/tests/data/summary-ssgd.json" -o "$work"
    no_temporaries "$work" ;;
  # gnuplot exits 0 on a full disk with a cut PNG: it must not replace a
  # good plot (here the disk is "full" at 8 KiB: ulimit -f, SIGXFSZ
  # ignored, as a full disk fails writes).  And -o naming a directory
  # wrote the plot inside it.
  plot_output)
    plot=("$build/dsgd-plot" timeline "$src/tests/data/ps4.csv")
    check "a good plot" "${plot[@]}" -o "$work/good.png"
    cp "$work/good.png" "$work/before.png"
    refused 1 "gnuplot wrote an incomplete $work/good.png \\([0-9]+ bytes, no end of png data\\): disk full\\?" - \
      bash -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' _ "${plot[@]}" -o "$work/good.png"
    cmp -s "$work/good.png" "$work/before.png" || { echo "FAIL: the good plot was replaced"; fail=1; }
    refused 1 "gnuplot wrote an incomplete $work/good.svg" "$work/good.svg" \
      bash -c 'trap "" XFSZ; ulimit -f 4; exec "$@"' _ "${plot[@]}" -o "$work/good.svg" --size 4000x4000
    mkdir "$work/dir.png"
    refused 2 "-o $work/dir.png: cannot write: not a regular file" - "${plot[@]}" -o "$work/dir.png"
    [ -z "$(ls "$work/dir.png")" ] || { echo "FAIL: written inside dir.png"; fail=1; }
    no_temporaries "$work" ;;
  # Inputs the plot kinds failed on: staleness all equal, a trace with test
  # accuracy alone; numbers with leading zeros (octal to bash and gnuplot).
  plot_inputs)
    printf '%s\n' $trace_header 0,update,staleness,0,0.1,0,0,-1,0,0 \
      1,update,staleness,0.1,0.2,0,0,-1,1,0 > "$work/stale0.csv"
    printf '%s\n' $trace_header 0,eval,test_accuracy,0,0.1,0,0,-1,10,0.5 \
      0,eval,test_accuracy,0.2,0.3,0,0,-1,20,0.7 > "$work/acc.csv"
    check "staleness all 0" "$build/dsgd-plot" staleness "$work/stale0.csv" -o "$work/s.png"
    check "accuracy alone" "$build/dsgd-plot" convergence "$work/acc.csv" -o "$work/c.png"
    err=$("$build/dsgd-plot" timeline "$src/tests/data/ps4.csv" --size 0800x0600 -o "$work/z.png" 2>&1) ||
      { echo "FAIL: --size 0800x0600: $err"; fail=1; }
    [ -z "$err" ] || { echo "FAIL: --size 0800x0600 said: $err"; fail=1; }
    dims=$(od -An -tu1 -j16 -N8 "$work/z.png" | awk '{ printf "%dx%d", $3*256 + $4, $7*256 + $8 }')
    [ "$dims" = 800x600 ] || { echo "FAIL: --size 0800x0600 drew $dims"; fail=1; }
    # The window gnuplot receives, printed by a stand-in timeline script.
    mkdir "$work/gp"
    printf '%s\n' 'print sprintf("window %g %g", tmin, tmax)' \
      'set terminal pngcairo size 200,100' 'set output output' 'plot x notitle' > "$work/gp/timeline.gp"
    for w in 010:020 0:08; do
      got=$(DSGD_PLOT_DIR="$work/gp" "$build/dsgd-plot" timeline "$src/tests/data/ps4.csv" \
        --window $w -o "$work/w.png" 2>&1)
      want=$([ $w = 010:020 ] && echo "window 10 20" || echo "window 0 8")
      [ "$got" = "$want" ] || { echo "FAIL: --window $w: gnuplot got '$got', want '$want'"; fail=1; }
    done ;;
  # The CNN on images smaller than its 5x5 kernels: the FFT convolution
  # could not be set up and the run reported "loss is NaN" even at --lr 0.
  cnn_small_images)
    for hw in "4 4" "5 5" "4 8"; do
      set -- $hw
      idx_set "$work/img$1x$2" "$1" "$2"
      for prog in sim run; do
        if [ $prog = sim ]; then
          cmd=("$build/dsgd-sim" --platform "$small" --nodes 2)
        else
          cmd=("$build/dsgd-run")
        fi
        out=$("${cmd[@]}" --model cnn --hidden 8 --data "$work/img$1x$2" --batch 4 --iters 3 \
          --lr 0 --quiet --json 2>&1)
        status=$?
        loss=$(sed -n 's/.*"final_loss": *\([^,}]*\).*/\1/p' <<< "$out")
        if [ $status != 0 ] || ! awk -v l="$loss" 'BEGIN { exit !(l + 0 > 0 && l + 0 < 10) }'; then
          echo "FAIL: dsgd-$prog cnn on $1x$2 images: exit $status, final_loss '$loss': $out"
          fail=1
        else
          echo "dsgd-$prog cnn on $1x$2 images: final_loss $loss"
        fi
      done
    done ;;
  *) echo "unknown case '$case_name'"; exit 2 ;;
esac
[ $fail = 0 ] && echo "$case_name: ok"
exit $fail
