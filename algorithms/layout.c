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

int dsgd_roles_servers_last(const dsgd_config *cfg, int size, const int *node_of_rank,
                            dsgd_role *role_of_rank, char *err, size_t errlen)
{
    (void)node_of_rank;
    if (cfg->servers >= size) {
        snprintf(err, errlen, "--servers %d: needs at least %d ranks (one worker), got %d",
                 cfg->servers, cfg->servers + 1, size);
        return -1;
    }
    for (int r = 0; r < size; r++)
        role_of_rank[r] = r >= size - cfg->servers ? DSGD_ROLE_SERVER : DSGD_ROLE_WORKER;
    return 0;
}

int dsgd_layout_init(dsgd_layout *l, const dsgd_algo *algo, dsgd_comm *c, const dsgd_config *cfg,
                     dsgd_result *out)
{
    memset(l, 0, sizeof *l);
    int n = l->size = dsgd_size(c), me = dsgd_rank(c);
    int *platform = malloc(sizeof *platform * (size_t)n);
    l->role = malloc(sizeof *l->role * (size_t)n);
    l->node = malloc(sizeof *l->node * (size_t)n);
    l->workers = malloc(sizeof *l->workers * (size_t)n);
    l->servers = malloc(sizeof *l->servers * (size_t)n);
    if (!platform || !l->role || !l->node || !l->workers || !l->servers) {
        free(platform);
        snprintf(out->error, sizeof out->error, "out of memory for the layout");
        return DSGD_ENOMEM;
    }
    for (int r = 0; r < n; r++)
        platform[r] = dsgd_node_of(c, r);
    int rc = dsgd_algo_roles(algo, cfg, n, platform, l->role, out->error, sizeof out->error);
    l->n_nodes = dsgd_layout_nodes(cfg, n, platform, l->node);
    free(platform);
    if (rc != 0)
        return DSGD_EINVAL;
    l->my_worker = l->my_server = -1;
    for (int r = 0; r < n; r++) {
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
    if (l->role[0] != DSGD_ROLE_WORKER) {
        snprintf(out->error, sizeof out->error, "%s: rank 0 must be a worker", algo->name);
        return DSGD_EINVAL;
    }
    out->workers = l->n_workers;
    if (l->my_worker >= 0)
        return dsgd_group_create(c, l->workers, l->n_workers, &l->worker_group);
    return DSGD_OK;
}

void dsgd_layout_free(dsgd_layout *l, dsgd_comm *c)
{
    if (l->worker_group)
        dsgd_group_free(c, l->worker_group);
    free(l->role);
    free(l->node);
    free(l->workers);
    free(l->servers);
    memset(l, 0, sizeof *l);
}

int dsgd_layout_first_alive(dsgd_comm *c, const dsgd_layout *l)
{
    for (int i = 0; i < l->n_workers; i++)
        if (!dsgd_failed(c, l->workers[i]))
            return l->workers[i];
    return -1;
}
