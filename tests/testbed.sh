#!/usr/bin/env bash
# testbed.sh — dsgd-run on two "hosts" of scripts/testbed.sh, under both network settings.
# usage: testbed.sh TESTBED_SCRIPT BUILD_DIR OUTDIR
#   - MPI launches one rank in each namespace: two host names;
#   - dsgd-run --algo ssgd at 2 ranks succeeds, its JSON counts 2 hosts, its
#     trace holds both ranks;
#   - tests/testbed_pingpong between the hosts sees the shaping: setting A
#     (100 us one-way, 1 Gbit/s) a round trip of at least 200 us and at most
#     1.1 Gbit/s, setting B (1 ms, 200 Mbit/s) at least 2 ms and at most
#     220 Mbit/s (lower bounds only on time: a shared machine can only add).
# Exit 77 (ctest: skipped) where namespaces are not allowed (not root, no
# `ip netns add`, no /dev/net/tun).  The testbed is torn down on every exit.
set -uo pipefail
testbed=$1 build=$2 out=$3
mkdir -p "$out"
export DSGD_BUILD=$build DSGD_TESTBED=tbt$$ # unique: parallel ctest runs never share one
trap '"$testbed" down' EXIT
"$testbed" up --hosts 2 --setting A >"$out/up.log" 2>&1
rc=$?
[ $rc = 77 ] && { cat "$out/up.log"; exit 77; }
[ $rc = 0 ] || { echo "FAIL: testbed up exited $rc: $(tail -3 "$out/up.log")"; exit 1; }
fail=0
run() { timeout 90 "$testbed" run "$@"; }

hosts=$(run -- -np 2 hostname 2>"$out/hostname.err" | sort -u | wc -l)
[ "$hosts" = 2 ] || { echo "FAIL: 2 ranks saw $hosts host names: $(head -3 "$out/hostname.err")"; fail=1; }

run -- -np 2 "$build/dsgd-run" --algo ssgd --model mlp --hidden 64 --data synthetic --iters 20 \
  --seed 1 --json --quiet --trace "$out/ssgd.csv" >"$out/ssgd.json" 2>"$out/ssgd.err" ||
  { echo "FAIL: dsgd-run exited $?: $(head -3 "$out/ssgd.err")"; fail=1; }
grep -q '"hosts":2,' "$out/ssgd.json" ||
  { echo "FAIL: dsgd-run's JSON does not count 2 hosts: $(cut -c1-300 "$out/ssgd.json")"; fail=1; }
ranks=$(awk -F, 'NR > 1 { print $1 }' "$out/ssgd.csv" 2>/dev/null | sort -u | tr '\n' ' ')
[ "$ranks" = "0 1 " ] || { echo "FAIL: the trace holds ranks '$ranks', want '0 1 '"; fail=1; }

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$out/pingpong-$1.txt"; }
for s in A B; do
  run --setting "$s" -- -np 2 "$build/tests/testbed_pingpong" >"$out/pingpong-$s.txt" 2>"$out/pingpong-$s.err" ||
    { echo "FAIL: testbed_pingpong under $s exited $?: $(head -3 "$out/pingpong-$s.err")"; fail=1; }
  echo "setting $s: $(cat "$out/pingpong-$s.txt")"
done
check() { # check SETTING RTT_MIN_S BW_MAX_BPS
  awk -v rtt="$(field "$1" rtt_min_s)" -v bw="$(field "$1" bw_Bps)" -v r="$2" -v b="$3" \
    'BEGIN { exit !(rtt != "" && bw != "" && rtt + 0 >= r && bw + 0 > 0 && bw + 0 <= b) }' ||
    { echo "FAIL: setting $1: want a round trip >= $2 s and at most $3 B/s"; fail=1; }
}
check A 200e-6 137.5e6
check B 2e-3 27.5e6
[ $fail = 0 ] && echo "testbed: 2 hosts, dsgd-run across them, shaping seen under both settings"
exit $fail
