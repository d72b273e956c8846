/* algo.h — the registry of SGD variants and what a node program receives.
 *
 * Each variant is one file (ssgd.c, ...) exporting a dsgd_algo; registry.c
 * lists them.  A node program runs once per rank on either backend. */
#ifndef DSGD_ALGO_H
#define DSGD_ALGO_H

#include <stdio.h>

#include "algorithms/comm.h"
#include "core/config.h"
#include "core/data.h"
#include "core/report.h"

/* Called by rank 0 after each iteration (may be NULL). */
typedef void (*dsgd_progress_fn)(void *ctx, long iter, long iters, double now);

/* Everything a node program may read; shared read-only by all ranks. */
typedef struct dsgd_job {
    const dsgd_config *cfg;
    const dsgd_dataset *data;
    dsgd_progress_fn progress;
    void *progress_ctx;
} dsgd_job;

typedef int (*dsgd_node_program)(dsgd_comm *c, const dsgd_job *job, dsgd_result *out);

/* What a rank does in a variant.  Placement (a simulator putting servers on
 * CPU hosts and workers on accelerators) reads these; the algorithm's code
 * never depends on where a role runs. */
typedef enum dsgd_role {
    DSGD_ROLE_WORKER = 0,   /* trains on a data shard */
    DSGD_ROLE_SERVER,       /* holds (a shard of) parameters: ps, asgd, odsgd, easgd */
    DSGD_ROLE_COMMUNICATOR, /* a node's CPU-side reducer (lsgd) */
} dsgd_role;

/* Fills role_of_rank[0..size-1] for a run of `size` ranks whose machines
 * are node_of_rank[] (numbered as dsgd_node_of does; NULL: one machine per
 * rank).  Pure: no communication, callable before any rank starts.
 * Returns 0, or -1 with a one-line reason in err (e.g. fewer ranks than
 * the layout needs).  Variants without it make every rank a worker. */
typedef int (*dsgd_roles_fn)(const dsgd_config *cfg, int size, const int *node_of_rank,
                             dsgd_role *role_of_rank, char *err, size_t errlen);

typedef struct dsgd_algo {
    const char *name;
    const char *summary; /* one line */
    const char *flags;   /* the flags it reads beyond the common ones */
    dsgd_node_program run;
    dsgd_roles_fn roles; /* NULL: every rank is a worker */
} dsgd_algo;

/* The role table of `algo` for size ranks (see dsgd_roles_fn). */
int dsgd_algo_roles(const dsgd_algo *algo, const dsgd_config *cfg, int size,
                    const int *node_of_rank, dsgd_role *role_of_rank, char *err, size_t errlen);
const char *dsgd_role_name(dsgd_role role);

/* NULL if no variant has that name. */
const dsgd_algo *dsgd_algo_find(const char *name);
/* Prints every variant with its summary and flags (for --algo list). */
void dsgd_algo_list(FILE *out);

#endif
