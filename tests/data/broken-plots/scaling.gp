# scaling.gp that fails halfway: dsgd-plot must leave no output behind.
set terminal pngcairo
set output output
plot sin(x)
plot nosuchfunction(x)
