/* calibrate.h — from execution traces to a simulator that reproduces them.
 *
 * dsgd-calibrate reads traces of real runs (the micro-benchmarks of
 * `dsgd-run --bench` first, any run's trace where it carries the same
 * information) and fits:
 *   - compute, per layer kind: time = flops / rate + overhead over the
 *     `bench:<kind>:fwd|bwd` compute events (flops column: the call's),
 *     and per kind and pass a cost curve, the mean time at each measured
 *     size (what the profile prices with: the line misses by 10-40 % where
 *     efficiency grows with the batch);
 *   - the network: one-way time = latency + bytes / bandwidth per range of
 *     message sizes, the ranges found from the data (fit.h), from the
 *     ping-pongs (a send immediately followed on the same rank by a receive
 *     of the same size from the same peer: half the round trip);
 *   - memory: bytes / mem_bw over the `bench:vec:*` memory events (else any
 *     memory event), scaled by the ranks that streamed at once per host;
 *   - I/O: bytes / io_bw over the `bench:io` io events (else any io event),
 *     and a cost curve over them (what the profile prices loads with);
 *   - waking: the mean overshoot of `bench:nap` waits (a nap's actual
 *     length minus the one asked for) -> wake_latency_s;
 *   - a check: the allreduce events against the runs' allreduce algorithm
 *     (ring, or the binomial tree of Open MPI's libnbc) priced with the
 *     fitted network (reported, not fitted).
 * and writes what dsgd-sim loads: a cost profile (core/cost.h) and a
 * SimGrid platform whose hosts have the machine's cores, whose speed is the
 * profile's peak_flops, and whose <config> holds the piecewise network as
 * SMPI's lat-factor/bw-factor when one line does not fit all sizes.
 *
 * How SimGrid 3.32 applies the factors (src/surf/network_smpi.cpp,
 * network_cm02.cpp), which the platform is written for: under
 * network/model:SMPI a message of S bytes on a route of latency L and
 * bottleneck bandwidth B takes L·lat_factor(S) + S / (B·bw_factor(S)) alone
 * on its route, where factor(S) is the value of the last threshold T < S in
 * "T0:v0;T1:v1;..." (1 when S ≤ every threshold).  So with thresholds 0 and
 * the fitted segments' upper ends, base L = the first segment's latency and
 * B = the last segment's bandwidth, each segment's line is reproduced.  The
 * rate is also capped at network/TCP-gamma / (2L) (written when it would
 * bind). */
#ifndef DSGD_CALIBRATE_H
#define DSGD_CALIBRATE_H

#include <stddef.h>

#include "core/cost.h"
#include "core/model.h"
#include "core/trace.h"
#include "traces/fit.h"

/* A fitted time = overhead + size / rate. */
typedef struct dsgd_calib_rate {
    int fitted;
    size_t events, points; /* events used; distinct sizes (their medians fitted) */
    double rate;           /* flop/s or B/s */
    double overhead_s;
    double rms_rel, max_rel;
} dsgd_calib_rate;

typedef struct dsgd_calib_network {
    int fitted;
    size_t pairs, points;
    dsgd_segments fit; /* x: bytes, y: one-way seconds */
    double min_bytes, max_bytes;
} dsgd_calib_network;

typedef struct dsgd_calib_check {
    char algo[24];                             /* the algorithm priced: "ring" or "tree" */
    size_t points;                             /* (size, group) medians compared */
    double median_ratio, min_ratio, max_ratio; /* measured / predicted */
} dsgd_calib_check;

typedef struct dsgd_calibration {
    dsgd_calib_rate kind[DSGD_LAYER_KIND_COUNT];
    /* per kind and pass (forward, backward): the mean time at each size
     * measured, which prices calls by their size (cost.h); the rate and
     * overhead above are reported, and price kinds without curves */
    dsgd_cost_curve curve[DSGD_LAYER_KIND_COUNT][2];
    dsgd_calib_network net;
    dsgd_calib_rate mem, io;
    dsgd_cost_curve io_curve; /* the mean time per load at each size measured */
    int mem_streams; /* ranks per host that ran vector benchmarks together */
    dsgd_calib_check allreduce;
    double peak_flops; /* host speed: the fastest kind's rate unless given */
    int peak_given;
    int cores, hosts;
    /* Run-to-run spread of compute times: repeated calls of the same work
     * (rank, name, flops) relative to their group's mean, pooled. */
    size_t jitter_events, jitter_groups;
    double jitter_cv;       /* coefficient of variation (0: not measured) */
    double jitter_skewness; /* of the relative times */
    int jitter_lognormal;   /* the skewness is closer to a lognormal's (3 cv + cv^3) than 0 */
    /* bench:nap waits: how much longer than asked a nap lasts (the mean),
     * its percentiles 0..100, and the expected delay of a wait that ends
     * inside a 64 us nap, E[X^2] / 2 E[X] over X = 64 us + overshoot (the
     * inspection paradox: a heavy tail makes it far more than the mean) */
    size_t nap_events;
    double wake_latency_s;
    double wake_q[DSGD_WAKE_QUANTILES];
    double wake_residual_s;
    size_t traces, events;
    char notes[1024]; /* what was skipped and why ("; "-separated) */
} dsgd_calibration;

/* What the fit is told rather than finds: the platform to write and how
 * the runs' allreduce worked. */
typedef struct dsgd_calib_setup {
    int cores, hosts;  /* of the platform to write (>= 1) */
    double peak_flops; /* 0: the fastest fitted kind's rate */
    /* the runs' allreduce as dsgd-sim names it (their JSON's "allreduce":
     * "tree" for Open MPI); NULL or anything else: a ring.  The check
     * prices the allreduce events with it. */
    const char *allreduce;
} dsgd_calib_setup;

/* Fits traces[0..n-1].  Returns 0, or -1 with a one-line reason in err
 * (nothing to fit; a peak below a fitted rate). */
int dsgd_calibrate(const dsgd_trace *traces, size_t n, const dsgd_calib_setup *setup,
                   dsgd_calibration *cal, char *err, size_t errlen);

/* The fitted one-way time of a message of bytes (the segment it falls in). */
double dsgd_calib_oneway_seconds(const dsgd_calib_network *net, double bytes);

/* The profile: fitted values over dsgd_cost_defaults. */
void dsgd_calib_profile(const dsgd_calibration *cal, dsgd_cost_profile *p);

/* Writes NAME.profile and NAME.xml atomically; header: lines saying what
 * was measured, where and when (written as comments in both). */
int dsgd_calib_write(const dsgd_calibration *cal, const char *name, const char *header, char *err,
                     size_t errlen);

#endif
