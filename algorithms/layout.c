/* layout.c — role tables and node groupings (see layout.h). */
#include "algorithms/layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dsgd_layout_nodes(const dsgd_config *cfg, int size, const int *node_of_rank, int *node)
{
    int n_nodes = 0;
    for (int r = 0; r < size; r++) {
        node[r] = cfg->node_size ? r / cfg->node_size : node_of_rank ? node_of_rank[r] : r;
        if (node[r] + 1 > n_nodes)
            n_nodes = node[r] + 1;
    }
    return n_nodes;
}

int dsgd_layout_node(dsgd_comm *c, const dsgd_layout *l, int rank)
{
    return l->node_size ? rank / l->node_size : dsgd_node_of(c, rank);
}

/* Lists the workers and servers of the role table; drops the tables when
 * every rank is a worker (the accessors then answer). */
static void list_roles(dsgd_layout *l, int me)
{
    l->my_worker = l->my_server = -1;
    for (int r = 0; r < l->size; r++) {
        if (l->role[r] == DSGD_ROLE_WORKER) {
            if (r == me)
                l->my_worker = l->n_workers;
            l->workers[l->n_workers++] = r;
        } else if (l->role[r] == DSGD_ROLE_SERVER) {
            if (r == me)
                l->my_server = l->n_servers;
            l->servers[l->n_servers++] = r;
        }
    }
    if (l->n_workers == l->size) {
        free(l->role);
        free(l->workers);
        free(l->servers);
        l->role = NULL;
        l->workers = l->servers = NULL;
    }
}

int dsgd_layout_init(dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c, const dsgd_config *cfg,
                     dsgd_result *out)
{
    memset(l, 0, sizeof *l);
    int n = l->size = dsgd_size(c), me = dsgd_rank(c);
    l->node_size = cfg->node_size;
    l->my_server = -1;
    out->workers = l->n_workers = n;
    if (!algo->roles) { /* every rank a worker: no table, no O(size) work per rank */
        l->my_worker = me;
        return DSGD_OK;
    }
    int *platform = malloc(sizeof *platform * (size_t)n);
    l->role = malloc(sizeof *l->role * (size_t)n);
    l->workers = malloc(sizeof *l->workers * (size_t)n);
    l->servers = malloc(sizeof *l->servers * (size_t)n);
    if (!platform || !l->role || !l->workers || !l->servers) {
        free(platform);
        snprintf(out->error, sizeof out->error, "out of memory for the layout");
        return DSGD_ENOMEM;
    }
    for (int r = 0; r < n; r++)
        platform[r] = dsgd_node_of(c, r);
    int rc = dsgd_algo_roles(algo, cfg, n, platform, l->role, out->error, sizeof out->error);
    free(platform);
    if (rc != 0)
        return DSGD_EINVAL;
    if (l->role[0] != DSGD_ROLE_WORKER) {
        snprintf(out->error, sizeof out->error, "%s: rank 0 must be a worker", algo->base.name);
        return DSGD_EINVAL;
    }
    l->n_workers = 0;
    list_roles(l, me);
    out->workers = l->n_workers;
    if (l->my_worker >= 0 && l->workers)
        return dsgd_group_create(c, l->workers, l->n_workers, &l->worker_group);
    return DSGD_OK;
}

void dsgd_layout_free(dsgd_layout *l, dsgd_comm *c)
{
    if (l->worker_group)
        dsgd_group_free(c, l->worker_group);
    free(l->role);
    free(l->workers);
    free(l->servers);
    memset(l, 0, sizeof *l);
}

int dsgd_layout_first_alive(dsgd_comm *c, const dsgd_layout *l)
{
    for (int i = 0; i < l->n_workers; i++)
        if (!dsgd_failed(c, dsgd_layout_worker(l, i)))
            return dsgd_layout_worker(l, i);
    return -1;
}
