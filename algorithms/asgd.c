/* asgd.c — asynchronous (Downpour-style) parameter-server SGD.
 *
 * Roles: the last --servers S ranks are servers (shard s each), the others
 * workers.  Worker, step t (Dean et al. 2012, DownpourSGDClient):
 *     load; g <- gradient on my (possibly stale) copy x; acc <- acc + g
 *     every --push-every steps: push acc (with the version of x), acc <- 0
 *     every --pull-every steps: pull x and its version from the servers
 * Workers do not update x themselves.  Server, per message as it arrives:
 *     push: staleness <- version - version of the gradient;
 *           SGD-momentum step with it; version <- version + 1
 *     pull: return the current shard and version to that worker
 *     done: count the worker out, return the final shard; stop when all are
 *           (a worker that fails is counted out too: comm.h "Failures").
 * Choices the paper leaves open: a push is the sum of the accrued
 * gradients (not their mean); the server's learning rate follows the
 * schedule at the pushing worker's iteration, times --server-lr-scale
 * (default 1/W: W workers' pushes then move the model as far as one
 * synchronous step of their mean gradient; at the full rate, with
 * momentum, W stale steps per round diverged on Fashion-MNIST at lr 0.05
 * with 4 workers).  Each update's staleness is
 * an `update` event named `staleness`; mean and max go to the JSON. */
#include <math.h>
#include <stdlib.h>

#include "algorithms/ps.h"

typedef struct asgd_options {
    dsgd_ps_options ps;
    long push_every, pull_every;
    double server_lr_scale; /* 0: 1/workers */
} asgd_options;

#define AT(f) DSGD_OPT_AT(asgd_options, f)
static const dsgd_option asgd_options_table[] = {
    DSGD_PS_SERVERS_OPTION(asgd_options),
    DSGD_PS_INFLOW_OPTION(asgd_options),
    DSGD_PS_OUTFLOW_OPTION(asgd_options),
    {"push-every", DSGD_OPT_LONG, AT(push_every), .def = "1", .min = 1, .metavar = "N",
     .help = "push the accumulated gradient every N steps"},
    {"pull-every", DSGD_OPT_LONG, AT(pull_every), .def = "1", .min = 1, .metavar = "N",
     .help = "pull the parameters every N steps"},
    {"server-lr-scale", DSGD_OPT_DOUBLE, AT(server_lr_scale), .metavar = "F",
     .help = "the server applies each push at the learning rate times F (default or 0: 1/W for "
             "W workers: a round of pushes moves the model as far as one synchronous step)"},
    {.name = NULL},
};
#undef AT

typedef struct asgd_state {
    dsgd_vec acc;     /* gradients accrued since the last push */
    int pending;      /* acc holds gradients not pushed yet (a stop by time or samples) */
    double *version;  /* of each server's shard in our copy */
    dsgd_ps_header *replies;
} asgd_state;

/* A server's shard, its version, and the staleness of what it applied. */
typedef struct asgd_server {
    size_t off, len;
    dsgd_vec shard;
    double scale; /* of the learning rate */
    double version, stale_sum, stale_max, updates;
} asgd_server;

/* A push: one SGD step with the (stale) gradient.  A pull or done: reply
 * with the shard and its version. */
static int asgd_handle(dsgd_node *n, dsgd_comm *c, const dsgd_ps_header *h, int src, dsgd_vec *in,
                       dsgd_ps_reply *reply, void *ctx)
{
    (void)src;
    asgd_server *sv = ctx;
    int kind = (int)h->kind, rc = DSGD_OK;
    if (kind & DSGD_PS_PUSH) {
        double t0 = dsgd_now(c), staleness = sv->version - h->version;
        dsgd_sgd opt = dsgd_ps_shard_opt(&n->w, sv->off, sv->len, (long)h->iter);
        opt.lr *= (float)sv->scale;
        rc = dsgd_memory(c, "server_update", dsgd_sgd_step(&opt, &sv->shard, in), t0);
        dsgd_record(c, DSGD_EV_UPDATE, "staleness", t0, staleness);
        sv->version += 1;
        sv->updates += 1;
        sv->stale_sum += staleness;
        sv->stale_max = staleness > sv->stale_max ? staleness : sv->stale_max;
    }
    if (kind & (DSGD_PS_PULL | DSGD_PS_DONE))
        *reply = (dsgd_ps_reply){1, {kind, sv->version, 0, 0, 0, 0}, &sv->shard};
    return rc;
}

static int asgd_serve(dsgd_node *n, dsgd_comm *c)
{
    const asgd_options *o = n->opt;
    const dsgd_layout *l = &n->l;
    asgd_server sv = {.scale = o->server_lr_scale ? o->server_lr_scale : 1.0 / l->n_workers};
    dsgd_ps_shard(n->w.params.len, l->n_servers, l->my_server, &sv.off, &sv.len);
    sv.shard = dsgd_vec_view(&n->w.params, sv.off, sv.len);
    int rc = dsgd_ps_serve_async(n, c, &sv.shard, asgd_handle, &sv);
    dsgd_ps_header stats = {0, sv.version, 0, sv.stale_sum, sv.updates, sv.stale_max};
    int reporter = dsgd_layout_first_alive(c, l);
    if (rc == DSGD_OK && reporter >= 0) /* the first worker alive reports the run */
        rc = dsgd_send(c, reporter, DSGD_PS_TAG_STATS, &stats, sizeof stats);
    return dsgd_forgive(c, rc, reporter);
}

/* One exchange with every server: push `acc` if kind has PUSH, and receive
 * the parameters (and their versions) if it has PULL or DONE. */
static int exchange(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l, int kind, long t,
                    const dsgd_vec *acc, double *version, dsgd_ps_header *replies)
{
    dsgd_vec *into = kind & (DSGD_PS_PULL | DSGD_PS_DONE) ? &w->params : NULL;
    return dsgd_ps_exchange(c, l, kind, t, acc, into, version, replies);
}

static int asgd_start(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    asgd_state *s = n->state;
    int S = n->l.n_servers;
    if (n->l.my_worker < 0)
        return DSGD_OK;
    if (!(s->version = calloc((size_t)S, sizeof *s->version)) ||
        !(s->replies = calloc((size_t)S, sizeof *s->replies)) ||
        dsgd_vec_alloc_like(&n->w.params, &s->acc, NULL))
        return DSGD_ENOMEM;
    return DSGD_OK;
}

static int asgd_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const asgd_options *o = n->opt;
    asgd_state *s = n->state;
    dsgd_worker *w = &n->w;
    double t0 = dsgd_now(c);
    int rc = dsgd_memory(c, "accrue", dsgd_vec_axpy(&s->acc, 1.0f, &w->grad), t0);
    int kind = ((t + 1) % o->push_every == 0 || t + 1 == w->iters ? DSGD_PS_PUSH : 0) |
               ((t + 1) % o->pull_every == 0 && t + 1 < w->iters ? DSGD_PS_PULL : 0);
    if (rc == DSGD_OK && kind)
        rc = exchange(w, c, &n->l, kind, t, &s->acc, s->version, s->replies);
    if (kind & DSGD_PS_PUSH)
        dsgd_vec_zero(&s->acc);
    s->pending = !(kind & DSGD_PS_PUSH);
    return rc;
}

/* Done: every server counts us out and returns its final shard; the first
 * worker alive collects the staleness summary. */
static int asgd_drain(dsgd_node *n, dsgd_comm *c)
{
    asgd_state *s = n->state;
    const dsgd_layout *l = &n->l;
    int kind = DSGD_PS_DONE | (s->pending ? DSGD_PS_PUSH : 0);
    int rc = exchange(&n->w, c, l, kind, n->w.done, &s->acc, s->version, s->replies);
    if (rc != DSGD_OK || dsgd_layout_first_alive(c, l) != dsgd_rank(c))
        return rc;
    double sum = 0, count = 0, max = 0;
    for (int i = 0; rc == DSGD_OK && i < l->n_servers; i++) {
        dsgd_ps_header h;
        rc = dsgd_recv(c, l->servers[i], DSGD_PS_TAG_STATS, &h, sizeof h, NULL);
        sum += h.stale_sum;
        count += h.updates;
        max = h.stale_max > max ? h.stale_max : max;
    }
    n->out->staleness_mean = count > 0 ? sum / count : NAN;
    n->out->staleness_max = count > 0 ? max : NAN;
    return rc;
}

static void asgd_stop(dsgd_node *n, dsgd_comm *c)
{
    (void)c;
    asgd_state *s = n->state;
    dsgd_vec_free(&s->acc);
    free(s->version);
    free(s->replies);
}

const dsgd_algo dsgd_algo_asgd = {
    .base = {"asgd",
             "asynchronous (Downpour) parameter-server SGD: servers apply each gradient as it "
             "arrives; staleness in the trace and JSON",
             asgd_options_table, sizeof(asgd_options)},
    .roles = dsgd_roles_servers_last,
    .independent = 1,
    .state_size = sizeof(asgd_state),
    .start = asgd_start,
    .step = asgd_step,
    .drain = asgd_drain,
    .serve = asgd_serve,
    .stop = asgd_stop,
};
