/* localsgd.c — local SGD / periodic model averaging.
 *
 * Every rank is a worker taking plain local SGD steps on its shard; every
 * --sync-every steps (and after the last) the workers allreduce-average
 * their models: x <- (1/N) sum x_i.  Momentum buffers stay local. */
#include "algorithms/worker.h"

extern const dsgd_algo dsgd_algo_localsgd;

static int average(dsgd_worker *w, dsgd_comm *c, dsgd_group *g, int n)
{
    int rc = dsgd_allreduce(c, g, w->params.data, w->params.len);
    return rc ? rc : dsgd_worker_scale(w, c, &w->params, 1.0f / (float)n);
}

static int localsgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    dsgd_worker w;
    dsgd_layout l;
    int rc = dsgd_worker_setup(&w, &l, &dsgd_algo_localsgd, c, job, out);
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    long every = job->cfg->sync_every;
    for (long t = w.start_iter; rc == DSGD_OK && t < w.iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(&w, c, t)) || (rc = dsgd_worker_gradient(&w, c, out)) ||
            (rc = dsgd_worker_step(&w, c, &w.grad)) ||
            ((t + 1) % every == 0 && (rc = average(&w, c, l.worker_group, l.n_workers))) ||
            (rc = dsgd_worker_after_step(&w, c, t + 1, out)))
            break;
        dsgd_worker_progress(&w, c, t, out);
    }
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK)
        rc = dsgd_worker_finish(&w, c, out);
    dsgd_worker_free(&w);
    dsgd_layout_free(&l, c);
    return rc;
}

const dsgd_algo dsgd_algo_localsgd = {
    .name = "localsgd",
    .summary = "local SGD: local steps, allreduce-average the models every --sync-every steps",
    .flags = "--sync-every N",
    .run = localsgd_run,
};
