#!/usr/bin/env bash
# idle.sh — dsgd-run --idle spin|yield|sleep changes how ranks wait, never
# what they compute: the same 2-rank run (ssgd, and asgd whose server waits
# on any source) ends with the same final loss and parameter norm in
# every mode.  The run's JSON names the simulator's equivalent of its
# MPI's allreduce: "tree" under Open MPI (libnbc's in-place choice).
#
# usage: idle.sh LAUNCH...   (LAUNCH: mpirun ... -np 2 dsgd-run)
set -euo pipefail
field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p"; }
fail=0
for algo in ssgd asgd; do
  want=
  for mode in spin yield sleep; do
    json=$("$@" --algo "$algo" --iters 40 --idle "$mode" --json --quiet)
    got="$(field final_loss <<< "$json") $(field params_norm <<< "$json")"
    echo "$algo --idle $mode: final_loss params_norm = $got"
    [ -n "$want" ] || want=$got
    [ "$got" = "$want" ] || { echo "FAIL: $algo --idle $mode ends at $got, spin at $want"; fail=1; }
  done
done
if "$1" --version 2>&1 | grep -q "Open MPI"; then
  got=$(field allreduce <<< "$json")
  [ "$got" = '"tree"' ] && echo "ok: Open MPI's allreduce is the simulator's tree" ||
    { echo "FAIL: JSON allreduce $got under Open MPI, want \"tree\""; fail=1; }
fi
exit $fail
