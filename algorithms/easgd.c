/* easgd.c — asynchronous elastic averaging SGD (Zhang, Choromanska, LeCun
 * 2015).
 *
 * Roles: the last --servers S ranks hold the centre variable x~ (shard s
 * each); the others are workers taking local SGD steps on x_i.  Every
 * --tau steps a worker exchanges with the centre (--alpha):
 *     send x_i;  server: d <- alpha (x_i - x~);  x~ <- x~ + d;  return d
 *     x_i <- x_i - d
 * Done: each worker tells the servers; they return x~.  The workers'
 * spread is measured on their own models, then they evaluate the centre. */
#include <stdlib.h>

#include "algorithms/ps.h"

extern const dsgd_algo dsgd_algo_easgd;

static int serve(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l)
{
    size_t off, len;
    dsgd_ps_shard(w->params.len, l->n_servers, l->my_server, &off, &len);
    dsgd_vec centre = dsgd_vec_view(&w->params, off, len);
    dsgd_vec d = dsgd_vec_view(&w->grad, off, len);
    float alpha = (float)w->job->cfg->alpha;
    unsigned char *done = calloc((size_t)dsgd_size(c), 1);
    int rc = done ? DSGD_OK : DSGD_ENOMEM;
    /* Serve until every worker said done or failed (as asgd's server). */
    while (rc == DSGD_OK && dsgd_ps_owed(c, l, done) > 0) {
        dsgd_ps_header h;
        dsgd_msg_info info;
        rc = dsgd_recv(c, DSGD_ANY_SOURCE, DSGD_PS_TAG_HDR, &h, sizeof h, &info);
        if (rc == DSGD_EFAILED) { /* a worker failed: count again */
            rc = DSGD_OK;
            continue;
        }
        if (rc)
            break;
        int src = info.source;
        dsgd_set_iter(c, (long)h.iter);
        if ((int)h.kind & DSGD_PS_DONE) {
            done[src] = 1;
            rc = dsgd_send(c, src, DSGD_PS_TAG_REPLY, centre.data, dsgd_vec_bytes(&centre));
            rc = dsgd_forgive(c, rc, src);
            continue;
        }
        rc = dsgd_recv(c, src, DSGD_PS_TAG_DATA, d.data, dsgd_vec_bytes(&d), NULL);
        if (rc != DSGD_OK && (rc = dsgd_forgive(c, rc, src)) == DSGD_OK)
            continue; /* died before its whole model came */
        if (rc)
            break;
        double t0 = dsgd_now(c);
        double bytes = dsgd_vec_axpy(&d, -1.0f, &centre); /* d <- x_i - x~ */
        bytes += dsgd_vec_scale(&d, alpha);               /* d <- alpha (x_i - x~) */
        bytes += dsgd_vec_axpy(&centre, 1.0f, &d);        /* x~ <- x~ + d */
        rc = dsgd_memory(c, "elastic_update", bytes, t0);
        dsgd_record(c, DSGD_EV_UPDATE, "elastic", t0, alpha);
        if (rc == DSGD_OK)
            rc = dsgd_send(c, src, DSGD_PS_TAG_REPLY, d.data, dsgd_vec_bytes(&d));
        rc = dsgd_forgive(c, rc, src);
    }
    free(done);
    dsgd_set_iter(c, -1);
    return rc;
}

/* Sends x_i (or just "done") to every server, receives d (or x~) into into. */
static int exchange(dsgd_comm *c, const dsgd_layout *l, int kind, long t, const dsgd_vec *x,
                    dsgd_vec *into)
{
    int S = l->n_servers;
    dsgd_request *reqs[S];
    int rc = dsgd_ps_post_pull(c, l, into, DSGD_PS_TAG_REPLY, reqs);
    for (int s = 0; rc == DSGD_OK && s < S; s++) {
        dsgd_ps_header h = {kind, 0, (double)t, 0, 0, 0};
        rc = dsgd_send(c, l->servers[s], DSGD_PS_TAG_HDR, &h, sizeof h);
        if (rc == DSGD_OK && kind == DSGD_PS_PUSH) {
            size_t off, len;
            dsgd_ps_shard(x->len, S, s, &off, &len);
            dsgd_vec part = dsgd_vec_view(x, off, len);
            rc = dsgd_send(c, l->servers[s], DSGD_PS_TAG_DATA, part.data, dsgd_vec_bytes(&part));
        }
    }
    int r = dsgd_ps_wait_all(c, reqs, S);
    return rc ? rc : r;
}

static int work(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l, dsgd_result *out)
{
    long tau = w->job->cfg->tau;
    dsgd_vec d;
    if (dsgd_vec_alloc(&d, w->params.len, dsgd_vec_is_phantom(&w->params)))
        return DSGD_ENOMEM;
    int rc = DSGD_OK;
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, out)) ||
            (rc = dsgd_worker_step(w, c, &w->grad)))
            break;
        if ((t + 1) % tau == 0) {
            if ((rc = exchange(c, l, DSGD_PS_PUSH, t, &w->params, &d)))
                break;
            double t0 = dsgd_now(c);
            rc = dsgd_memory(c, "elastic_update", dsgd_vec_axpy(&w->params, -1.0f, &d), t0);
        }
        if (rc == DSGD_OK)
            rc = dsgd_worker_after_step(w, c, t + 1, out);
        dsgd_worker_progress(w, c, t, out);
    }
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK) /* d receives the centre */
        rc = exchange(c, l, DSGD_PS_DONE, w->iters, &w->params, &d);
    dsgd_group *live = NULL; /* the workers that have not failed */
    if (rc == DSGD_OK && (rc = dsgd_group_survivors(c, w->eval_group, &live)) == DSGD_OK)
        rc = dsgd_worker_spread(w, c, live ? live : w->eval_group, &out->spread);
    if (live)
        dsgd_group_free(c, live);
    w->measure_spread = 0;
    dsgd_vec_copy(&w->params, &d); /* evaluate the centre */
    dsgd_vec_free(&d);
    return rc;
}

static int easgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    return dsgd_ps_run(&dsgd_algo_easgd, serve, work, c, job, out);
}

const dsgd_algo dsgd_algo_easgd = {
    .name = "easgd",
    .summary = "asynchronous elastic averaging SGD: every --tau steps a worker and the centre "
               "move towards each other by --alpha",
    .flags = "--servers S --tau N --alpha X",
    .run = easgd_run,
    .roles = dsgd_roles_servers_last,
};
