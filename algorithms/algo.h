/* algo.h — what an SGD variant registers, and what a node program receives.
 *
 * Each variant is one file (ssgd.c, ...) exporting a dsgd_algo named
 * dsgd_algo_<file>; algorithms/variants.list names the files, and the build
 * turns that list into the table of variants a program offers
 * (dsgd_variants).  A variant is its component (name, summary, its own
 * options) and the hooks the common node program (node.h) calls on every
 * rank, on either backend. */
#ifndef DSGD_ALGO_H
#define DSGD_ALGO_H

#include <stdio.h>

#include "algorithms/comm.h"
#include "core/config.h"
#include "core/data.h"
#include "core/report.h"

/* Called by rank 0 after each iteration (may be NULL). */
typedef void (*dsgd_progress_fn)(void *ctx, long iter, long iters, double now);

typedef struct dsgd_algo dsgd_algo;

/* Everything a node program may read; shared read-only by all ranks. */
typedef struct dsgd_job {
    const dsgd_config *cfg;
    const dsgd_dataset *data;
    const dsgd_algo *algo; /* the variant dsgd_node_main runs */
    dsgd_progress_fn progress;
    void *progress_ctx;
    /* A descriptor model (timing only) built once for every rank to share,
     * or NULL: each worker builds its own.  A simulator's ranks are
     * thousands in one process: ResNet-50's layer list cost each of them
     * 13.5 KiB (measured) and its building 8 % of a 16,384-rank run's
     * CPU time (perf). */
    const struct dsgd_model *descriptor;
    /* where the workers' models compute (device.h); NULL: the CPU device */
    const struct dsgd_device *device;
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

typedef struct dsgd_node dsgd_node; /* node.h: a rank's worker, layout and state */
typedef int (*dsgd_node_hook)(dsgd_node *n, dsgd_comm *c);

struct dsgd_algo {
    dsgd_component base; /* name, one-line summary, its options (read with dsgd_node_options) */
    dsgd_roles_fn roles; /* NULL: every rank is a worker */
    /* How collectives dominate its communication: 1 if it talks only
     * through collectives (allreduce, allgather, bcast, reduce), which the
     * flow model prices as message level does; 0 if point to point
     * (servers, gossip), which only message level simulates. */
    int collectives_only;
    /* 1 if its workers need not run the same number of iterations (no
     * collective or synchronous server joins them during training): then
     * --time-budget and --samples stop each on its own; 0 (lock step):
     * they stop together (dsgd_worker_boundary). */
    int independent;
    /* 1 if its workers hold the same parameters whenever they evaluate
     * (ssgd, ssgd-ps, lsgd): --eval-model has nothing to choose between. */
    int replicated;
    /* 1 if its ranks are interchangeable: every rank a worker running the
     * same code, talking only through collectives of the whole world that
     * each rank joins alike (no point to point, no roles, no rank-dependent
     * branches besides rank 0's progress), so that a simulator may run one
     * representative machine and price the collectives for all (dsgd-sim
     * --symmetry; ssgd, localsgd, lasgd). */
    int symmetric;
    /* Ranks per node it groups consecutive ranks into when every machine
     * of the platform holds one rank and --node-size is not given (0: it
     * takes the machines as they are). */
    int node_size;
    /* The hooks of the common node program (node.h), any of them NULL. */
    size_t state_size;    /* the variant's own state, zeroed, in n->state */
    dsgd_node_hook start; /* after setup, before the ranks start together */
    /* A worker's iteration t, after it loaded its minibatch and computed
     * its gradient into n->w.grad: what makes the variant. */
    int (*step)(dsgd_node *n, dsgd_comm *c, long t);
    dsgd_node_hook work;  /* replaces the worker's whole loop (lsgd) */
    dsgd_node_hook drain; /* a worker, after its last step (timed) */
    dsgd_node_hook serve; /* the whole run of a rank that is not a worker */
    void (*stop)(dsgd_node *n, dsgd_comm *c); /* frees what start made */
};

/* The variants the program was built with (generated from
 * algorithms/variants.list), NULL-terminated: the --algo choices. */
extern const dsgd_component *const dsgd_variants[];

/* The command line of a program that runs the variants: the variants,
 * models and data sets it was built with (a backend adds its own). */
static inline dsgd_cli dsgd_algo_cli(dsgd_program prog, FILE *out)
{
    dsgd_cli cli = {.prog = prog, .out = out};
    cli.choices[DSGD_SEL_ALGO] = dsgd_variants;
    cli.choices[DSGD_SEL_MODEL] = dsgd_models;
    cli.choices[DSGD_SEL_DATA] = dsgd_datasets;
    return cli;
}

/* The variant a component is (its first member). */
static inline const dsgd_algo *dsgd_algo_of(const dsgd_component *c)
{
    return (const dsgd_algo *)c;
}

/* The role table of `algo` for size ranks (see dsgd_roles_fn). */
int dsgd_algo_roles(const dsgd_algo *algo, const dsgd_config *cfg, int size,
                    const int *node_of_rank, dsgd_role *role_of_rank, char *err, size_t errlen);
const char *dsgd_role_name(dsgd_role role);

#endif
