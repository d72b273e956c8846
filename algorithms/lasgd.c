/* lasgd.c — Locally Asynchronous SGD (Avidor et al. 2022).
 *
 * Only the abstract is public ("asynchronous decentralized, relies on All
 * Reduce for model synchronization").  Our reading: every rank is a worker
 * taking local SGD steps; every --sync-every steps it snapshots x and
 * launches a non-blocking allreduce of the snapshot, and keeps stepping
 * while it is in flight (polled once per step, after the compute).  When
 * it completes:
 *     x <- x + (mean of the snapshots - my snapshot)
 * keeping the local progress made meanwhile.  A sync point that finds the
 * previous allreduce still in flight waits for it first; so does the end. */
#include "algorithms/node.h"

typedef struct lasgd_options {
    long sync_every;
} lasgd_options;

static const dsgd_option lasgd_options_table[] = {
    {"sync-every", DSGD_OPT_LONG, DSGD_OPT_AT(lasgd_options, sync_every), .def = "8", .min = 1,
     .metavar = "N", .help = "local steps between snapshot allreduces"},
    {.name = NULL},
};

typedef struct lasgd_state {
    dsgd_vec sum, snapshot;
    dsgd_request *req; /* the allreduce in flight */
} lasgd_state;

/* x <- x + sum/N - snapshot once the allreduce is done (wait: block for it). */
static int land(dsgd_node *n, dsgd_comm *c, int wait)
{
    lasgd_state *s = n->state;
    if (!s->req)
        return DSGD_OK;
    int done = 1, rc = wait ? dsgd_wait(c, &s->req, NULL) : dsgd_test(c, &s->req, &done, NULL);
    if (rc != DSGD_OK || !done)
        return rc;
    int workers = n->l.n_workers;
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&n->w.params, 1.0f / (float)workers, &s->sum);
    bytes += dsgd_vec_axpy(&n->w.params, -1.0f, &s->snapshot);
    dsgd_record(c, DSGD_EV_UPDATE, "average", t0, workers);
    return dsgd_memory(c, "land_average", bytes, t0);
}

static int lasgd_start(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    lasgd_state *s = n->state;
    return dsgd_vec_alloc_like(&n->w.params, &s->sum, &s->snapshot, NULL) ? DSGD_ENOMEM : DSGD_OK;
}

static int lasgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const lasgd_options *o = n->opt;
    lasgd_state *s = n->state;
    int rc;
    if ((rc = dsgd_worker_step(&n->w, c, &n->w.grad)) || (rc = land(n, c, 0)))
        return rc;
    if ((t + 1) % o->sync_every != 0)
        return DSGD_OK;
    if ((rc = land(n, c, 1)))
        return rc;
    double t1 = dsgd_now(c);
    double bytes = dsgd_vec_copy(&s->snapshot, &n->w.params) + dsgd_vec_copy(&s->sum, &n->w.params);
    if ((rc = dsgd_memory(c, "snapshot", bytes, t1)))
        return rc;
    return dsgd_iallreduce(c, n->l.worker_group, s->sum.data, s->sum.len, &s->req);
}

static int lasgd_drain(dsgd_node *n, dsgd_comm *c) { return land(n, c, 1); }

static void lasgd_stop(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    lasgd_state *s = n->state;
    dsgd_vec_free_all(&s->sum, &s->snapshot, NULL);
}

const dsgd_algo dsgd_algo_lasgd = {
    .base = {"lasgd",
             "locally asynchronous SGD: a non-blocking allreduce of a model snapshot every "
             "--sync-every steps, local steps continue meanwhile",
             lasgd_options_table, sizeof(lasgd_options)},
    .collectives_only = 1,
    .symmetric = 1,
    .state_size = sizeof(lasgd_state),
    .start = lasgd_start,
    .step = lasgd_step,
    .drain = lasgd_drain,
    .stop = lasgd_stop,
};
