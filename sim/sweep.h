/* sweep.h — dsgd-sim --sweep nodes=A,B,...: one simulation per node count,
 * run as parallel child processes, summarised in one scaling table. */
#ifndef DSGD_SWEEP_H
#define DSGD_SWEEP_H

#include <stddef.h>

#include "core/config.h"

/* Runs the sweep described by cfg->sweep, re-executing this program with
 * the same flags plus --nodes N for each point, at most `parallel` at a
 * time; writes the CSV table
 *     algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency
 * to cfg->sweep_out (atomically) or stdout.  Speedup is relative to one
 * node: the point nodes=1 if there is one, else sequential SGD on one
 * worker (simulated too; the same for every variant); efficiency is
 * speedup / nodes (servers and communicators count as nodes).  Returns the exit status;
 * on failure a one-line reason is in err. */
int dsgd_sweep_run(int argc, char **argv, const dsgd_config *cfg, int parallel, char *err,
                   size_t errlen);

/* Parses "nodes=16,64,256" into counts (ascending, distinct not required).
 * Returns the number of points, or -1 with a reason in err. */
int dsgd_sweep_parse(const char *spec, int *nodes, int max, char *err, size_t errlen);

#endif
