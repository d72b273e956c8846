# scaling.gp — throughput and parallel efficiency against node count.
# Input: a scaling table (CSV with header
#   algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency)
# usage: gnuplot -e "input='t.csv'; output='s.png'; title='...'" plots/scaling.gp
if (!exists("input")) input = 'scaling.csv'
if (!exists("output")) output = 'scaling.png'
if (!exists("title")) title = 'dsgd scaling'
set terminal pngcairo size 1200,500 enhanced font 'DejaVu Sans,11'
set output output
set datafile separator ','
set key top left
set grid
set logscale x 2
set xlabel 'nodes'
set multiplot layout 1,2 title title
set ylabel 'throughput (samples/s)'
set logscale y 10
plot input using 3:5 skip 1 with linespoints lw 2 pt 7 title 'simulated', \
     '' using 3:($5/$6*$3) skip 1 with lines dt 2 lc rgb 'gray' title 'linear scaling'
unset logscale y
set ylabel 'parallel efficiency'
set yrange [0:1.05]
plot input using 3:7 skip 1 with linespoints lw 2 pt 7 title 'efficiency'
unset multiplot
