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
#include "algorithms/worker.h"

extern const dsgd_algo dsgd_algo_lasgd;

typedef struct sync_state {
    dsgd_vec sum, snapshot;
    dsgd_request *req;
} sync_state;

/* x <- x + sum/N - snapshot once the allreduce is done (wait: block for it). */
static int land(dsgd_worker *w, dsgd_comm *c, sync_state *s, int n, int wait)
{
    if (!s->req)
        return DSGD_OK;
    int done = 1, rc = wait ? dsgd_wait(c, &s->req, NULL) : dsgd_test(c, &s->req, &done, NULL);
    if (rc != DSGD_OK || !done)
        return rc;
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&w->params, 1.0f / (float)n, &s->sum);
    bytes += dsgd_vec_axpy(&w->params, -1.0f, &s->snapshot);
    dsgd_record(c, DSGD_EV_UPDATE, "average", t0, n);
    return dsgd_memory(c, "land_average", bytes, t0);
}

static int lasgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    dsgd_worker w;
    dsgd_layout l;
    sync_state s = {{0}, {0}, NULL};
    int rc = dsgd_worker_setup(&w, &l, &dsgd_algo_lasgd, c, job, out);
    int phantom = dsgd_vec_is_phantom(&w.params);
    if (rc == DSGD_OK && (dsgd_vec_alloc(&s.sum, w.params.len, phantom) ||
                          dsgd_vec_alloc(&s.snapshot, w.params.len, phantom)))
        rc = DSGD_ENOMEM;
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    long every = job->cfg->sync_every;
    for (long t = w.start_iter; rc == DSGD_OK && t < w.iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(&w, c, t)) || (rc = dsgd_worker_gradient(&w, c, out)) ||
            (rc = dsgd_worker_step(&w, c, &w.grad)) || (rc = land(&w, c, &s, l.n_workers, 0)))
            break;
        if ((t + 1) % every == 0) {
            if ((rc = land(&w, c, &s, l.n_workers, 1)))
                break;
            double t1 = dsgd_now(c);
            double bytes = dsgd_vec_copy(&s.snapshot, &w.params) + dsgd_vec_copy(&s.sum, &w.params);
            if ((rc = dsgd_memory(c, "snapshot", bytes, t1)) ||
                (rc = dsgd_iallreduce(c, l.worker_group, s.sum.data, s.sum.len, &s.req)))
                break;
        }
        if ((rc = dsgd_worker_after_step(&w, c, t + 1, out)))
            break;
        dsgd_worker_progress(&w, c, t, out);
    }
    if (rc == DSGD_OK)
        rc = land(&w, c, &s, l.n_workers, 1);
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK)
        rc = dsgd_worker_finish(&w, c, out);
    dsgd_vec_free(&s.sum);
    dsgd_vec_free(&s.snapshot);
    dsgd_worker_free(&w);
    dsgd_layout_free(&l, c);
    return rc;
}

const dsgd_algo dsgd_algo_lasgd = {
    .name = "lasgd",
    .summary = "locally asynchronous SGD: a non-blocking allreduce of a model snapshot every "
               "--sync-every steps, local steps continue meanwhile",
    .flags = "--sync-every N",
    .run = lasgd_run,
};
