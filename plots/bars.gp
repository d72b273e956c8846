# bars.gp — one bar per row of a two-column table: "label" value (the
# label in double quotes, whitespace-separated), e.g. time per iteration
# per configuration (experiments/lsgd2019.sh).
# usage: gnuplot -e "input='b.dat'; output='b.png'; ylabel='ms'" plots/bars.gp
#   optional: title; width; height; plotdir
if (!exists("input")) input = 'bars.dat'
if (!exists("title")) title = ''
if (!exists("ylabel")) ylabel = ''
if (!exists("plotdir")) plotdir = 'plots'
default_width = 900; default_height = 500
load plotdir.'/common.gp'
set title title font ',13'
set style fill solid 0.8 border lc rgb '#404040'
set boxwidth 0.6
set yrange [0:*]
set ylabel ylabel
set xtics rotate by -30 nomirror
unset key
plot input using 0:2:xtic(1) with boxes lt 1, '' using 0:2:(sprintf('%.1f', $2)) with labels offset 0,0.7 notitle
