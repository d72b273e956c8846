# lib.sh — what every study script in experiments/ shares (sourced, not
# run): the command line (--help, --quick, --out DIR), the programs, one
# simulated run → one CSV row, time to accuracy, the claim lines, plots.
#
# A study script sets `study` and writes its header comment (printed by
# --help), then calls `exp_init "$@"`.  Afterwards:
#   $quick      1 with --quick (a smaller run for the test suite), else 0
#   $out        the output directory (default out/experiments/<study>)
#   $sim $plot $gen   build/dsgd-sim, build/dsgd-plot, platforms/gen
# Claim lines go to stdout, one per claim, and to $out/claims.txt:
#   CLAIM: <text> | dsgd: <number> | reproduced|not reproduced|inconclusive
# Progress goes to stderr.  A run that fails stops the script (exit 1); a
# claim that does not reproduce is a result, not an error.

exp_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

exp_usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  cat << USAGE

usage: $(basename "$0") [--quick] [--out DIR]
  --quick     the small version (the test suite runs it; its figures are not the README's)
  --out DIR   where the CSV, the figure and claims.txt go (default out/experiments/$study)
  --help      this text
Environment: DSGD_BUILD (default: build/ in the repository) holds dsgd-sim and dsgd-plot.
USAGE
}

exp_init() {
  quick=0 out=$exp_root/out/experiments/$study
  while [ $# -gt 0 ]; do
    case $1 in
      -h | --help) exp_usage; exit 0 ;;
      --quick) quick=1 ;;
      --out) [ $# -ge 2 ] || exp_die "flag '--out' needs a value"; out=$2; shift ;;
      *) exp_die "unknown flag '$1' (try --help)" ;;
    esac
    shift
  done
  local build=${DSGD_BUILD:-$exp_root/build}
  sim=$build/dsgd-sim plot=$build/dsgd-plot gen=$exp_root/platforms/gen
  [ -x "$sim" ] && [ -x "$plot" ] || exp_die "$build: no dsgd-sim or dsgd-plot there (build first: scripts/build.sh)"
  mkdir -p "$out" || exp_die "--out $out: cannot create"
  : > "$out/claims.txt"
  exp_start=$SECONDS
  exp_log "$study: output in $out$( [ $quick = 1 ] && echo ' (quick mode)')"
}

exp_die() {
  echo "${study:-experiments}: $*" >&2
  exit 1
}

exp_log() { printf '[%4ds] %s\n' $((SECONDS - ${exp_start:-$SECONDS})) "$*" >&2; }

# A key of dsgd-sim's one-line JSON (numbers, null, or a string unquoted).
exp_json() { sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<< "$1"; }

# Runs dsgd-sim with the given flags (plus --json --quiet) and prints its
# JSON; a failed run stops the study with the command and its stderr.
exp_sim() {
  local json err
  err=$(mktemp)
  if ! json=$("$sim" "$@" --json --quiet 2> "$err"); then
    echo "${study}: run failed: dsgd-sim $*" >&2
    cat "$err" >&2
    rm -f "$err"
    exit 1
  fi
  rm -f "$err"
  echo "$json"
}

# The columns of a convergence table, and one row of it from a run: the
# series (free text, no commas), then the run's figures.
exp_conv_header='series,algo,nodes,workers,budget_s,time_s,iters,samples,samples_per_s,test_accuracy,final_loss,stopped_by'
exp_conv_row() { # series budget json
  local j=$3
  echo "$1,$(exp_json "$j" algo),$(exp_json "$j" nodes),$(exp_json "$j" workers),$2,$(exp_json "$j" time_s),$(exp_json "$j" iters),$(exp_json "$j" samples),$(exp_json "$j" samples_per_s),$(exp_json "$j" test_accuracy),$(exp_json "$j" final_loss),$(exp_json "$j" stopped_by)"
}

# Runs one series at each budget (seconds of simulated training), appending
# rows to CSV: exp_budgets CSV SERIES "B1 B2 .." dsgd-sim flags...
exp_budgets() {
  local csv=$1 series=$2 budgets=$3 b j
  shift 3
  for b in $budgets; do
    j=$(exp_sim "$@" --time-budget "$b")
    exp_conv_row "$series" "$b" "$j" >> "$csv"
    exp_log "  $series, budget $b s: accuracy $(exp_json "$j" test_accuracy) after $(exp_json "$j" samples) samples"
  done
}

# A column of a CSV by name, for the rows whose column KEY equals VALUE:
# exp_col CSV COLUMN [KEY VALUE]
exp_col() {
  awk -F, -v c="$2" -v k="${3:-}" -v v="${4:-}" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    k == "" || $(col[k]) == v { print $(col[c]) }' "$1"
}

# Simulated time at which a series first reaches an accuracy: the shortest
# time_s of its rows with test_accuracy >= TARGET; empty if none does.
exp_time_to() { # CSV SERIES TARGET
  awk -F, -v s="$2" -v t="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $(col["series"]) == s && $(col["test_accuracy"]) + 0 >= t + 0 {
      x = $(col["time_s"]) + 0; if (best == "" || x < best) best = x }
    END { if (best != "") printf "%.4g\n", best }' "$1"
}

# Which of two series reaches an accuracy first, on the grid of budgets:
# prints "FIGURE|VERDICT" (verdict 1: A first, 0: B first, x: neither
# reaches it, or both first do at the same budget: the grid cannot tell).
exp_race() { # CSV A B TARGET
  local ta tb ba bb fig
  ta=$(exp_time_to "$1" "$2" "$4") tb=$(exp_time_to "$1" "$3" "$4")
  ba=$(exp_first_budget "$1" "$2" "$4") bb=$(exp_first_budget "$1" "$3" "$4")
  local a_at=${ta:+$ta s} b_at=${tb:+$tb s}
  fig="${2%% *} ${a_at:-never (within the budgets)}, ${3%% *} ${b_at:-never (within the budgets)} to $(exp_fmt "$4 * 100" %g) %"
  if [ -z "$ta$tb" ]; then echo "$fig|x"
  elif [ -z "$tb" ]; then echo "$fig|1"
  elif [ -z "$ta" ]; then echo "$fig|0"
  elif [ "$ba" = "$bb" ]; then echo "$fig (both first at the $ba s budget)|x"
  elif exp_lt "$ta" "$tb"; then echo "$fig|1"
  else echo "$fig|0"
  fi
}

# The smallest budget whose run of a series reaches an accuracy.
exp_first_budget() { # CSV SERIES TARGET
  awk -F, -v s="$2" -v t="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $(col["series"]) == s && $(col["test_accuracy"]) + 0 >= t + 0 {
      x = $(col["budget_s"]) + 0; if (best == "" || x < best) best = x }
    END { if (best != "") print best }' "$1"
}

# Accuracy of a series at (the run of) a budget.
exp_acc_at() { # CSV SERIES BUDGET
  awk -F, -v s="$2" -v b="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $(col["series"]) == s && $(col["budget_s"]) + 0 == b + 0 { print $(col["test_accuracy"]); exit }' "$1"
}

# Floating-point comparison: exp_lt A B is true when A < B (A and B may be
# arithmetic expressions of numbers, e.g. "0.87 - 0.01").
exp_lt() { awk "BEGIN { exit !(($1) < ($2)) }"; }
# exp_fmt EXPR [FORMAT]: an arithmetic expression of numbers, formatted.
exp_fmt() { awk "BEGIN { printf \"${2:-%.3g}\", ($1) }"; }

# CLAIM: text | dsgd: number | verdict   (verdict: 1 reproduced, 0 not,
# anything else inconclusive)
exp_claim() { # TEXT NUMBER VERDICT
  local v
  case $3 in
    1) v=reproduced ;;
    0) v="not reproduced" ;;
    *) v=inconclusive ;;
  esac
  echo "CLAIM: $1 | dsgd: $2 | $v" | tee -a "$out/claims.txt"
}

# Accuracy against simulated time, one line per series (plots/budget.gp).
exp_plot_budget() { # CSV PNG TITLE
  local tmp=$2.tmp.png
  gnuplot -e "input='$1'; output='$tmp'; title='$3'; plotdir='$exp_root/plots'" \
    "$exp_root/plots/budget.gp" 2> "$2.log" || { cat "$2.log" >&2; exp_die "gnuplot failed on $1"; }
  [ -s "$2.log" ] && cat "$2.log" >&2
  rm -f "$2.log"
  mv "$tmp" "$2"
  exp_log "figure: $2"
}

exp_done() {
  exp_log "$study: done in $((SECONDS - exp_start)) s; $(grep -c '' "$out/claims.txt") claims in $out/claims.txt"
}
