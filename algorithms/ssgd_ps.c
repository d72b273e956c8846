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

extern const dsgd_algo dsgd_algo_ssgd_ps;

static int worker_loop(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l, dsgd_result *out)
{
    dsgd_request *pulls[l->n_servers];
    int rc = DSGD_OK;
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, out)) ||
            (rc = dsgd_ps_post_pull(c, l, &w->params, DSGD_PS_TAG_REPLY, pulls)) ||
            (rc = dsgd_ps_push(c, l, &w->grad, DSGD_PS_TAG_DATA)) ||
            (rc = dsgd_ps_wait_all(c, pulls, l->n_servers)) ||
            (rc = dsgd_worker_after_step(w, c, t + 1, out)))
            break;
        dsgd_worker_progress(w, c, t, out);
    }
    return rc;
}

static int ssgd_ps_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    return dsgd_ps_run(&dsgd_algo_ssgd_ps, dsgd_ps_serve_sync, worker_loop, c, job, out);
}

const dsgd_algo dsgd_algo_ssgd_ps = {
    .name = "ssgd-ps",
    .summary = "synchronous SGD through parameter servers: push gradients, servers average and "
               "step, pull parameters",
    .flags = "--servers S",
    .run = ssgd_ps_run,
    .roles = dsgd_roles_servers_last,
};
