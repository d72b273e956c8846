# dsgd cost profile (see core/cost.h)
# measured by hand
# for the fuzz seed
efficiency.dense = 0.69999999999999996
efficiency.conv = 0.55000000000000004
efficiency.pool = 0.050000000000000003
efficiency.act = 0.050000000000000003
efficiency.norm = 0.050000000000000003
efficiency.attention = 0.40000000000000002
efficiency.embedding = 0.02
efficiency.elementwise = 0.050000000000000003
efficiency.softmax_xent = 0.050000000000000003
overhead_s.conv = 1.9999999999999999e-06
layer_overhead_s = 1.0000000000000001e-05
io_bw_Bps = 1000000000
mem_bw_Bps = 10000000000
peak_flops = 1000000000000
jitter_cv = 0.10000000000000001
jitter_lognormal = 1
