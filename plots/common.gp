# common.gp — what every dsgd figure shares; each script loads it first.
# Picks the terminal from the output name (.svg: SVG, anything else: PNG
# through cairo), the size, a font, a grid and a palette of distinct,
# colour-blind-safe colours for linetypes 1-8 (Okabe & Ito), again
# dashed for 9-16.  Text is not
# "enhanced": file names with underscores print as they are.
# Variables (gnuplot -e): output; width, height in pixels (defaults: the
# calling script's default_width, default_height).
if (!exists("output")) output = 'dsgd.png'
if (!exists("width")) width = default_width
if (!exists("height")) height = default_height
if (output[strlen(output)-3:] eq '.svg') {
    set terminal svg size width,height fixed noenhanced font 'DejaVu Sans,12' background rgb 'white'
} else {
    set terminal pngcairo size width,height noenhanced font 'DejaVu Sans,11'
}
set output output
set datafile separator whitespace
set grid lc rgb '#d0d0d0'
set border lc rgb '#404040'
set key box lc rgb '#c0c0c0' opaque samplen 2.5
palette = '#0072B2 #E69F00 #009E73 #D55E00 #CC79A7 #56B4E9 #000000 #999999'
do for [i=1:8] {
    set linetype i lc rgb word(palette, i) lw 2 pt 7 ps 0.9
}
# 9-16 (ten algorithms in one figure): the same colours, dashed, squares.
do for [i=9:16] {
    set linetype i lc rgb word(palette, i - 8) lw 2 dt 3 pt 5 ps 0.9
}
# Quotes a string for a gnuplot command built with eval.
quote(s) = "'" . s . "'"
