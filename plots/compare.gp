# compare.gp — simulated versus real iteration time, per configuration.
# Input: a validation table, CSV with the header (columns in any order)
#   config,nodes,sim_iter_time_s,real_iter_time_s
# one row per configuration and node count (the calibration issue's
# dsgd-validate writes it).  Top: the two times side by side; bottom: the
# simulator's error relative to the real run, (sim - real) / real.
# (The two timelines of one run, one above the other: timeline.gp with two
# inputs, or `dsgd-plot compare SIM.csv REAL.csv`.)
# usage: gnuplot -e "input='v.csv'; output='v.png'" plots/compare.gp
#   optional: title; width; height; plotdir
if (!exists("input")) input = 'validation.csv'
if (!exists("title")) title = 'simulated vs real iteration time'
if (!exists("plotdir")) plotdir = 'plots'
rows_cmd = sprintf("awk -f \"%s/table.awk\" -v mode=rows -v cols=nodes,sim_iter_time_s,real_iter_time_s \"%s\"", plotdir, input)
labels_cmd = sprintf("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $0 != \"\" { n = $c[\"nodes\"]; print \"\\\"\" $c[\"config\"] \"\\\\n\" n (n == 1 ? \" node\" : \" nodes\") \"\\\" \" (NR - 2) }' \"%s\"", input)
rows = int(system(rows_cmd.' | wc -l'))
t_max = real(system(rows_cmd." | awk 'BEGIN { m = 0 } { if ($3 > m) m = $3; if ($4 > m) m = $4 } END { print m }'"))
scale = t_max >= 2 ? 1 : t_max >= 2e-3 ? 1e3 : 1e6
unit = t_max >= 2 ? 's' : t_max >= 2e-3 ? 'ms' : 'µs'

default_width = rows > 8 ? 100 * rows + 200 : 1000; default_height = 700
load plotdir.'/common.gp'

xtic_labels = system(labels_cmd.' | paste -sd,')
set xrange [-0.6:rows-0.4]
set style fill solid 0.9 noborder
set boxwidth 0.38
set grid noxtics
set lmargin 12; set rmargin 4
set multiplot title title font ',13'
set size 1,0.60; set origin 0,0.36
set bmargin 1
set xtics 0,1 scale 0 format ''
set ylabel sprintf('iteration time (%s)', unit)
set yrange [0:*]
set key top left
src = quote('< '.rows_cmd)
eval 'plot '.src.sprintf(" using ($1-0.2):($3*%g) with boxes lt 1 title 'simulated (dsgd-sim)', ", scale).src.sprintf(" using ($1+0.2):($4*%g) with boxes lt 2 title 'real (dsgd-run)'", scale)
set size 1,0.36; set origin 0,0.0
set tmargin 0.5; set bmargin 3.5
set ylabel 'error: (sim - real) / real (%)'
set yrange [*:*]
set xtics () scale 0 format '%g'
eval 'set xtics add (' . xtic_labels . ')'
set key off
set boxwidth 0.5
eval 'plot '.src." using 1:(($3-$4)/$4*100):(($3 >= $4) ? 0xD55E00 : 0x0072B2) with boxes lc rgb variable notitle, 0 with lines lc rgb '#404040' lw 1 notitle"
unset multiplot
