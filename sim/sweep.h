/* sweep.h — dsgd-sim --sweep nodes=A,B,... [--sweep-variants FILE]: one
 * simulation per node count (and per variant), run as parallel child
 * processes of the one that loaded the platform, summarised in one
 * scaling table. */
#ifndef DSGD_SWEEP_H
#define DSGD_SWEEP_H

#include <stddef.h>

#include "core/config.h"

typedef struct dsgd_sweep dsgd_sweep;

/* What the sweep asks of the program: check parses a point's flags (argv
 * as the point's process gets them) and says what is wrong in err; run,
 * in a process forked after the platform was loaded, runs one point and
 * returns its exit status (its JSON line on stdout). */
typedef struct dsgd_sweep_hooks {
    int (*check)(int argc, char **argv, char *err, size_t errlen);
    int (*run)(int argc, char **argv);
} dsgd_sweep_hooks;

/* Plans the sweep of cfg->sweep (and cfg->sweep_variants: one variant's
 * flags per line, '#' comments; flags that the platform or the sweep fix,
 * such as --platform, --cfg, --nodes, are refused), checking every
 * variant's flags.  Each point's process gets this program's argv without
 * the sweep flags, its variant's line, then --nodes N --json --quiet.
 * Returns 0, or the exit status with a one-line reason in err. */
int dsgd_sweep_prepare(int argc, char **argv, const dsgd_config *cfg,
                       const dsgd_sweep_hooks *hooks, dsgd_sweep **sweep, char *err,
                       size_t errlen);

/* Runs the points, at most `parallel` at a time, each forked from this
 * process (which has loaded the platform); writes the CSV table
 *     algo,model,nodes,iter_time_s,samples_per_s,speedup,efficiency,baseline,note
 * to cfg->sweep_out (atomically) or stdout.  Speedup is relative to one
 * node: the variant's point nodes=1 if there is one, else sequential SGD
 * on one worker (simulated too; the same for every variant); efficiency
 * is speedup / nodes (servers and communicators count as nodes).  Returns
 * the exit status; on failure a one-line reason is in err. */
int dsgd_sweep_run(dsgd_sweep *sweep, int parallel, const dsgd_sweep_hooks *hooks, char *err,
                   size_t errlen);
void dsgd_sweep_free(dsgd_sweep *sweep);

/* Parses "nodes=16,64,256" into counts (ascending, distinct not required).
 * Returns the number of points, or -1 with a reason in err. */
int dsgd_sweep_parse(const char *spec, int *nodes, int max, char *err, size_t errlen);

#endif
