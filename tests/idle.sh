#!/usr/bin/env bash
# idle.sh — dsgd-run --idle spin|yield|sleep changes how ranks wait, never
# what they compute: the same 2-rank run (ssgd, and asgd whose server waits
# on any source) ends with the same final loss and parameter norm in
# every mode.
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
exit $fail
