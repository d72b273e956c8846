#!/usr/bin/env bash
# symmetry.sh — dsgd-sim --symmetry on (one machine's ranks simulated, the
# others mirroring them) agrees with the full simulation within 1 % in
# time_s, and exactly in workers and samples, for ssgd, localsgd and lasgd
# on a small fat tree and a flat cluster of 256 hosts, and on machines of
# several ranks (4 ranks a host; summit-64's 6 GPUs); the JSON says when
# symmetry was used and why not; whatever breaks symmetry falls back
# (auto) or is refused (on, exit 2, one line naming it).
#   usage: symmetry.sh DSGD_SIM GEN
set -uo pipefail
sim=$1 gen=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" fattree 4,8,8 > "$tmp/ft256.xml" || exit 1
"$gen" flat 256 > "$tmp/flat256.xml" || exit 1
field() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<< "$1"; }
run() { "$sim" --model resnet50 --payload phantom --iters 6 --json --quiet "$@"; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# agree PLATFORM ALGO [FLAGS..]: full against symmetric
agree() {
  local platform=$1 algo=$2
  shift 2
  local full sym
  full=$(run --platform "$platform" --algo "$algo" --symmetry off "$@") || { bad "$algo full run"; return; }
  sym=$(run --platform "$platform" --algo "$algo" --symmetry on "$@") || { bad "$algo symmetric run"; return; }
  [ "$(field "$full" symmetry)" = false ] || bad "$algo --symmetry off: $(field "$full" symmetry_why)"
  [ "$(field "$sym" symmetry)" = true ] || bad "$algo --symmetry on: symmetry not true"
  local k=$(field "$sym" simulated_ranks) n=$(field "$full" nodes)
  [ "$(field "$full" simulated_ranks)" = "$n" ] || bad "$algo full: simulated_ranks != nodes"
  [ "$k" -ge 1 ] && [ "$k" -lt "$n" ] || bad "$algo symmetric: simulated_ranks $k of $n"
  for key in nodes workers samples; do
    [ "$(field "$full" $key)" = "$(field "$sym" $key)" ] ||
      bad "$algo $key: full $(field "$full" $key), symmetric $(field "$sym" $key)"
  done
  local tf=$(field "$full" time_s) ts=$(field "$sym" time_s)
  awk -v f="$tf" -v s="$ts" -v what="$algo $(basename "$platform") $*" -v k="$k" 'BEGIN {
    d = (s - f) / f
    printf "%-40s full %.9f s, symmetric %.9f s (%d simulated): %+.2e\n", what, f, s, k, d
    exit !(d <= 0.01 && d >= -0.01)
  }' || bad "$algo time_s differs by more than 1 %"
}

for platform in "$tmp/ft256.xml" "$tmp/flat256.xml"; do
  agree "$platform" ssgd
  agree "$platform" localsgd --sync-every 2
  agree "$platform" lasgd --sync-every 2
done
# machines of 4 ranks: the whole first host simulated, hierarchical and
# intra-host transfers priced as before
agree "$tmp/flat256.xml" ssgd --ranks-per-host 4 --nodes 256
agree "$tmp/flat256.xml" lasgd --ranks-per-host 4 --nodes 256 --sync-every 2

# 8,192 ranks, 4 a host: a ring over 2,048 machine leaders splits the
# setup's 8-byte allreduces into fractions of a byte (sim/fluid.c once
# looped for ever on them, in both modes)
"$gen" flat 2048 > "$tmp/flat2048.xml" || exit 1
agree "$tmp/flat2048.xml" ssgd --ranks-per-host 4 --nodes 8192

# machines of 6 GPUs and a CPU host (the CPU hosts left idle): the first
# machine's 6 ranks simulated, NVLink inside, the NIC between machines
agree "$(dirname "$gen")/summit-64.xml" ssgd
agree "$(dirname "$gen")/summit-64.xml" localsgd --sync-every 2

# auto: small runs stay full, and say why; large ones take it
"$gen" flat 16384 > "$tmp/flat16384.xml" || exit 1
out=$(run --platform "$tmp/flat16384.xml" --algo ssgd --iters 1) || bad "auto run at 16,384"
[ "$(field "$out" symmetry)" = true ] && [ "$(field "$out" simulated_ranks)" = 1 ] ||
  bad "auto at 16,384 ranks: $(field "$out" symmetry) $(field "$out" symmetry_why)"

# auto: small runs stay full, and say why
out=$(run --platform "$tmp/flat256.xml" --algo ssgd) || bad "auto run"
[ "$(field "$out" symmetry)" = false ] && [[ "$(field "$out" symmetry_why)" == auto:* ]] ||
  bad "auto at 256 ranks: $(field "$out" symmetry) $(field "$out" symmetry_why)"

# what breaks symmetry: auto falls back and says so, on refuses naming it
refused() { # FLAG-TEXT ARGS..
  local want=$1
  shift
  local err rc
  err=$(run --platform "$tmp/flat256.xml" --symmetry on "$@" 2>&1 >/dev/null)
  rc=$?
  [ $rc = 2 ] && [ "$(wc -l <<< "$err")" = 1 ] && [[ "$err" == *"--symmetry on: "*"$want"* ]] ||
    bad "--symmetry on $*: exit $rc, '$err' (want 2 and '$want')"
}
refused "--slow" --algo ssgd --slow node-3:2
refused "--fail" --algo localsgd --fail node-3@0.1
refused "--jitter" --algo ssgd --jitter 0.1
refused "--algo gossip" --algo gossip
refused "--algo ssgd-ps" --algo ssgd-ps
refused "--coll-model message" --algo ssgd --coll-model message
refused "--payload real" --algo ssgd --model mlp --payload real
slow=$(run --platform "$tmp/flat256.xml" --algo ssgd --symmetry auto --slow node-3:2) || bad "--slow run"
[ "$(field "$slow" symmetry)" = false ] && [[ "$(field "$slow" symmetry_why)" == --slow* ]] &&
  [ "$(field "$slow" simulated_ranks)" = 256 ] ||
  bad "--slow did not fall back: $(field "$slow" symmetry) $(field "$slow" symmetry_why)"
exit $fail
