/* cost.h — the cost profile: how a simulated host prices work.
 *
 * Time of a compute charge on a host of peak speed S (flop/s):
 *     t = sum over layer kinds k of flops_k / (S * efficiency_k)
 *                                  + calls_k * overhead_k
 *         + (layer_calls - sum of calls_k) * layer_overhead_s
 * where overhead_k is the kind's own per-call overhead if the profile has
 * one, else layer_overhead_s (so work that does not say its calls' kinds
 * pays layer_overhead_s per call, as before per-kind overheads existed).
 * A kind may instead have measured cost curves, one per pass: a forward
 * (backward) call of f flops then takes the curve's time at f, linear
 * between its points (below the first: no more than its time, no less than
 * in proportion; above the last: along the last segment), times
 * peak_flops / S when the profile says its peak.  Kernels are faster per
 * flop on bigger calls (BLAS blocking, caches) and a kind's forward and
 * backward are different kernels: one rate and overhead per kind misprice
 * both (dsgd-calibrate writes curves from the layer micro-benchmarks).
 * Curves price work that lists its calls (dsgd_work.layers); the kind's
 * efficiency and overhead price the rest.
 * Data loading costs io_overhead_s + bytes / io_bw_Bps a load, vector ops
 * mem_overhead_s + bytes / mem_bw_Bps an op.
 * A profile file holds `key = value` lines ('#' starts a comment):
 *     efficiency.<kind>  fraction of peak, (0, 1]   (kinds: model.h)
 *     overhead_s.<kind>  seconds per call of that kind (>= 0)
 *     curve.<kind>.fwd   a cost curve: 2 to DSGD_COST_CURVE_POINTS points
 *     curve.<kind>.bwd   "F:T F:T ...", flops per call increasing, seconds
 *                        per call in (0, 1]
 *     curve.io           the same for data loading, bytes per load: it
 *                        prices loads instead of io_bw_Bps and
 *                        io_overhead_s (a load's rate grows with its size)
 *     layer_overhead_s   seconds per layer invocation (launch, framework)
 *                        of kinds without their own overhead
 *     io_bw_Bps          data-loading bandwidth per host
 *     io_overhead_s      seconds per load (>= 0; default 0)
 *     mem_bw_Bps         memory bandwidth of vector ops
 *     mem_overhead_s     seconds per vector op (>= 0; default 0)
 *     jitter_cv, jitter_lognormal  spread of compute times (sim/jitter.h)
 *     wake_latency_s     how much longer than asked a waiting rank's nap
 *                        lasts (dsgd-sim --waits polled; core/idle.h)
 *     wake_latency_quantiles_s  its distribution: the 101 percentiles 0,
 *                        1, .., 100 (seconds, non-decreasing, in [0, 1]);
 *                        dsgd-sim then draws each nap's overshoot from it
 *     peak_flops         the speed S the efficiencies were measured
 *                        against (dsgd-calibrate writes it, and the host
 *                        speed of its platform equals it); informative:
 *                        prices use the simulated host's own speed
 * Values outside what any machine does (a second per layer call, 1e16 B/s,
 * 1e20 flop/s) are refused with the line's number: they would make
 * simulated times absurd or infinite.  Keys not in the file keep their
 * defaults (dsgd_cost_defaults).  The
 * calibration step (dsgd-calibrate) writes measured profiles in this
 * format, with a '#' header saying what was measured, where and when. */
#ifndef DSGD_COST_H
#define DSGD_COST_H

#include <stddef.h>

#include "core/model.h"

#define DSGD_COST_CURVE_POINTS 16
#define DSGD_WAKE_QUANTILES 101 /* the naps' overshoot: its percentiles 0, 1, .., 100 */

/* Seconds per call at a call's size (flops, or bytes for io), sizes
 * increasing; n = 0: none. */
typedef struct dsgd_cost_curve {
    int n;
    double size[DSGD_COST_CURVE_POINTS];
    double seconds[DSGD_COST_CURVE_POINTS];
} dsgd_cost_curve;

typedef struct dsgd_cost_profile {
    double efficiency[DSGD_LAYER_KIND_COUNT];
    dsgd_cost_curve curve[DSGD_LAYER_KIND_COUNT][2]; /* [kind][0 forward, 1 backward] */
    double overhead_s[DSGD_LAYER_KIND_COUNT]; /* < 0: none, layer_overhead_s */
    double layer_overhead_s;
    double io_bw_Bps;
    double mem_bw_Bps;
    double io_overhead_s, mem_overhead_s; /* a call's fixed cost */
    dsgd_cost_curve io_curve;             /* n >= 2: prices loads instead */
    double peak_flops;                    /* 0: not said */
    /* Run-to-run spread of compute times as the calibration measured it
     * (dsgd-sim uses it when --jitter is not given): the coefficient of
     * variation (0: none) and whether its tail is heavy (1: lognormal). */
    double jitter_cv;
    double jitter_lognormal;
    double wake_latency_s; /* core/idle.h */
    /* The overshoot's distribution, when measured: wake_q[i] is its i-th
     * percentile (wake_n = DSGD_WAKE_QUANTILES; 0: the mean alone). */
    int wake_n;
    double wake_q[DSGD_WAKE_QUANTILES];
} dsgd_cost_profile;

/* Uncalibrated defaults, typical of a GPU running a framework: GEMM-heavy
 * kinds near peak, memory-bound kinds far below it (see cost.c). */
void dsgd_cost_defaults(dsgd_cost_profile *p);

/* Reads path over the current values of *p.  Returns 0, or -1 with a
 * one-line reason naming path:line in err. */
int dsgd_cost_load(const char *path, dsgd_cost_profile *p, char *err, size_t errlen);

/* Writes *p in the file format, atomically (temp file + rename), after
 * header (NULL: none): lines written as '# ' comments. */
int dsgd_cost_save(const char *path, const dsgd_cost_profile *p, char *err, size_t errlen);
int dsgd_cost_save_with_header(const char *path, const dsgd_cost_profile *p, const char *header,
                               char *err, size_t errlen);

/* The per-call overhead of kind k: its own, else layer_overhead_s. */
double dsgd_cost_overhead(const dsgd_cost_profile *p, int kind);

/* The overshoot at probability u in [0, 1) of the measured distribution
 * (linear between percentiles); wake_latency_s when there is none. */
double dsgd_cost_wake_draw(const dsgd_cost_profile *p, double u);

/* A curve's seconds per call at a call's size (n >= 2). */
double dsgd_cost_curve_seconds(const dsgd_cost_curve *c, double size);

/* Whether any layer kind has a cost curve (then work that lists its calls
 * is priced call by call; dsgd-sim's JSON says "compute_pricing"). */
int dsgd_cost_has_curves(const dsgd_cost_profile *p);

/* Seconds a data load of bytes takes: the io curve if there is one. */
double dsgd_cost_io_seconds(const dsgd_cost_profile *p, double bytes);

/* Seconds the work takes on a host of peak_flops. */
double dsgd_cost_compute_seconds(const dsgd_cost_profile *p, const dsgd_work *work,
                                 double peak_flops);

#endif
