# validation.gp — predicted against measured iteration time, one point per
# run: on the y = x line the simulator is exact; the band is ±5 %.
# Input: dsgd-validate's CSV (-o), or any table with the columns
#   real_iter_time_s,sim_iter_time_s and label (or algo and nodes, or config
#   and nodes); an optional `set` column (fit|held-out) draws held-out runs
#   apart.  Axes are logarithmic when the times span more than 20x.
# usage: gnuplot -e "input='v.csv'; output='v.png'" plots/validation.gp
#   optional: title; width; height; plotdir
if (!exists("input")) input = 'validation.csv'
if (!exists("title")) title = 'dsgd-sim against real runs: mean iteration time'
if (!exists("plotdir")) plotdir = 'plots'
default_width = 800; default_height = 750
load plotdir.'/common.gp'

rows_cmd = sprintf("awk -f \"%s/validation.awk\" \"%s\"", plotdir, input)
t_max = real(system(rows_cmd." | awk 'BEGIN { m = 0 } { if ($1 > m) m = $1; if ($2 > m) m = $2 } END { print m }'"))
t_min = real(system(rows_cmd." | awk 'NR == 1 { m = $1 } { if ($1 < m) m = $1; if ($2 < m) m = $2 } END { print m }'"))
held = int(system(rows_cmd." | awk '$3 == \"held-out\"' | wc -l"))
scale = t_max >= 2 ? 1 : t_max >= 2e-3 ? 1e3 : 1e6
unit = t_max >= 2 ? 's' : t_max >= 2e-3 ? 'ms' : 'µs'
logaxes = t_max > 20 * t_min
if (logaxes) {
    lo = t_min * scale / 1.5; hi = t_max * scale * 1.5
    set logscale xy
} else {
    lo = 0; hi = t_max * scale * 1.15
}
set xrange [lo:hi]; set yrange [lo:hi]
set size ratio -1
set title title font ',13'
set xlabel sprintf('measured (%s per iteration)', unit)
set ylabel sprintf('predicted by dsgd-sim (%s per iteration)', unit)
set key top left
set style fill transparent solid 0.18 noborder
set samples 400
src = quote('< '.rows_cmd)
band = "'+' using 1:(0.95*$1):(1.05*$1) with filledcurves lc rgb '#009E73' title '±5 %'"
diag = "x with lines lc rgb '#404040' lw 1 dt 2 title 'y = x'"
fit = src.sprintf(" using (strcol(3) eq 'fit' ? $1*%g : NaN):($2*%g) with points lt 1 pt 7 ps 1.3 title '%s'", scale, scale, held > 0 ? 'fit' : 'runs')
fitlab = src.sprintf(" using (strcol(3) eq 'fit' ? $1*%g : NaN):($2*%g):4 with labels left offset 0.8,0.5 font ',9' notitle", scale, scale)
heldpts = src.sprintf(" using (strcol(3) eq 'held-out' ? $1*%g : NaN):($2*%g) with points lt 4 pt 5 ps 1.3 title 'held out'", scale, scale)
heldlab = src.sprintf(" using (strcol(3) eq 'held-out' ? $1*%g : NaN):($2*%g):4 with labels left offset 0.8,-0.5 font ',9' tc rgb '#D55E00' notitle", scale, scale)
cmd = 'plot '.band.', '.diag.', '.fit.', '.fitlab
if (held > 0) cmd = cmd.', '.heldpts.', '.heldlab
eval cmd
