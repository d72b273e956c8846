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

/* The role table of a run: every rank derives the same, so the first to
 * need it builds it and the others share it (dsgd_shared_put). */
typedef struct layout_table {
    int n_workers, n_servers;
    dsgd_role *role;        /* NULL: every rank is a worker (then no lists either) */
    int *workers, *servers; /* world ranks, ascending */
    int *index;             /* index[r]: r's index among the workers, or among the servers */
} layout_table;

static void table_free(void *p)
{
    layout_table *t = p;
    if (!t)
        return;
    free(t->role);
    free(t->workers);
    free(t->servers);
    free(t->index);
    free(t);
}

/* Builds the table of algo's roles over n ranks; NULL with *rc and
 * out->error on failure. */
static layout_table *table_build(const dsgd_algo *algo, dsgd_comm *c, const dsgd_config *cfg, int n,
                                 dsgd_result *out, int *rc)
{
    layout_table *t = calloc(1, sizeof *t);
    int *platform = malloc(sizeof *platform * (size_t)n);
    if (t) {
        t->role = malloc(sizeof *t->role * (size_t)n);
        t->workers = malloc(sizeof *t->workers * (size_t)n);
        t->servers = malloc(sizeof *t->servers * (size_t)n);
        t->index = malloc(sizeof *t->index * (size_t)n);
    }
    if (!t || !platform || !t->role || !t->workers || !t->servers || !t->index) {
        free(platform);
        table_free(t);
        snprintf(out->error, sizeof out->error, "out of memory for the layout");
        *rc = DSGD_ENOMEM;
        return NULL;
    }
    for (int r = 0; r < n; r++)
        platform[r] = dsgd_node_of(c, r);
    int bad = dsgd_algo_roles(algo, cfg, n, platform, t->role, out->error, sizeof out->error);
    free(platform);
    if (!bad && t->role[0] != DSGD_ROLE_WORKER) {
        snprintf(out->error, sizeof out->error, "%s: rank 0 must be a worker", algo->base.name);
        bad = 1;
    }
    if (bad) {
        table_free(t);
        *rc = DSGD_EINVAL;
        return NULL;
    }
    for (int r = 0; r < n; r++) {
        t->index[r] = -1;
        if (t->role[r] == DSGD_ROLE_WORKER) {
            t->index[r] = t->n_workers;
            t->workers[t->n_workers++] = r;
        } else if (t->role[r] == DSGD_ROLE_SERVER) {
            t->index[r] = t->n_servers;
            t->servers[t->n_servers++] = r;
        }
    }
    if (t->n_workers == n) { /* the accessors answer without tables */
        free(t->role);
        free(t->workers);
        free(t->servers);
        free(t->index);
        t->role = NULL;
        t->workers = t->servers = t->index = NULL;
    }
    return t;
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
    char key[96];
    snprintf(key, sizeof key, "layout %s %d", algo->base.name, n);
    const layout_table *t = dsgd_shared_get(c, key);
    if (!t) {
        int rc;
        layout_table *built = table_build(algo, c, cfg, n, out, &rc);
        if (!built)
            return rc;
        if ((rc = dsgd_shared_put(c, key, built, table_free)) != DSGD_OK) {
            table_free(built);
            snprintf(out->error, sizeof out->error, "out of memory for the layout");
            return rc;
        }
        t = built;
    }
    l->role = t->role;
    l->workers = t->workers;
    l->servers = t->servers;
    l->my_worker = me;
    if (t->role) {
        l->n_workers = t->n_workers;
        l->n_servers = t->n_servers;
        l->my_worker = t->role[me] == DSGD_ROLE_WORKER ? t->index[me] : -1;
        l->my_server = t->role[me] == DSGD_ROLE_SERVER ? t->index[me] : -1;
    }
    out->workers = l->n_workers;
    if (l->my_worker >= 0 && l->workers)
        return dsgd_group_create_view(c, l->workers, l->n_workers, l->my_worker, &l->worker_group);
    return DSGD_OK;
}

void dsgd_layout_free(dsgd_layout *l, dsgd_comm *c)
{
    if (l->worker_group)
        dsgd_group_free(c, l->worker_group);
    memset(l, 0, sizeof *l); /* (the tables are the run's: dsgd_shared_put) */
}

int dsgd_layout_first_alive(dsgd_comm *c, const dsgd_layout *l)
{
    for (int i = 0; i < l->n_workers; i++)
        if (!dsgd_failed(c, dsgd_layout_worker(l, i)))
            return dsgd_layout_worker(l, i);
    return -1;
}
