# budget.gp — test accuracy against simulated training time, one line per
# series: each point is one run stopped by --time-budget (asynchronous
# variants cannot evaluate mid-run, so a curve is one run per budget).
# Input: a convergence table (experiments/lib.sh), CSV with at least the
# columns series,time_s,test_accuracy (any order; accuracy a fraction).
# usage: gnuplot -e "input='t.csv'; output='a.png'" plots/budget.gp
#   optional: title; width; height; plotdir; logx=1 (log-scale time axis)
if (!exists("input")) input = 'budget.csv'
if (!exists("title")) title = 'test accuracy against simulated time'
if (!exists("plotdir")) plotdir = 'plots'
if (!exists("logx")) logx = 0
default_width = 1000; default_height = 600
load plotdir.'/common.gp'

table(mode, g) = sprintf("awk -f \"%s/table.awk\" -v mode=%s -v group=series -v g=%d -v sort=time_s -v cols=time_s,test_accuracy \"%s\"", plotdir, mode, g, input)
groups = int(system(table('ngroups', 0)))

set title title font ',13'
set xlabel 'simulated training time (s)'
set ylabel 'test accuracy (%)'
if (logx) { set logscale x 10 }
set xrange [0:*]
if (logx) { set xrange [*:*] }
set key bottom right
cmd = 'plot '
do for [i=1:groups] {
    cmd = cmd . quote('< '.table('data', i)).' using 1:($2*100) with linespoints lt '.i.' title '.quote(system(table('label', i))).', '
}
eval cmd[1:strlen(cmd)-2]
