/* ssgd.c — synchronous data-parallel SGD with an allreduce of gradients.
 *
 * Every rank is a worker with its own shard.  Iteration t:
 *     load minibatch t of my shard
 *     g <- gradient of the loss on it
 *     g <- (sum over workers of g) / N          (allreduce)
 *     x <- SGD-momentum step with g            (same on every worker)
 * All workers hold identical parameters after every step, so the run is
 * mathematically sequential SGD with an N-times larger minibatch. */
#include "algorithms/algo.h"
#include "algorithms/worker.h"

static int ssgd_loop(dsgd_worker *w, dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    int rc = dsgd_barrier(c, NULL);
    double t_start = dsgd_now(c);
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, out)) ||
            (rc = dsgd_allreduce(c, NULL, w->grad.data, w->grad.len)) ||
            (rc = dsgd_worker_scale(w, c, &w->grad, 1.0f / (float)dsgd_size(c))) ||
            (rc = dsgd_worker_step(w, c, &w->grad)) ||
            (rc = dsgd_worker_after_step(w, c, t + 1, out)))
            break;
        out->iters = t + 1;
        if (job->progress && dsgd_rank(c) == 0)
            job->progress(job->progress_ctx, t + 1, w->iters, dsgd_now(c));
    }
    out->time_s = dsgd_now(c) - t_start;
    dsgd_set_iter(c, -1);
    return rc;
}

static int ssgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    dsgd_worker w;
    int rc = dsgd_worker_init(&w, job, dsgd_rank(c), dsgd_size(c), out);
    rc = dsgd_worker_ready(&w, c, rc, out);
    if (rc == DSGD_OK)
        rc = ssgd_loop(&w, c, job, out);
    if (rc == DSGD_OK)
        rc = dsgd_worker_finish(&w, c, out);
    dsgd_worker_free(&w);
    return rc;
}

const dsgd_algo dsgd_algo_ssgd = {
    .name = "ssgd",
    .summary = "synchronous SGD: allreduce-average the gradients every step",
    .flags = "(common flags only)",
    .run = ssgd_run,
};
