/* gossip.c — gossiping SGD (Jin, Yuan, Iandola, Keutzer 2016).
 *
 * Every rank is a worker taking local SGD steps.  Every --gossip-every
 * steps, with a peer drawn uniformly among the others (per-worker seeded
 * stream):
 *   --gossip push: send x to the peer; average in whatever has arrived:
 *       x <- (x + x_in) / 2 for each message received so far
 *   --gossip pull: ask the peer for its x and set x <- (x + x_peer) / 2.
 * A receive (push) or a request listener (pull) is always posted, so a
 * peer's message completes while we compute; while waiting for our own
 * send or reply we keep serving the others (listener.h, which also ends
 * the run: nobody sends after the workers agree they are done).
 * Failures (comm.h): peers are drawn among the workers alive; an exchange
 * with a worker that fails is dropped. */
#include <stdlib.h>
#include <string.h>

#include "algorithms/listener.h"
#include "algorithms/node.h"
#include "core/rng.h"

typedef struct gossip_options {
    char mode[8]; /* push or pull */
    long every;
} gossip_options;

static const dsgd_option gossip_options_table[] = {
    {"gossip", DSGD_OPT_STR, DSGD_OPT_AT(gossip_options, mode), .def = "push",
     .metavar = "push|pull", .help = "push parameters to a random peer, or pull a random peer's",
     .choices = "push|pull"},
    {"gossip-every", DSGD_OPT_LONG, DSGD_OPT_AT(gossip_options, every), .def = "1", .min = 1,
     .metavar = "N", .help = "steps between gossip exchanges"},
    {.name = NULL},
};

enum { TAG_PARAMS = 300, TAG_REQUEST, TAG_REPLY, TAG_CTRL };

typedef struct gossip_state {
    dsgd_listener listener; /* push: parameters; pull: requests */
    dsgd_vec in, out;       /* receive and send buffers */
    double request;         /* pull: a peer's request lands here */
    dsgd_request *send;     /* push: our send in flight */
    int push_peer;          /* ... and its destination */
    int pull;
    dsgd_rng rng;
    dsgd_worker *w;
} gossip_state;

/* x <- (x + x_in) / 2, charged as memory traffic. */
static int average_in(dsgd_worker *w, dsgd_comm *c, const dsgd_vec *x)
{
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&w->params, 1.0f, x);
    bytes += dsgd_vec_scale(&w->params, 0.5f);
    dsgd_record(c, DSGD_EV_UPDATE, "gossip_average", t0, 0.5);
    return dsgd_memory(c, "gossip_average", bytes, t0);
}

/* The listener got a peer's message: average its parameters in (push), or
 * send it ours (pull). */
static int on_message(void *ctx, dsgd_comm *c, const dsgd_msg_info *info)
{
    gossip_state *s = ctx;
    if (!s->pull)
        return average_in(s->w, c, &s->in);
    dsgd_vec *x = &s->w->params;
    int rc = dsgd_send(c, info->source, TAG_REPLY, x->data, dsgd_vec_bytes(x));
    return dsgd_forgive(c, rc, info->source);
}

/* A peer uniform among the other workers alive (-1 if none is). */
static int draw_peer(dsgd_comm *c, const dsgd_layout *l, dsgd_rng *rng)
{
    int n = l->n_workers, me = l->my_worker;
    for (int tries = 0; tries < 64; tries++) {
        int peer = (int)dsgd_rng_below(rng, (uint64_t)(n - 1));
        peer += peer >= me;
        if (!dsgd_failed(c, dsgd_layout_worker(l, peer)))
            return dsgd_layout_worker(l, peer);
    }
    int alive = 0; /* most have failed: draw among the survivors */
    for (int i = 0; i < n; i++)
        alive += i != me && !dsgd_failed(c, dsgd_layout_worker(l, i));
    if (alive == 0)
        return -1;
    int k = (int)dsgd_rng_below(rng, (uint64_t)alive);
    for (int i = 0; i < n; i++)
        if (i != me && !dsgd_failed(c, dsgd_layout_worker(l, i)) && k-- == 0)
            return dsgd_layout_worker(l, i);
    return -1;
}

/* Our previous push is complete (or its peer failed). */
static int push_done(gossip_state *s, dsgd_comm *c)
{
    return dsgd_forgive(c, dsgd_listener_wait(&s->listener, c, &s->send, NULL), s->push_peer);
}

static int exchange(gossip_state *s, dsgd_comm *c, int peer)
{
    int rc = push_done(s, c);
    if (rc != DSGD_OK)
        return rc;
    if (!s->pull) {
        dsgd_vec_copy(&s->out, &s->w->params);
        s->push_peer = peer;
        rc = dsgd_isend(c, peer, TAG_PARAMS, s->out.data, dsgd_vec_bytes(&s->out), &s->send);
        return dsgd_forgive(c, rc, peer);
    }
    dsgd_request *reply = NULL;
    static const double ask = 1;
    if ((rc = dsgd_irecv(c, peer, TAG_REPLY, s->out.data, dsgd_vec_bytes(&s->out), &reply)))
        return rc;
    rc = dsgd_forgive(c, dsgd_send(c, peer, TAG_REQUEST, &ask, sizeof ask), peer);
    int got = dsgd_listener_wait(&s->listener, c, &reply, NULL); /* fails if the peer failed */
    if (rc != DSGD_OK || (rc = dsgd_forgive(c, got, peer)) != DSGD_OK || got != DSGD_OK)
        return rc;
    return average_in(s->w, c, &s->out);
}

static int gossip_start(dsgd_node *n, dsgd_comm *c)
{
    const gossip_options *o = n->opt;
    gossip_state *s = n->state;
    s->w = &n->w;
    s->pull = strcmp(o->mode, "pull") == 0;
    if (n->l.n_workers < 2) {
        snprintf(n->out->error, sizeof n->out->error, "gossip: needs at least 2 workers");
        return DSGD_EINVAL;
    }
    if (dsgd_vec_alloc_like(&n->w.params, &s->in, &s->out, NULL))
        return DSGD_ENOMEM;
    dsgd_rng_seed2(&s->rng, n->w.job->cfg->seed, 104729 + (uint64_t)n->l.my_worker);
    s->listener = (dsgd_listener){
        .tag = s->pull ? TAG_REQUEST : TAG_PARAMS,
        .ctrl_tag = TAG_CTRL,
        .buf = s->pull ? (void *)&s->request : (void *)s->in.data,
        .bytes = s->pull ? sizeof s->request : dsgd_vec_bytes(&s->in),
        .handle = on_message,
        .ctx = s,
    };
    return dsgd_listener_open(&s->listener, c);
}

/* Before an evaluation (a blocking collective) every worker's exchanges
 * must be over, or a pull could wait for a peer that is in the collective:
 * a non-blocking allreduce, waited for while serving, is the barrier. */
static int quiesce(gossip_state *s, dsgd_comm *c, const dsgd_layout *l)
{
    float token = 0;
    dsgd_request *req = NULL;
    int rc = push_done(s, c);
    if (rc == DSGD_OK)
        rc = dsgd_iallreduce(c, l->worker_group, &token, 1, &req);
    return rc ? rc : dsgd_listener_wait(&s->listener, c, &req, NULL);
}

static int gossip_step(dsgd_node *n, dsgd_comm *c, long t)
{
    const gossip_options *o = n->opt;
    gossip_state *s = n->state;
    int rc;
    if ((rc = dsgd_worker_step(&n->w, c, &n->w.grad)) || (rc = dsgd_listener_poll(&s->listener, c)))
        return rc;
    int peer = (t + 1) % o->every == 0 ? draw_peer(c, &n->l, &s->rng) : -1;
    if (peer >= 0 && (rc = exchange(s, c, peer)))
        return rc;
    return dsgd_worker_eval_due(&n->w, t + 1) ? quiesce(s, c, &n->l) : DSGD_OK;
}

static int gossip_drain(dsgd_node *n, dsgd_comm *c)
{
    gossip_state *s = n->state;
    int rc = push_done(s, c);
    return rc ? rc : dsgd_listener_close(&s->listener, c, &n->l);
}

static void gossip_stop(dsgd_node *n, dsgd_comm *c)
{
    gossip_state *s = n->state;
    /* A failed run left the listener's receive posted into in (a pull's
     * into request): withdraw it, or MPI lands a peer's message in freed
     * memory. */
    if (s->listener.req)
        dsgd_cancel(c, &s->listener.req);
    free(s->listener.done);
    /* A push still in flight may still be read from out by its peer (MPI
     * copies it when the peer matches it, maybe as that peer withdraws its
     * own receive): out stays allocated, the failing process ends soon.
     * After the run (a simulated rank killed with a push in flight)
     * nobody reads it any more. */
    if (s->send && !dsgd_after_run(c))
        dsgd_vec_free(&s->in);
    else
        dsgd_vec_free_all(&s->in, &s->out, NULL);
}

const dsgd_algo dsgd_algo_gossip = {
    .base = {"gossip",
             "gossiping SGD: local steps; push parameters to, or pull them from, a random peer "
             "and average",
             gossip_options_table, sizeof(gossip_options)},
    .state_size = sizeof(gossip_state),
    .start = gossip_start,
    .independent = 1,
    .step = gossip_step,
    .drain = gossip_drain,
    .stop = gossip_stop,
};
