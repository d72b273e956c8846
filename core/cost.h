/* cost.h — the cost profile: how a simulated host prices work.
 *
 * Time of a compute charge on a host of peak speed S (flop/s):
 *     t = sum over layer kinds k of flops_k / (S * efficiency_k)
 *         + layer_calls * layer_overhead_s
 * Data loading costs bytes / io_bw_Bps, vector ops bytes / mem_bw_Bps.
 * A profile file holds `key = value` lines ('#' starts a comment):
 *     efficiency.<kind>  fraction of peak, (0, 1]   (kinds: model.h)
 *     layer_overhead_s   seconds per layer invocation (launch, framework)
 *     io_bw_Bps          data-loading bandwidth per host
 *     mem_bw_Bps         memory bandwidth of vector ops
 * Keys not in the file keep their defaults (dsgd_cost_defaults).  The
 * calibration step writes measured profiles in this format. */
#ifndef DSGD_COST_H
#define DSGD_COST_H

#include <stddef.h>

#include "core/model.h"

typedef struct dsgd_cost_profile {
    double efficiency[DSGD_LAYER_KIND_COUNT];
    double layer_overhead_s;
    double io_bw_Bps;
    double mem_bw_Bps;
} dsgd_cost_profile;

/* Uncalibrated defaults, typical of a GPU running a framework: GEMM-heavy
 * kinds near peak, memory-bound kinds far below it (see cost.c). */
void dsgd_cost_defaults(dsgd_cost_profile *p);

/* Reads path over the current values of *p.  Returns 0, or -1 with a
 * one-line reason naming path:line in err. */
int dsgd_cost_load(const char *path, dsgd_cost_profile *p, char *err, size_t errlen);

/* Writes *p in the file format, atomically (temp file + rename). */
int dsgd_cost_save(const char *path, const dsgd_cost_profile *p, char *err, size_t errlen);

/* Seconds the work takes on a host of peak_flops. */
double dsgd_cost_compute_seconds(const dsgd_cost_profile *p, const dsgd_work *work,
                                 double peak_flops);

#endif
