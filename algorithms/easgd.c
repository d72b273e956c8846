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

typedef struct easgd_options {
    dsgd_ps_options ps;
    long tau;
    double alpha;
} easgd_options;

static const dsgd_option easgd_options_table[] = {
    DSGD_PS_SERVERS_OPTION(easgd_options),
    DSGD_PS_INFLOW_OPTION(easgd_options),
    DSGD_PS_OUTFLOW_OPTION(easgd_options),
    {"tau", DSGD_OPT_LONG, DSGD_OPT_AT(easgd_options, tau), .def = "1", .min = 1, .metavar = "N",
     .help = "steps between exchanges with the centre"},
    {"alpha", DSGD_OPT_DOUBLE, DSGD_OPT_AT(easgd_options, alpha), .def = "0.1", .max = 1,
     .metavar = "X", .help = "elastic moving rate"},
    {.name = NULL},
};

/* A server's shard of the centre. */
typedef struct easgd_server {
    dsgd_vec centre;
    float alpha;
} easgd_server;

/* A push of x_i (in `d`, its own buffer): d <- alpha (x_i - x~);
 * x~ <- x~ + d; return d.  Done: return the centre. */
static int easgd_handle(dsgd_node *n, dsgd_comm *c, const dsgd_ps_header *h, int src, dsgd_vec *d,
                        dsgd_ps_reply *reply, void *ctx)
{
    (void)n, (void)src;
    easgd_server *sv = ctx;
    if ((int)h->kind & DSGD_PS_DONE) {
        reply->vec = &sv->centre;
        return DSGD_OK;
    }
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(d, -1.0f, &sv->centre); /* d <- x_i - x~ */
    bytes += dsgd_vec_scale(d, sv->alpha);              /* d <- alpha (x_i - x~) */
    bytes += dsgd_vec_axpy(&sv->centre, 1.0f, d);       /* x~ <- x~ + d */
    int rc = dsgd_memory(c, "elastic_update", bytes, t0);
    dsgd_record(c, DSGD_EV_UPDATE, "elastic", t0, sv->alpha);
    reply->vec = d;
    return rc;
}

static int easgd_serve(dsgd_node *n, dsgd_comm *c)
{
    const easgd_options *o = n->opt;
    size_t off, len;
    dsgd_ps_shard(n->w.params.len, n->l.n_servers, n->l.my_server, &off, &len);
    easgd_server sv = {dsgd_vec_view(&n->w.params, off, len), (float)o->alpha};
    return dsgd_ps_serve_async(n, c, &sv.centre, easgd_handle, &sv);
}

static int easgd_start(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    dsgd_vec *d = n->state;
    if (n->l.my_worker < 0)
        return DSGD_OK;
    return dsgd_vec_alloc_like(&n->w.params, d, NULL) ? DSGD_ENOMEM : DSGD_OK;
}

static int easgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const easgd_options *o = n->opt;
    dsgd_vec *d = n->state, *x = &n->w.params;
    int rc = dsgd_worker_step(&n->w, c, &n->w.grad);
    if (rc != DSGD_OK || (t + 1) % o->tau != 0)
        return rc;
    if ((rc = dsgd_ps_exchange(c, &n->l, DSGD_PS_PUSH, t, x, d, NULL, NULL)))
        return rc;
    double t0 = dsgd_now(c);
    return dsgd_memory(c, "elastic_update", dsgd_vec_axpy(x, -1.0f, d), t0);
}

/* Done: the servers return the centre; the workers' spread is measured on
 * their own models, then they evaluate the centre. */
static int easgd_drain(dsgd_node *n, dsgd_comm *c)
{
    dsgd_vec *d = n->state;
    dsgd_worker *w = &n->w;
    int rc = dsgd_ps_exchange(c, &n->l, DSGD_PS_DONE, w->done, &w->params, d, NULL, NULL);
    /* the workers that have not failed (w->survivors: freed with the node
     * should the rank end in the spread's collectives) */
    if (rc == DSGD_OK && (rc = dsgd_group_survivors(c, w->eval_group, &w->survivors)) == DSGD_OK)
        rc = dsgd_worker_spread(w, c, w->survivors ? w->survivors : w->eval_group, &n->out->spread);
    dsgd_group_free(c, w->survivors);
    w->survivors = NULL;
    w->measure_spread = 0;
    dsgd_vec_copy(&w->params, d);
    return rc;
}

static void easgd_stop(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    dsgd_vec_free(n->state);
}

const dsgd_algo dsgd_algo_easgd = {
    .base = {"easgd",
             "asynchronous elastic averaging SGD: every --tau steps a worker and the centre "
             "move towards each other by --alpha",
             easgd_options_table, sizeof(easgd_options)},
    .roles = dsgd_roles_servers_last,
    .state_size = sizeof(dsgd_vec),
    .start = easgd_start,
    .independent = 1,
    .step = easgd_step,
    .drain = easgd_drain,
    .serve = easgd_serve,
    .stop = easgd_stop,
};
