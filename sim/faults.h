/* faults.h — stragglers and failures for dsgd-sim (--slow, --fail).
 *
 *   --slow HOSTS:F[@T0-T1]  the hosts compute F times slower (from T0 to T1
 *                           seconds of simulated time, or always)
 *   --fail HOST@T           the rank (or every rank on the host) is killed
 *                           at T; peers learn it as comm.h's "Failures"
 *                           says (point to point fails, collectives stall)
 * HOSTS is a comma-separated list of host names (every rank on the host),
 * ranks, or rank ranges a-b; a host must be one of the run's ranks' hosts. */
#ifndef DSGD_FAULTS_H
#define DSGD_FAULTS_H

#include <simgrid/forward.h>
#include <stddef.h>

#include "core/config.h"

typedef struct dsgd_slow_window {
    int rank;
    double factor;
    double t0, t1; /* [t0, t1) in simulated seconds; t1 may be +inf */
} dsgd_slow_window;

typedef struct dsgd_failure {
    int rank;
    double t;
} dsgd_failure;

typedef struct dsgd_sim_faults {
    int n_slow, n_fail;
    dsgd_slow_window *slow;
    dsgd_failure *fail;
} dsgd_sim_faults;

/* Parses cfg->slow and cfg->fail against the n ranks' hosts.  Returns 0,
 * or -1 with a one-line reason naming the flag and value in err. */
int dsgd_sim_faults_parse(const dsgd_config *cfg, const sg_host_t *hosts, int n,
                          dsgd_sim_faults *faults, char *err, size_t errlen);
void dsgd_sim_faults_free(dsgd_sim_faults *faults);

/* The product of the slowdown factors active on rank at time t, and the
 * next time (> t) at which that product may change (+inf if never). */
double dsgd_sim_slowdown(const dsgd_sim_faults *faults, int rank, double t, double *next_change);

/* Whether --fail kills rank (at some time). */
int dsgd_sim_failed_rank(const dsgd_sim_faults *faults, int rank);

#endif
