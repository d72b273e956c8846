# hand-written: slower dense layers and loading than the defaults
efficiency.dense = 0.2
io_bw_Bps = 2e8

   overhead_s.dense=1e-6 # trailing comment
