/* odsgd.c — One-step-Delay SGD (Xu, Dong, Xu, Liao 2020).
 *
 * Roles: as ssgd-ps (the last --servers S ranks are servers doing the
 * synchronous global update, ps.c).  Worker, step t (after warm-up):
 *     load; g_t <- gradient on the local copy x^_t
 *     wait for the pull of w_t (posted last step); x <- w_t
 *     post the pull of w_{t+1}; push g_t
 *     local update: x^_{t+1} <- w_t - local_lr * (g_t + dc * g_t.g_t.(w_t - x^_t))
 * so step t+1 trains on x^_{t+1} while the pull of w_{t+1} is in flight.
 * The first --warmup-steps steps wait for their pull (plain synchronous
 * SGD, as ssgd-ps).  Choices: the local optimiser is plain SGD; delay
 * compensation (DC-ASGD, --local-dc) corrects g_t, computed at x^_t, for
 * being applied at w_t; the last pull replaces the local copy. */
#include <stdlib.h>

#include "algorithms/ps.h"

extern const dsgd_algo dsgd_algo_odsgd;

/* x <- x - lr * (g + dc * g * g * (x - x_then)), charged as memory. */
static int local_update(dsgd_comm *c, dsgd_vec *x, const dsgd_vec *g, const dsgd_vec *x_then,
                        double lr, double dc)
{
    double t0 = dsgd_now(c);
    for (size_t i = 0; x->data && i < x->len; i++) {
        float gi = g->data[i];
        x->data[i] -= (float)(lr * (gi + dc * gi * gi * (x->data[i] - x_then->data[i])));
    }
    return dsgd_memory(c, "local_update", 4.0 * (double)dsgd_vec_bytes(x), t0);
}

static int worker_loop(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l, dsgd_result *out)
{
    const dsgd_config *cfg = w->job->cfg;
    int S = l->n_servers, phantom = dsgd_vec_is_phantom(&w->params), pending = 0;
    dsgd_request *pulls[S];
    dsgd_vec global, then;
    if (dsgd_vec_alloc(&global, w->params.len, phantom) ||
        dsgd_vec_alloc(&then, w->params.len, phantom))
        return DSGD_ENOMEM;
    int rc = DSGD_OK;
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, out)))
            break;
        if (pending) { /* x^_t -> then; x <- w_t */
            if ((rc = dsgd_ps_wait_all(c, pulls, S)))
                break;
            dsgd_vec_copy(&then, &w->params);
            dsgd_vec_copy(&w->params, &global);
            pending = 0;
        }
        if ((rc = dsgd_ps_post_pull(c, l, &global, DSGD_PS_TAG_REPLY, pulls)) ||
            (rc = dsgd_ps_push(c, l, &w->grad, DSGD_PS_TAG_DATA)))
            break;
        if (t < cfg->warmup_steps) {
            if ((rc = dsgd_ps_wait_all(c, pulls, S)))
                break;
            double t0 = dsgd_now(c);
            rc = dsgd_memory(c, "copy", dsgd_vec_copy(&w->params, &global), t0);
        } else {
            if (t == w->start_iter || t == cfg->warmup_steps)
                dsgd_vec_copy(&then, &w->params); /* x^_t was w_t: no correction */
            rc = local_update(c, &w->params, &w->grad, &then, cfg->local_lr, cfg->local_dc);
            dsgd_record(c, DSGD_EV_UPDATE, "local", dsgd_now(c), cfg->local_lr);
            pending = 1;
        }
        if (rc == DSGD_OK)
            rc = dsgd_worker_after_step(w, c, t + 1, out);
        dsgd_worker_progress(w, c, t, out);
    }
    if (pending) { /* the last global weights replace the local copy */
        int r = dsgd_ps_wait_all(c, pulls, S);
        rc = rc ? rc : r;
        dsgd_vec_copy(&w->params, &global);
    }
    dsgd_vec_free(&global);
    dsgd_vec_free(&then);
    return rc;
}

static int odsgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    return dsgd_ps_run(&dsgd_algo_odsgd, dsgd_ps_serve_sync, worker_loop, c, job, out);
}

const dsgd_algo dsgd_algo_odsgd = {
    .name = "odsgd",
    .summary = "one-step-delay SGD: servers update synchronously; workers train the next step "
               "on a locally updated copy while the pull is in flight",
    .flags = "--servers S --warmup-steps N --local-lr X --local-dc L",
    .run = odsgd_run,
    .roles = dsgd_roles_servers_last,
};
