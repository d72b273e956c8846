/* layout.h — who does what in a run: the roles of the ranks, the nodes that
 * group them, and the group of all workers.
 *
 * Variants with non-worker ranks (servers, communicators) put them where
 * rank 0 stays a worker (the programs report rank 0's result).  The role
 * table comes from the variant's dsgd_algo.roles, so the simulator can
 * read the same table to place each role on a fitting host. */
#ifndef DSGD_LAYOUT_H
#define DSGD_LAYOUT_H

#include "algorithms/algo.h"

/* Every rank holds its own view.  A layout where every rank is a worker
 * (most variants) has no table; the others' tables are built once per
 * process and shared (dsgd_shared_put): one table of every rank per rank
 * would be size^2 in the simulator (50 GiB at 65,536 ranks).  Read it
 * through the accessors below. */
typedef struct dsgd_layout {
    int size;
    int node_size; /* --node-size (0: nodes are the platform's machines) */
    int n_workers, n_servers;
    const dsgd_role *role;        /* per rank; NULL: every rank is a worker */
    const int *workers, *servers; /* world ranks, ascending; workers NULL: every rank */
    int my_worker;            /* this rank's index among the workers, -1 if none */
    int my_server;            /* ... among the servers, -1 if none */
    dsgd_group *worker_group; /* all workers; NULL on other ranks, and the world when
                                 every rank is a worker */
} dsgd_layout;

static inline dsgd_role dsgd_layout_role(const dsgd_layout *l, int rank)
{
    return l->role ? l->role[rank] : DSGD_ROLE_WORKER;
}
/* World rank of worker i. */
static inline int dsgd_layout_worker(const dsgd_layout *l, int i)
{
    return l->workers ? l->workers[i] : i;
}
/* Node of a rank as the variants see it (after --node-size). */
int dsgd_layout_node(dsgd_comm *c, const dsgd_layout *l, int rank);

/* Nodes as the variants see them: rank / cfg->node_size when it is set,
 * else the platform's machines.  Fills node[0..size-1], returns their count. */
int dsgd_layout_nodes(const dsgd_config *cfg, int size, const int *node_of_rank, int *node);

/* Builds this rank's view of algo's layout; creates worker_group
 * (collective over the workers).  Returns DSGD_OK or a status with the
 * reason in out->error (the same on every rank). */
int dsgd_layout_init(dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c, const dsgd_config *cfg,
                     dsgd_result *out);
void dsgd_layout_free(dsgd_layout *l, dsgd_comm *c);
/* The lowest-ranked worker not known to have failed (-1 if none). */
int dsgd_layout_first_alive(dsgd_comm *c, const dsgd_layout *l);

#endif
