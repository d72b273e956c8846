# scaling.gp — throughput and parallel efficiency against node count, one
# line per algorithm (per algorithm and model when the table has several).
# Input: a scaling table, CSV with the header (columns in any order)
#   algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency
# as written by `dsgd-sim --sweep` and scripts/demo.sh.
# usage: gnuplot -e "input='t.csv'; output='s.png'" plots/scaling.gp
#   optional: title='...'; width=1200; height=500; plotdir='plots'
# (build/dsgd-plot scaling t.csv -o s.png checks the table first.)
if (!exists("input")) input = 'scaling.csv'
if (!exists("title")) title = 'dsgd scaling'
if (!exists("plotdir")) plotdir = 'plots'
default_width = 1200; default_height = 500
load plotdir.'/common.gp'

table(mode, g) = sprintf("awk -f \"%s/table.awk\" -v mode=%s -v group=algo,model -v g=%d -v sort=nodes -v cols=nodes,samples_per_s,speedup,efficiency \"%s\"", plotdir, mode, g, input)
groups = int(system(table('ngroups', 0)))

set logscale x 2
set xlabel 'nodes (ranks, log2 scale)'
set format x '%g'
set key top left
set multiplot layout 1,2 title title font ',13'

# Throughput; dashed: each line's linear scaling (its 1-node rate times n).
set ylabel 'throughput (samples/s, log scale)'
set logscale y 10
set format y '%.0s%c'
cmd = 'plot '
do for [i=1:groups] {
    src = quote('< '.table('data', i))
    cmd = cmd . src . ' using 1:2 with linespoints lt '.i.' title '.quote(system(table('label', i))).', '
    cmd = cmd . src . ' using 1:($2/$3*$1) with lines lt '.i.' lw 1 dt 2 notitle, '
}
cmd = cmd . "NaN with lines lc rgb '#404040' lw 1 dt 2 title 'linear scaling'"
eval cmd

unset logscale y
set ylabel 'parallel efficiency (%)'
# Not capped at 100 %: a table measured against another baseline may
# exceed it, and the figure should show that rather than hide it.
set yrange [0:*]
# the left panel's legend names the lines; the dashed line is 100 %
unset key
cmd = 'plot '
do for [i=1:groups] {
    src = quote('< '.table('data', i))
    cmd = cmd . src . ' using 1:($4*100) with linespoints lt '.i.' title '.quote(system(table('label', i))).', '
}
cmd = cmd . "100 with lines lc rgb '#404040' lw 1 dt 2 title 'ideal'"
eval cmd
unset multiplot
