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

#include "algorithms/node.h"

typedef struct ssgd_options {
    double bucket_mb; /* 0: one allreduce after the backward pass */
} ssgd_options;

static const dsgd_option ssgd_options_table[] = {
    {"bucket-mb", DSGD_OPT_DOUBLE, DSGD_OPT_AT(ssgd_options, bucket_mb), .def = "0",
     .metavar = "MB",
     .help = "allreduce the gradient in buckets of MB MiB overlapping the backward pass (0: one "
             "allreduce after it)"},
    {.name = NULL},
};

/* Backward pass in buckets, each allreduced as soon as it is produced
 * (parameters lie in layer order: layer 0 first). */
static int bucketed_allreduce(dsgd_worker *w, dsgd_comm *c, double bucket_mb)
{
    const dsgd_model *m = &w->model;
    size_t bucket = (size_t)(bucket_mb * 1048576.0 / sizeof(float));
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

static int ssgd_start(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    const ssgd_options *o = n->opt;
    n->w.defer_backward = o->bucket_mb > 0;
    n->w.measure_spread = 0; /* identical replicas */
    return DSGD_OK;
}

static int ssgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    (void)t;
    const ssgd_options *o = n->opt;
    dsgd_worker *w = &n->w;
    int rc = o->bucket_mb > 0 ? bucketed_allreduce(w, c, o->bucket_mb)
                              : dsgd_allreduce(c, NULL, w->grad.data, w->grad.len);
    if (rc == DSGD_OK)
        rc = dsgd_worker_scale(w, c, &w->grad, 1.0f / (float)n->l.n_workers);
    return rc ? rc : dsgd_worker_step(w, c, &w->grad);
}

const dsgd_algo dsgd_algo_ssgd = {
    .base = {"ssgd", "synchronous SGD: allreduce-average the gradients every step",
             ssgd_options_table, sizeof(ssgd_options)},
    .collectives_only = 1,
    .replicated = 1,
    .symmetric = 1,
    .start = ssgd_start,
    .step = ssgd_step,
};
