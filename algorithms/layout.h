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

typedef struct dsgd_layout {
    int size;
    dsgd_role *role; /* per rank */
    int *node;       /* node of each rank, after --node-size */
    int n_nodes;
    int n_workers, n_servers;
    int *workers, *servers;   /* world ranks, ascending */
    int my_worker;            /* this rank's index among the workers, -1 if none */
    int my_server;            /* ... among the servers, -1 if none */
    dsgd_group *worker_group; /* all workers (NULL on other ranks) */
} dsgd_layout;

/* Nodes as the variants see them: rank / cfg->node_size when it is set,
 * else the platform's machines.  Fills node[0..size-1], returns their count. */
int dsgd_layout_nodes(const dsgd_config *cfg, int size, const int *node_of_rank, int *node);

/* Roles of the parameter-server variants: the last cfg->servers ranks are
 * servers, the others workers (at least one of each). */
int dsgd_roles_servers_last(const dsgd_config *cfg, int size, const int *node_of_rank,
                            dsgd_role *role_of_rank, char *err, size_t errlen);

/* Builds this rank's view of algo's layout; creates worker_group
 * (collective over the workers).  Returns DSGD_OK or a status with the
 * reason in out->error (the same on every rank). */
int dsgd_layout_init(dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c, const dsgd_config *cfg,
                     dsgd_result *out);
void dsgd_layout_free(dsgd_layout *l, dsgd_comm *c);
/* The lowest-ranked worker not known to have failed (-1 if none). */
int dsgd_layout_first_alive(dsgd_comm *c, const dsgd_layout *l);

#endif
