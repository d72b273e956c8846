/* odsgd.c — One-step-Delay SGD (Xu, Dong, Xu, Liao 2020).
 *
 * Roles: as ssgd-ps (the last --servers S ranks are servers doing the
 * synchronous global update, ps.c).  Worker, step t (after warm-up):
 *     load; g_t <- gradient on the local copy x^_t
 *     wait for the pull of w_t (posted last step); x <- w_t
 *     post the pull of w_{t+1}; push g_t
 *     local update: x^_{t+1} <- w_t - local_lr * step(g_t + dc * g_t.g_t.(w_t - x^_t))
 * so step t+1 trains on x^_{t+1} while the pull of w_{t+1} is in flight.
 * The first --warmup-steps steps wait for their pull, pulled straight into
 * the parameters: plain synchronous SGD, exactly ssgd-ps.  Choices: the
 * local update is the worker's optimiser (--momentum, --nesterov,
 * --weight-decay, its own velocity) at --local-lr, as the paper's local
 * update follows the optimiser; delay compensation (DC-ASGD, --local-dc)
 * corrects g_t, computed at x^_t, for being applied at w_t; the last pull
 * replaces the local copy. */
#include <stdlib.h>

#include "algorithms/ps.h"

typedef struct odsgd_options {
    dsgd_ps_options ps;
    long warmup_steps;
    double local_lr, local_dc;
} odsgd_options;

#define AT(f) DSGD_OPT_AT(odsgd_options, f)
static const dsgd_option odsgd_options_table[] = {
    DSGD_PS_SERVERS_OPTION(odsgd_options),
    {"warmup-steps", DSGD_OPT_LONG, AT(warmup_steps), .def = "200", .metavar = "N",
     .help = "the first N steps are plain synchronous SGD"},
    {"local-lr", DSGD_OPT_DOUBLE, AT(local_lr), .def = "0.05", .metavar = "X",
     .help = "learning rate of the local one-step update"},
    {"local-dc", DSGD_OPT_DOUBLE, AT(local_dc), .def = "0", .metavar = "L",
     .help = "delay compensation lambda of the local update (0: none)"},
    {.name = NULL},
};
#undef AT

typedef struct odsgd_state {
    dsgd_vec global, then; /* w_t as pulled; x^_t */
    dsgd_request **pulls;
    int pending; /* a pull is in flight */
} odsgd_state;

/* x <- x - local_lr * step(g + dc * g * g * (x - x_then)) with the
 * worker's optimiser; the correction and the step charged as memory. */
static int local_update(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *x_then, double lr,
                        double dc)
{
    double t0 = dsgd_now(c), bytes = 0;
    dsgd_vec *x = &w->params, *g = &w->grad;
    if (dc != 0) {
        for (size_t i = 0; x->data && i < x->len; i++) {
            float gi = g->data[i];
            g->data[i] = (float)(gi + dc * gi * gi * (x->data[i] - x_then->data[i]));
        }
        bytes += 4.0 * (double)dsgd_vec_bytes(x); /* read g, x, x_then; write g */
    }
    dsgd_sgd opt = w->opt; /* its velocity, at the local rate */
    opt.lr = (float)lr;
    bytes += dsgd_sgd_step(&opt, x, g);
    dsgd_record(c, DSGD_EV_UPDATE, "local", t0, lr);
    return dsgd_memory(c, "local_update", bytes, t0);
}

static int odsgd_start(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    odsgd_state *s = n->state;
    if (n->l.my_worker < 0)
        return DSGD_OK;
    s->pulls = calloc((size_t)n->l.n_servers, sizeof *s->pulls);
    return !s->pulls || dsgd_vec_alloc_like(&n->w.params, &s->global, &s->then, NULL)
               ? DSGD_ENOMEM
               : DSGD_OK;
}

static int odsgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const odsgd_options *o = n->opt;
    odsgd_state *s = n->state;
    dsgd_worker *w = &n->w;
    int S = n->l.n_servers, rc;
    if (s->pending) { /* x^_t -> then; x <- w_t */
        if ((rc = dsgd_ps_wait_all(c, s->pulls, S)))
            return rc;
        double t0 = dsgd_now(c);
        double bytes = dsgd_vec_copy(&s->then, &w->params) + dsgd_vec_copy(&w->params, &s->global);
        s->pending = 0;
        if ((rc = dsgd_memory(c, "adopt_global", bytes, t0)))
            return rc;
    }
    int warm = t < o->warmup_steps; /* synchronous: pull straight into x */
    if ((rc = dsgd_ps_post_pull(c, &n->l, warm ? &w->params : &s->global, DSGD_PS_TAG_REPLY,
                                s->pulls)) ||
        (rc = dsgd_ps_push(c, &n->l, &w->grad, DSGD_PS_TAG_DATA)))
        return rc;
    if (warm)
        return dsgd_ps_wait_all(c, s->pulls, S);
    if (t == w->start_iter || t == o->warmup_steps) {
        double t0 = dsgd_now(c); /* x^_t was w_t: no correction */
        if ((rc = dsgd_memory(c, "snapshot", dsgd_vec_copy(&s->then, &w->params), t0)))
            return rc;
    }
    s->pending = 1;
    return local_update(w, c, &s->then, o->local_lr, o->local_dc);
}

/* The last global weights replace the local copy. */
static int odsgd_drain(dsgd_node *n, dsgd_comm *c)
{
    odsgd_state *s = n->state;
    if (!s->pending)
        return DSGD_OK;
    s->pending = 0;
    int rc = dsgd_ps_wait_all(c, s->pulls, n->l.n_servers);
    dsgd_vec_copy(&n->w.params, &s->global);
    return rc;
}

static void odsgd_stop(dsgd_node *n, dsgd_comm *c)
{
    odsgd_state *s = n->state;
    /* A failed run may leave pulls posted (a push failed after them, or a
     * pending one was never waited for): withdraw them before their
     * buffers go. */
    for (int i = 0; s->pulls && i < n->l.n_servers; i++)
        if (s->pulls[i])
            dsgd_cancel(c, &s->pulls[i]);
    free(s->pulls);
    dsgd_vec_free_all(&s->global, &s->then, NULL);
}

const dsgd_algo dsgd_algo_odsgd = {
    .base = {"odsgd",
             "one-step-delay SGD: servers update synchronously; workers train the next step "
             "on a locally updated copy while the pull is in flight",
             odsgd_options_table, sizeof(odsgd_options)},
    .roles = dsgd_roles_servers_last,
    .state_size = sizeof(odsgd_state),
    .start = odsgd_start,
    .step = odsgd_step,
    .drain = odsgd_drain,
    .serve = dsgd_ps_serve_sync,
    .stop = odsgd_stop,
};
