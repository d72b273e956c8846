# convergence.gp — loss and test accuracy against time and against epochs,
# one colour per input trace (an algorithm, a backend, a platform...).
# Input: traces (CSV, core/trace.h) with eval events: train_loss (per rank
# and iteration; averaged over ranks), test_loss and test_accuracy (a
# fraction 0..1, plotted in %).  The loss row appears only when some input
# has train_loss or test_loss events, the accuracy row only when some has
# test_accuracy events (a trace of accuracies alone gets that row alone).
# x axes: the time of the event (seconds: simulated for dsgd-sim traces,
# wall for dsgd-run) and iter / iters_per_epoch (iterations when
# iters_per_epoch is 0); evals with iter -1 (end of run) count as last + 1.
# usage: gnuplot -e "n_inputs=2; input1='a.csv'; input2='b.csv'; output='c.png'" plots/convergence.gp
#   optional: label1='...' (default: the file name); title; iters_per_epoch;
#   width; height; plotdir
if (!exists("n_inputs")) n_inputs = 1
if (!exists("title")) title = 'dsgd convergence'
if (!exists("plotdir")) plotdir = 'plots'
if (!exists("iters_per_epoch")) iters_per_epoch = 0
input(i) = value(sprintf('input%d', i))
basename(p) = system(sprintf('basename "%s" .csv', p))
label(i) = exists(sprintf('label%d', i)) ? value(sprintf('label%d', i)) : basename(input(i))
trace(mode, name, i) = sprintf("awk -f \"%s/trace.awk\" -v mode=%s -v name=%s \"%s\"", plotdir, mode, name, input(i))
count(name, i) = int(system(trace('count', name, i)))

has_accuracy = 0; has_loss = 0
do for [i=1:n_inputs] {
    if (count('test_accuracy', i) > 0) { has_accuracy = 1 }
    if (count('train_loss', i) + count('test_loss', i) > 0) { has_loss = 1 }
}
rows = has_loss + has_accuracy
default_width = 1200; default_height = rows > 1 ? 900 : 500
load plotdir.'/common.gp'

epochs = iters_per_epoch > 0
xepoch = epochs ? sprintf('($1/%d)', iters_per_epoch) : '1'
xlabel_epoch = epochs ? sprintf('epoch (%d iterations)', iters_per_epoch) : 'iteration'
set key top right

# Each panel's "plot ..." names only the series that have points, so that
# no panel warns about empty data.
set xrange [0:*]
set offsets 0, graph 0.03, 0, 0  # room for the end-of-run test point
set multiplot layout rows,2 title title font ',13'
do for [panel_row=1:rows] {
    row = has_loss ? panel_row : 2  # 1: loss, 2: accuracy
    do for [col=1:2] {
        xcol = col == 1 ? '2' : xepoch
        set xlabel (col == 1 ? 'time (s)' : xlabel_epoch)
        cmd = 'plot '
        if (row == 1) {
            set ylabel 'loss (cross-entropy, log scale)'
            set logscale y
            unset yrange
            do for [i=1:n_inputs] {
                if (count('train_loss', i) > 0) {
                    cmd = cmd . quote('< '.trace('train', 'train_loss', i)).' using '.xcol.':3 with lines lt '.i.' lw 1.5 title '.quote(label(i).' train').', '
                }
                if (count('test_loss', i) > 0) {
                    cmd = cmd . quote('< '.trace('eval', 'test_loss', i)).' using '.xcol.':3 with linespoints lt '.i.' dt 2 pt 7 ps 1.3 title '.quote(label(i).' test').', '
                }
            }
        } else {
            set ylabel 'test accuracy (%)'
            unset logscale y
            set yrange [0:100]
            set key bottom right
            do for [i=1:n_inputs] {
                if (count('test_accuracy', i) > 0) {
                    cmd = cmd . quote('< '.trace('eval', 'test_accuracy', i)).' using '.xcol.':($3*100) with linespoints lt '.i.' pt 7 title '.quote(label(i)).', '
                }
            }
        }
        eval cmd[1:strlen(cmd)-2]
    }
}
unset multiplot
