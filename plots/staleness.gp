# staleness.gp — how stale the gradients of an asynchronous variant were.
# Input: traces with events named `staleness` (kind update or mark; value =
# how many model versions the gradient lagged, rounded to an integer).
# One bar colour per input, bars side by side; the legend gives each
# input's mean and maximum.
# usage: gnuplot -e "n_inputs=1; input1='t.csv'; output='s.png'" plots/staleness.gp
#   optional: label1..; title; width; height; plotdir
if (!exists("n_inputs")) n_inputs = 1
if (!exists("title")) title = 'gradient staleness'
if (!exists("plotdir")) plotdir = 'plots'
input(i) = value(sprintf('input%d', i))
basename(p) = system(sprintf('basename "%s" .csv', p))
label(i) = exists(sprintf('label%d', i)) ? value(sprintf('label%d', i)) : basename(input(i))
trace(mode, i) = sprintf("awk -f \"%s/trace.awk\" -v mode=%s \"%s\"", plotdir, mode, input(i))
default_width = 900; default_height = 500
load plotdir.'/common.gp'

s_min = 0; s_max = 0
do for [i=1:n_inputs] {
    # lowest and highest staleness (the same when every gradient was equally stale)
    h = system(trace('staleness', i).' | awk "NR == 1 { lo = \$1 } { hi = \$1 } END { print lo + 0, hi + 0 }"')
    s_min = int(word(h, 1)) < s_min ? int(word(h, 1)) : s_min
    s_max = int(word(h, 2)) > s_max ? int(word(h, 2)) : s_max
}
bar = 0.8 / n_inputs
set boxwidth bar
set style fill solid 0.9 noborder
set xrange [s_min-0.6:s_max+0.6]
set xtics 1 scale 0
if (s_max - s_min > 30) { set xtics autofreq }
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set grid noxtics
set xlabel 'staleness (model versions behind when the gradient was applied)'
set ylabel 'gradients applied (count)'
set title title font ',13'
set key top right
cmd = 'plot '
do for [i=1:n_inputs] {
    st = system(trace('stalestats', i))
    name = sprintf('%s: %d updates, mean %s, max %s', label(i), int(word(st, 1)), word(st, 2), word(st, 3))
    cmd = cmd . quote('< '.trace('staleness', i)) . sprintf(' using ($1 - 0.4 + %g):2 with boxes lt %d title ', bar * (i - 0.5), i) . quote(name) . ', '
}
eval cmd[1:strlen(cmd)-2]
