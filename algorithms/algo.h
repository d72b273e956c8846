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

typedef struct dsgd_algo {
    const char *name;
    const char *summary; /* one line */
    const char *flags;   /* the flags it reads beyond the common ones */
    dsgd_node_program run;
} dsgd_algo;

/* NULL if no variant has that name. */
const dsgd_algo *dsgd_algo_find(const char *name);
/* Prints every variant with its summary and flags (for --algo list). */
void dsgd_algo_list(FILE *out);

#endif
