# make-ps4.awk — writes tests/data/ps4.csv, a hand-made trace of an
# asynchronous parameter server (rank 0) and three workers of different
# speeds (ranks 1-3), 8 iterations each.  It exercises what ssgd's traces do
# not have yet: blocking and non-blocking point-to-point messages (for the
# Chrome export's flow arrows and overlapping tracks), waits, `staleness`
# events (kind update, value = staleness) and test_accuracy evals.
#
# Worker w, iteration i: post irecv(params) ... load, compute, train_loss,
# isend(gradient) completed lazily at the next iteration's load, wait for
# the params.  Server: recv a gradient (first come, first served), update
# (recording the gradient's staleness), send the params back; every 6th
# update a test_loss and test_accuracy eval.
#
# usage: awk -f tests/data/make-ps4.awk > tests/data/ps4.csv
function ev(rank, kind, name, t0, t1, bytes, flops, peer, iter, value) {
    line[++n] = sprintf("%d,%s,%s,%.9f,%.9f,%d,%d,%d,%d,%s", rank, kind, name, t0 / 1000,
                        t1 / 1000, bytes, flops, peer, iter, value)
    key[n] = sprintf("%03d %016.9f %06d", rank, t0 / 1000, n)
}
BEGIN {
    workers = 3; iters = 8; grad = 40000
    cw[1] = 1.0; cw[2] = 1.3; cw[3] = 2.1   # compute time per worker (ms)
    version = 0; server_free = 0; updates = 0
    for (w = 1; w <= workers; w++) { t[w] = 0; it[w] = 0; have[w] = 0; isend_t0[w] = -1 }
    for (;;) {
        best = 0
        for (w = 1; w <= workers; w++)
            if (it[w] < iters && (best == 0 || t[w] + 0.1 + cw[w] < t[best] + 0.1 + cw[best]))
                best = w
        if (best == 0) break
        w = best
        io_end = t[w] + 0.1; c_end = io_end + cw[w]
        if (isend_t0[w] >= 0)   # last gradient's isend completes when we load again
            ev(w, "send", "isend", isend_t0[w], io_end, grad, 0, 0, it[w] - 1, 0)
        ev(w, "io", "load_batch", t[w], io_end, 8320, 0, -1, it[w], 0)
        ev(w, "compute", "fwdbwd", io_end, c_end, 0, 1313600 * cw[w], -1, it[w], 0)
        loss = 2.3 * exp(-0.09 * updates) + 0.15 + 0.05 * sin(updates * 2.7 + w)
        ev(w, "eval", "train_loss", c_end, c_end, 0, 0, -1, it[w], sprintf("%.6f", loss))
        isend_t0[w] = c_end
        # server: blocking recv of the gradient, update, send params back
        s_end = (server_free > c_end + 0.1 ? server_free : c_end + 0.1)
        ev(0, "recv", "recv", server_free, s_end, grad, 0, w, updates, 1)
        ev(0, "update", "staleness", s_end, s_end + 0.2, 0, 0, w, updates, version - have[w])
        version++; updates++
        ev(0, "send", "send", s_end + 0.2, s_end + 0.3, grad, 0, w, updates - 1, 2)
        arrival = s_end + 0.3; server_free = arrival
        if (updates % 6 == 0) {
            acc = 0.95 - 0.75 * exp(-0.12 * updates)
            ev(0, "eval", "test_loss", arrival, arrival, 0, 0, -1, updates - 1,
               sprintf("%.6f", 2.3 * exp(-0.09 * updates) + 0.2))
            ev(0, "eval", "test_accuracy", arrival, arrival, 0, 0, -1, updates - 1,
               sprintf("%.4f", acc))
        }
        ev(w, "recv", "irecv", t[w], arrival, grad, 0, 0, it[w], 0)
        if (arrival > c_end)
            ev(w, "wait", "irecv", c_end, arrival, 0, 0, 0, it[w], 0)
        have[w] = version; t[w] = arrival; it[w]++
    }
    for (w = 1; w <= workers; w++)  # the last isends complete at shutdown
        ev(w, "send", "isend", isend_t0[w], t[w], grad, 0, 0, iters - 1, 0)
    # sort by rank then start time (insertion sort: a few hundred lines)
    for (i = 2; i <= n; i++) {
        k = key[i]; l = line[i]
        for (j = i - 1; j >= 1 && key[j] > k; j--) { key[j + 1] = key[j]; line[j + 1] = line[j] }
        key[j + 1] = k; line[j + 1] = l
    }
    print "rank,kind,name,t0,t1,bytes,flops,peer,iter,value"
    for (i = 1; i <= n; i++) print line[i]
}
