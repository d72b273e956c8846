# trace.awk — turns a dsgd trace CSV (rank,kind,name,t0,t1,...,iter,value)
# into the columns the gnuplot scripts plot.  Columns are found by name in
# the header.  The plot driver (dsgd-plot) validates traces before these run.
#
# usage: awk -F, -f plots/trace.awk -v mode=MODE [-v name=N] [-v tmin=S -v tmax=S] TRACE.csv
# modes:
#   extent     "t_min t_max max_rank" over all events
#   cats       the timeline categories present (in window), one line: "1 2 4"
#   gantt      "category rank t0 t1" (seconds, clipped to [tmin,tmax]) for the
#              timeline; categories: 1 compute, 2 io, 3 memory,
#              4 communication (blocking send/recv/collective), 5 wait,
#              6 communication in flight (non-blocking: isend, irecv, iallreduce),
#              7 update (e.g. a parameter server applying a gradient); an update
#              that starts with a memory event of its rank (ssgd's optimiser
#              step: same t0, t1 a clock read later) is that event under
#              another name, and left out
#   train      "iter t_s loss": train_loss averaged over ranks per iteration,
#              at the time the last rank recorded it
#   eval       "iter t_s value" for events called `name` (averaged over ranks
#              per iteration); iter -1 (end of run) counts as last iter + 1
#   count      how many events are called `name` (with a finite value)
#   staleness  "staleness count" histogram of events called `staleness`
#              (values rounded to integers), sorted by staleness
#   stalestats "events mean max" of the staleness values
BEGIN { FS = "," }
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    R = col["rank"]; K = col["kind"]; N = col["name"]; T0 = col["t0"]; T1 = col["t1"]
    IT = col["iter"]; V = col["value"]
    windowed = (tmin != "" || tmax != "")
    next
}
$0 == "" { next }
function finite(s) { return s !~ /^[-+]?(nan|inf)/ }
function category(kind, nm) {
    if (kind == "compute") return 1
    if (kind == "io") return 2
    if (kind == "memory") return 3
    if (kind == "send" || kind == "recv" || kind == "collective")
        return (nm == "isend" || nm == "irecv" || nm == "iallreduce") ? 6 : 4
    if (kind == "wait") return 5
    if (kind == "update") return 7
    return 0
}
# The event clipped to the window; returns 0 when it lies outside.
function clip(   a, b) {
    a = $T0 + 0; b = $T1 + 0
    if (tmin != "" && a < tmin + 0) a = tmin + 0
    if (tmax != "" && b > tmax + 0) b = tmax + 0
    if (windowed && (b < a || b == a && ($T1 + 0 > $T0 + 0))) return 0
    lo = a; hi = b
    return 1
}
mode == "extent" {
    if (!seen || $T0 + 0 < emin) emin = $T0 + 0
    if (!seen || $T1 + 0 > emax) emax = $T1 + 0
    if ($R + 0 > rmax) rmax = $R + 0
    seen = 1
}
mode == "cats" || mode == "gantt" {
    c = category($K, $N)
    if (c == 3) memory_start[$R " " $T0] = 1
    if (c == 7 && clip()) { # decided at the end, once every memory event is known
        updates++; update_key[updates] = $R " " $T0
        update_row[updates] = sprintf("%d %d %.9f %.9f", c, $R, lo, hi)
    } else if (c && clip()) {
        if (mode == "gantt") printf "%d %d %.9f %.9f\n", c, $R, lo, hi
        present[c] = 1
    }
}
mode == "train" && $N == "train_loss" && finite($V) {
    if (!($IT in n) || $T1 + 0 > when[$IT]) when[$IT] = $T1 + 0
    sum[$IT] += $V; n[$IT]++
}
mode == "eval" && $N == name && finite($V) {
    if (!($IT in n) || $T1 + 0 > when[$IT]) when[$IT] = $T1 + 0
    sum[$IT] += $V; n[$IT]++
}
(mode == "eval" || mode == "train") && $IT + 0 > last_iter { last_iter = $IT + 0 }
mode == "count" && $N == name && finite($V) { count++ }
(mode == "staleness" || mode == "stalestats") && $N == "staleness" && finite($V) {
    s = int($V + ($V < 0 ? -0.5 : 0.5))
    hist[s]++; events++; total += $V
    if (events == 1 || s < smin) smin = s
    if (events == 1 || s > smax) smax = s
}
END {
    if (mode == "extent") printf "%.9f %.9f %d\n", emin, emax, rmax
    for (u = 1; u <= updates; u++)
        if (!(update_key[u] in memory_start)) {
            if (mode == "gantt") print update_row[u]
            present[7] = 1
        }
    if (mode == "cats") {
        sep = ""
        for (c = 1; c <= 7; c++) if (c in present) { printf "%s%d", sep, c; sep = " " }
        printf "\n"
    }
    if (mode == "train" || mode == "eval") {
        if (-1 in n) { # end-of-run evals go after the last iteration
            k = last_iter + 1
            sum[k] += sum[-1]; n[k] += n[-1]
            if (!(k in when) || when[-1] > when[k]) when[k] = when[-1]
            delete n[-1]
        }
        for (k = 0; k <= last_iter + 1; k++)
            if (k in n) printf "%d %.9f %.9g\n", k, when[k], sum[k] / n[k]
    }
    if (mode == "count") print count + 0
    if (mode == "staleness")
        for (s = smin; events && s <= smax; s++) printf "%d %d\n", s, hist[s] + 0
    if (mode == "stalestats")
        printf "%d %.3g %d\n", events, events ? total / events : 0, smax
}
