#!/usr/bin/env bash
# buckets.sh — ssgd --bucket-mb changes when the gradient is summed, not
# what: with buckets small enough that the MLP's three layers make three
# separate allreduces (and with one bucket larger than the gradient), the
# run reaches the parameters of plain ssgd (params_norm and final_loss to
# 1e-4 relative: only the order of the allreduce's additions may differ).
# usage: buckets.sh OUTDIR CMD...   (CMD: dsgd-sim --platform X, or mpirun -np NP dsgd-run;
#   NP is replaced by the rank count; $SIM=1 appends --nodes N instead)
set -uo pipefail
out=$1; shift
mkdir -p "$out"
CMD=("$@")
common=(--algo ssgd --model mlp --hidden 64,32 --data synthetic --seed 3 --iters 12 --json --quiet)
fail=0
run() { # run NAME FLAGS...
  local name=$1; shift
  if [ "${SIM:-1}" = 1 ]; then
    "${CMD[@]}" --nodes 4 "${common[@]}" "$@" >"$out/$name.json" 2>"$out/$name.err"
  else
    "${CMD[@]/NP/4}" "${common[@]}" "$@" >"$out/$name.json" 2>"$out/$name.err"
  fi || { echo "FAIL: $name exited $?: $(head -3 "$out/$name.err")"; fail=1; }
}
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$out/$1.json"; }
run plain
run small --bucket-mb 0.001 # 1048 floats: the 330, 2080 and 50240 of the layers, one bucket each
run large --bucket-mb 25
for v in small large; do
  for k in params_norm final_loss; do
    a=$(field plain $k) b=$(field $v $k)
    echo "$k: plain $a, --bucket-mb ($v) $b"
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a);
        exit !(a != "" && a != "null" && b != "" && d <= 1e-4 * m) }' ||
      { echo "FAIL: $k differs with --bucket-mb ($v)"; fail=1; }
  done
done
exit $fail
