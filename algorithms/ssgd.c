/* ssgd.c — synchronous data-parallel SGD with an allreduce of gradients.
 *
 * Every rank is a worker with its own shard.  Iteration t:
 *     load minibatch t of my shard
 *     g <- gradient of the loss on it
 *     g <- (sum over workers of g) / N          (allreduce)
 *     x <- SGD-momentum step with g            (same on every worker)
 * All workers hold identical parameters after every step, so the run is
 * mathematically sequential SGD with an N-times larger minibatch.
 *
 * --bucket-mb M (as PyTorch DDP): walking the layers from the last back,
 * as backpropagation produces their gradients, layers are gathered into
 * buckets of at least M MiB of gradient; each bucket's allreduce starts
 * (non-blocking) as soon as the backward pass of its layers is charged,
 * so communication overlaps the rest of the backward pass.  Every rank
 * makes the same buckets in the same order; all are waited for before the
 * step.  The sums are those of one allreduce (up to summation order). */
#include <stdlib.h>

#include "algorithms/algo.h"
#include "algorithms/worker.h"

/* Backward pass in buckets, each allreduced as soon as it is produced
 * (parameters lie in layer order: layer 0 first). */
static int bucketed_allreduce(dsgd_worker *w, dsgd_comm *c)
{
    const dsgd_model *m = &w->model;
    size_t bucket = (size_t)(w->job->cfg->bucket_mb * 1048576.0 / sizeof(float));
    dsgd_request **reqs = calloc((size_t)m->n_layers, sizeof *reqs);
    if (!reqs)
        return DSGD_ENOMEM;
    int rc = DSGD_OK, n = 0, end_layer = m->n_layers;
    size_t end = w->grad.len, count = 0;
    for (int l = m->n_layers - 1; rc == DSGD_OK && l >= 0; l--) {
        count += m->layers[l].params;
        if (l > 0 && (count == 0 || count < bucket))
            continue;
        count = l == 0 ? end : count; /* the first bucket takes what is left */
        rc = dsgd_worker_charge_backward(w, c, l, end_layer);
        end -= count;
        if (rc == DSGD_OK && count > 0)
            rc = dsgd_iallreduce(c, NULL, w->grad.data ? w->grad.data + end : NULL, count,
                                 &reqs[n++]);
        end_layer = l;
        count = 0;
    }
    for (int i = 0; i < n; i++)
        if (reqs[i]) {
            int r = dsgd_wait(c, &reqs[i], NULL);
            rc = rc ? rc : r;
        }
    free(reqs);
    return rc;
}

/* g <- sum over workers of g: one allreduce after the backward pass, or
 * buckets overlapping it. */
static int reduce_gradient(dsgd_worker *w, dsgd_comm *c)
{
    if (w->defer_backward)
        return bucketed_allreduce(w, c);
    return dsgd_allreduce(c, NULL, w->grad.data, w->grad.len);
}

static int ssgd_loop(dsgd_worker *w, dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    int rc = dsgd_barrier(c, NULL);
    double t_start = dsgd_now(c);
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, out)) ||
            (rc = reduce_gradient(w, c)) ||
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
    w.defer_backward = job->cfg->bucket_mb > 0;
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
    .flags = "--bucket-mb MB",
    .run = ssgd_run,
};
