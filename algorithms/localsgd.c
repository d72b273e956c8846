/* localsgd.c — local SGD / periodic model averaging.
 *
 * Every rank is a worker taking plain local SGD steps on its shard; every
 * --sync-every steps, and after the last step when it did not fall on one,
 * the workers allreduce-average their models: x <- (1/N) sum x_i.  So the
 * run always ends with one model.  Momentum buffers stay local. */
#include "algorithms/node.h"

typedef struct localsgd_options {
    long sync_every;
} localsgd_options;

static const dsgd_option localsgd_options_table[] = {
    {"sync-every", DSGD_OPT_LONG, DSGD_OPT_AT(localsgd_options, sync_every), .def = "8", .min = 1,
     .metavar = "N", .help = "local steps between model averagings"},
    {.name = NULL},
};

static int average(dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    int rc = dsgd_allreduce(c, n->l.worker_group, w->params.data, w->params.len);
    return rc ? rc : dsgd_worker_scale(w, c, &w->params, 1.0f / (float)n->l.n_workers);
}

static int localsgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const localsgd_options *o = n->opt;
    int rc = dsgd_worker_step(&n->w, c, &n->w.grad);
    if (rc == DSGD_OK && (t + 1) % o->sync_every == 0)
        rc = average(n, c);
    return rc;
}

/* The last step was not an averaging step: average once more. */
static int localsgd_drain(dsgd_node *n, dsgd_comm *c)
{
    const localsgd_options *o = n->opt;
    return n->w.done % o->sync_every != 0 ? average(n, c) : DSGD_OK;
}

const dsgd_algo dsgd_algo_localsgd = {
    .base = {"localsgd",
             "local SGD: local steps, allreduce-average the models every --sync-every steps and "
             "at the end",
             localsgd_options_table, sizeof(localsgd_options)},
    .collectives_only = 1,
    .symmetric = 1,
    .step = localsgd_step,
    .drain = localsgd_drain,
};
