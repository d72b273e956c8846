# timeline.gp — a Gantt chart per rank from one or more traces, stacked one
# above the other on a common time axis (e.g. the simulated and the real run
# of the same configuration).  Colours: compute, io, memory, communication
# (blocking send/recv/collective), wait, update; non-blocking operations in
# flight (isend/irecv/iallreduce) are a thin band under the rank's bar, so
# they do not hide what the rank does meanwhile.  An update that starts
# with a memory event (ssgd's optimiser step) is that step, drawn once as
# memory.  Evals and marks are not drawn (they are points in time).
# usage: gnuplot -e "n_inputs=1; input1='t.csv'; output='t.png'" plots/timeline.gp
#   optional: label1..; title; tmin, tmax (seconds: the time window, for
#   long runs); width; height; plotdir
if (!exists("n_inputs")) n_inputs = 1
if (!exists("title")) title = 'dsgd timeline'
if (!exists("plotdir")) plotdir = 'plots'
input(i) = value(sprintf('input%d', i))
basename(p) = system(sprintf('basename "%s" .csv', p))
label(i) = exists(sprintf('label%d', i)) ? value(sprintf('label%d', i)) : basename(input(i))
window = (exists("tmin") ? sprintf(' -v tmin=%.12g', tmin) : '') . (exists("tmax") ? sprintf(' -v tmax=%.12g', tmax) : '')
trace(mode, i) = sprintf("awk -f \"%s/trace.awk\" -v mode=%s%s \"%s\"", plotdir, mode, window, input(i))

# Common time axis: the window, or 0 .. the latest end over all inputs.
t_end = 0; max_ranks = 1
do for [i=1:n_inputs] {
    extent = system(trace('extent', i))
    t_end = real(word(extent, 2)) > t_end ? real(word(extent, 2)) : t_end
    nr = int(word(extent, 3)) + 1
    max_ranks = nr > max_ranks ? nr : max_ranks
}
x0 = exists("tmin") ? tmin : 0
x1 = exists("tmax") ? tmax : t_end
span = x1 - x0
scale = span >= 2 ? 1 : span >= 2e-3 ? 1e3 : 1e6
unit = span >= 2 ? 's' : span >= 2e-3 ? 'ms' : 'µs'

panel_height = 80 + 28 * (max_ranks < 32 ? max_ranks : 32)
default_width = 1200; default_height = 60 + n_inputs * panel_height
load plotdir.'/common.gp'

names = 'compute io memory communication wait in-flight update'
colours = '#0072B2 #E69F00 #CC79A7 #009E73 #D55E00 #7fcfb9 #882255'
draw_order = '7 6 4 5 2 3 1'
# Bar: rank r spans [r-0.4, r+0.2]; in-flight band [r+0.24, r+0.4] (y reversed).
ylo(c) = c == 6 ? 0.24 : -0.4
yhi(c) = c == 6 ? 0.40 : 0.2

set xlabel sprintf('time (%s)', unit)
set xrange [x0*scale:x1*scale]
set ylabel 'rank'
set key outside right top
set style fill solid 1.0 noborder
set grid noytics
set multiplot layout n_inputs,1 title title font ',13'
do for [i=1:n_inputs] {
    extent = system(trace('extent', i))
    nr = int(word(extent, 3)) + 1
    set yrange [nr-0.5:-0.5]
    if (nr <= 32) { set ytics 1 } else { set ytics autofreq }
    set title label(i)
    cats = system(trace('cats', i))
    src = quote('< '.trace('gantt', i))
    cmd = 'plot '
    do for [k=1:words(draw_order)] {
        c = int(word(draw_order, k))
        if (strstrt(' '.cats.' ', ' '.c.' ') > 0) {
            cmd = cmd . src . sprintf(' using ($1==%d ? ($3+$4)/2*%g : NaN):($2+%g):(($4-$3)/2*%g):(%g)', c, scale, (ylo(c)+yhi(c))/2, scale, (yhi(c)-ylo(c))/2)
            cmd = cmd . ' with boxxyerror lc rgb ' . quote(word(colours, c)) . ' notitle, '
        }
    }
    do for [k=1:words(cats)] {  # the legend, in category order
        c = int(word(cats, k))
        cmd = cmd . 'keyentry with boxes lc rgb ' . quote(word(colours, c)) . ' title ' . quote(word(names, c)) . ', '
    }
    if (words(cats) == 0) { cmd = "plot NaN title 'no events in this window', " }
    eval cmd[1:strlen(cmd)-2]
}
unset multiplot
