/* ssgd_ps.c — synchronous SGD through --servers S parameter servers.
 *
 * Roles: the last S ranks are servers; server s owns the contiguous shard
 * s of the parameters.  Iteration t on a worker:
 *     load minibatch t; g <- gradient
 *     post the pull of every shard; push shard s of g to server s
 *     wait for the pulls: x <- the servers' new parameters
 * on a server (ps.c): receive every worker's shard of g, average them,
 * SGD-momentum step on its shard, send the shard to every worker.
 * Mathematically the same run as ssgd over the workers. */
#include "algorithms/ps.h"

typedef struct ssgd_ps_options {
    dsgd_ps_options ps;
} ssgd_ps_options;

static const dsgd_option ssgd_ps_options_table[] = {
    DSGD_PS_SERVERS_OPTION(ssgd_ps_options),
    {.name = NULL},
};

static int ssgd_ps_step(dsgd_node *n, dsgd_comm *c, long t)
{
    (void)t;
    const dsgd_layout *l = &n->l;
    dsgd_request *pulls[l->n_servers];
    int rc = dsgd_ps_post_pull(c, l, &n->w.params, DSGD_PS_TAG_REPLY, pulls);
    if (rc == DSGD_OK)
        rc = dsgd_ps_push(c, l, &n->w.grad, DSGD_PS_TAG_DATA);
    int r = dsgd_ps_wait_all(c, pulls, l->n_servers);
    return rc ? rc : r;
}

const dsgd_algo dsgd_algo_ssgd_ps = {
    .base = {"ssgd-ps",
             "synchronous SGD through parameter servers: push gradients, servers average and "
             "step, pull parameters",
             ssgd_ps_options_table, sizeof(ssgd_ps_options)},
    .roles = dsgd_roles_servers_last,
    .replicated = 1,
    .step = ssgd_ps_step,
    .serve = dsgd_ps_serve_sync,
};
