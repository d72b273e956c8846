#!/usr/bin/env bash
# algorithms.sh — properties of the variants of issue #5 on one backend.
# usage: algorithms.sh OUTDIR CMD...   (CMD: dsgd-sim --platform X, or mpirun -np N dsgd-run;
#   the script appends --nodes N for the simulator when $SIM is 1)
#   - sync equivalence: ssgd (4 workers), ssgd-ps (4 + 1 server), lsgd (2 nodes of 2 workers +
#     a communicator) and odsgd with warm-up over the whole run reach the same parameters
#     (params_norm and final_loss to 1e-4 relative);
#   - asgd with one worker equals sequential SGD (ssgd on 1 rank);
#   - lr 0 with noisy initial models: gossip, easgd, localsgd, lasgd shrink the workers' spread
#     as rounds go by (under MPI, the asynchronous ones: well below the initial spread); leader with c1 = c2 = 1 leaves every worker equal to the leader.
set -uo pipefail
out=$1; shift
mkdir -p "$out"
common=(--model mlp --hidden 32 --data synthetic --seed 3 --json --quiet)
fail=0
go() {
  local name=$1 n=$2; shift 2
  if [ "$SIM" = 1 ]; then
    "${CMD[@]}" --nodes "$n" "${common[@]}" "$@" >"$out/$name.json" 2>"$out/$name.err"
  else
    "${CMD[@]/NP/$n}" "${common[@]}" "$@" >"$out/$name.json" 2>"$out/$name.err"
  fi || { echo "FAIL: $name exited $?: $(head -3 "$out/$name.err")"; fail=1; }
}
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$out/$1.json"; }
same() { # same A B KEY
  local a b; a=$(field "$1" "$3") b=$(field "$2" "$3")
  awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a);
      exit !(a != "" && b != "" && a != "null" && d <= 1e-4 * m) }' ||
    { echo "FAIL: $3: $1=$a $2=$b differ by more than 1e-4 relative"; fail=1; }
}
below() { # below A KEY LIMIT
  local v; v=$(field "$1" "$2")
  awk -v v="$v" -v l="$3" 'BEGIN { exit !(v != "" && v != "null" && v + 0 <= l + 0) }' ||
    { echo "FAIL: $1: $2 = $v, want <= $3"; fail=1; }
}
SIM=${SIM:-1}
CMD=("$@")
it=(--iters 12)
go ssgd 4 --algo ssgd "${it[@]}"
go ssgd-ps 5 --algo ssgd-ps "${it[@]}"
go lsgd 6 --algo lsgd --node-size 3 "${it[@]}"
go odsgd 5 --algo odsgd --warmup-steps 100 "${it[@]}"
for v in ssgd-ps lsgd odsgd; do same ssgd $v params_norm; same ssgd $v final_loss; done
go seq 1 --algo ssgd "${it[@]}" --lr 0.02
go asgd1 2 --algo asgd "${it[@]}" --lr 0.02
same seq asgd1 params_norm; same seq asgd1 final_loss; below asgd1 staleness_max 0
# consensus at lr 0: spread after 1, 2 and 4 rounds must not grow, and must end well below
# the first round's (noise 0.01 per parameter: initial spread ~ 0.01 * sqrt(params))
cons=(--lr 0 --momentum 0 --init-noise 0.01)
for k in 1 2 4; do
  go gossip$k 4 --algo gossip --gossip push "${cons[@]}" --iters $((4 * k))
  go gpull$k 4 --algo gossip --gossip pull "${cons[@]}" --iters $((4 * k))
  go easgd$k 5 --algo easgd --alpha 0.3 "${cons[@]}" --iters $((2 * k))
  go localsgd$k 4 --algo localsgd --sync-every 2 "${cons[@]}" --iters $((2 * k))
  go lasgd$k 4 --algo lasgd --sync-every 2 "${cons[@]}" --iters $((2 * k))
done
# The spread before any averaging (the initial noise): 4 workers, no pull.
go init 4 --algo leader --l-comm 1000 --g-comm 1000 "${cons[@]}" --iters 1
s0=$(field init spread)
below init spread 1 # sanity: the noise is there, and small
awk -v s="$s0" 'BEGIN { exit !(s > 0.01) }' || { echo "FAIL: no initial spread ($s0)"; fail=1; }
# Variants whose header promises one model at the end deliver it even when
# the run does not end on a sync step (localsgd: 6 steps, sync every 4).
go localsgd_end 4 --algo localsgd --sync-every 4 "${cons[@]}" --iters 6 --lr 0.01
below localsgd_end spread 1e-6
# Under MPI the asynchronous easgd and gossip (push and pull) exchange as
# timing allows: separate runs of 1, 2 and 4 rounds need not be ordered
# (under load a slow worker's models get pulled unchanged many times, and
# its own pulls come last, from models that have stopped moving: 4 rounds
# ended at 0.16 once, against 0.02 usually).  There the check is that every
# run averages, and 4 rounds end below half the initial spread.
for v in gossip gpull easgd localsgd lasgd; do
  s1=$(field ${v}1 spread) s2=$(field ${v}2 spread) s4=$(field ${v}4 spread)
  strict=1
  [ "$SIM" != 1 ] && { [ $v = easgd ] || [ $v = gossip ] || [ $v = gpull ]; } && strict=0
  awk -v a="$s1" -v b="$s2" -v c="$s4" -v s0="$s0" -v strict=$strict 'BEGIN {
      ordered = b + 0 <= a * 1.0001 + 1e-7 && c + 0 <= b * 1.0001 + 1e-7
      if (strict)
        exit !(a != "" && ordered && (c + 0 < 0.5 * a + 1e-6 || (a + 0 < 1e-5 && c + 0 < 1e-5)))
      exit !(a != "" && s0 > 0 && a + 0 < s0 && b + 0 < s0 && c + 0 < 0.5 * s0) }' ||
    { echo "FAIL: $v: spread does not shrink (initial $s0): $s1 $s2 $s4"; fail=1; }
  echo "$v spread initially, after 1, 2, 4 rounds: $s0 $s1 $s2 $s4"
done
# Evaluations in the middle of a run are collectives: every variant reaches
# them, asynchronous ones included (a gossip pull must not wait for a peer
# inside one): 6 steps, --eval-every 2: at 2 and 4, and the final one.
for v in "gossip --gossip push" "gossip --gossip pull" "asgd" "easgd" "lasgd --sync-every 2" \
         "leader --l-comm 2 --g-comm 4" "localsgd --sync-every 4" "odsgd --warmup-steps 2"; do
  name=evals-${v%% *}-${v##* }
  go "$name" 4 --algo $v --iters 6 --eval-every 2 --trace "$out/$name.csv"
  k=$(awk -F, '$1 == 0 && $3 == "test_accuracy"' "$out/$name.csv" 2>/dev/null | wc -l)
  [ "$k" = 3 ] || { echo "FAIL: $v --eval-every 2: rank 0 evaluated $k times in 6 steps, want 3"; fail=1; }
done
go leader 4 --algo leader --c1 1 --c2 1 --l-comm 2 --g-comm 4 "${cons[@]}" --iters 4 --node-size 2
below leader spread 1e-6
[ $fail = 0 ] && echo "algorithms: all properties hold"
exit $fail
