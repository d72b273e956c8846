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
 * send or reply we keep serving the others (waitany).
 * End (both modes, O(N) messages): each worker, once its last exchange is
 * complete, tells the coordinator (the first worker alive) it is done and
 * serves the others until the coordinator, once all are done, says stop.
 * Nobody sends after saying done, so a worker then ends its listener with
 * a message to itself: everything sent to it earlier is handled first.
 * (On MPI, which orders messages per sender only, a push below the eager
 * limit still in flight from another worker could arrive after that
 * message and be dropped; larger pushes complete only once matched.)
 * Failures (comm.h): peers are drawn among the workers alive; an exchange
 * with a worker that fails is dropped; the coordinator counts a failed
 * worker as done, and if the coordinator fails the others tell the next
 * one. */
#include <stdlib.h>
#include <string.h>

#include "algorithms/worker.h"
#include "core/rng.h"

extern const dsgd_algo dsgd_algo_gossip;

enum { TAG_PARAMS = 300, TAG_REQUEST, TAG_REPLY, TAG_CTRL };
enum { REQ_PARAMS = 1, REQ_STOP = 3 };

typedef struct gossip {
    dsgd_worker *w;
    const dsgd_layout *l;
    dsgd_vec in, out;   /* receive and send buffers */
    dsgd_request *recv; /* push: the posted receive; pull: the posted request listener */
    double request;
    int stopped;   /* our listener received our own terminator */
    int push_peer; /* destination of the push in flight */
} gossip;

static int average_in(gossip *g, dsgd_comm *c, const dsgd_vec *x)
{
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&g->w->params, 1.0f, x);
    bytes += dsgd_vec_scale(&g->w->params, 0.5f);
    dsgd_record(c, DSGD_EV_UPDATE, "gossip_average", t0, 0.5);
    return dsgd_memory(c, "gossip_average", bytes, t0);
}

static int post(gossip *g, dsgd_comm *c, int pull)
{
    if (pull)
        return dsgd_irecv(c, DSGD_ANY_SOURCE, TAG_REQUEST, &g->request, sizeof g->request,
                          &g->recv);
    return dsgd_irecv(c, DSGD_ANY_SOURCE, TAG_PARAMS, g->in.data, dsgd_vec_bytes(&g->in), &g->recv);
}

/* Handles a completed listener receive and posts the next one, unless it
 * was our own terminator. */
static int handle(gossip *g, dsgd_comm *c, int pull, const dsgd_msg_info *info)
{
    int rc = DSGD_OK;
    if (info->source == dsgd_rank(c) && (pull ? g->request == REQ_STOP : info->bytes == 0)) {
        g->stopped = 1;
        return DSGD_OK;
    }
    if (!pull)
        rc = average_in(g, c, &g->in);
    else if (g->request == REQ_PARAMS)
        rc = dsgd_forgive(
            c,
            dsgd_send(c, info->source, TAG_REPLY, g->w->params.data, dsgd_vec_bytes(&g->w->params)),
            info->source);
    return rc == DSGD_OK ? post(g, c, pull) : rc;
}

/* Waits for *req while serving the listener.  Returns what completed *req
 * (info filled), or DSGD_EFAILED with *req still pending if a failure
 * notice came through it (the listener's notices are only wake-ups). */
static int serve_until(gossip *g, dsgd_comm *c, int pull, dsgd_request **req, dsgd_msg_info *info)
{
    while (*req) {
        dsgd_request *reqs[2] = {*req, g->recv};
        int index;
        dsgd_msg_info got;
        int rc = dsgd_waitany(c, reqs, 2, &index, &got);
        *req = reqs[0];
        g->recv = reqs[1];
        if (index == 0) {
            if (info)
                *info = got;
            if (rc != DSGD_OK)
                return rc;
        } else if (rc == DSGD_OK) {
            if ((rc = handle(g, c, pull, &got)) != DSGD_OK)
                return rc;
        } else if (rc != DSGD_EFAILED) {
            return rc;
        }
    }
    return DSGD_OK;
}

/* Handles what has arrived without blocking. */
static int drain(gossip *g, dsgd_comm *c, int pull)
{
    int done = 1, rc = DSGD_OK;
    while (rc == DSGD_OK && done && g->recv) {
        dsgd_msg_info info;
        rc = dsgd_test(c, &g->recv, &done, &info);
        if (rc == DSGD_OK && done)
            rc = handle(g, c, pull, &info);
    }
    return rc == DSGD_EFAILED ? DSGD_OK : rc;
}

static int exchange(gossip *g, dsgd_comm *c, int pull, int peer, dsgd_request **send)
{
    int rc = dsgd_forgive(c, serve_until(g, c, pull, send, NULL), g->push_peer); /* previous push */
    if (rc != DSGD_OK)
        return rc;
    if (!pull) {
        dsgd_vec_copy(&g->out, &g->w->params);
        g->push_peer = peer;
        return dsgd_forgive(
            c, dsgd_isend(c, peer, TAG_PARAMS, g->out.data, dsgd_vec_bytes(&g->out), send), peer);
    }
    dsgd_request *reply = NULL;
    static const double ask = REQ_PARAMS;
    if ((rc = dsgd_irecv(c, peer, TAG_REPLY, g->out.data, dsgd_vec_bytes(&g->out), &reply)))
        return rc;
    rc = dsgd_forgive(c, dsgd_send(c, peer, TAG_REQUEST, &ask, sizeof ask), peer);
    int got = serve_until(g, c, pull, &reply, NULL); /* fails if the peer has failed */
    if (rc != DSGD_OK || (rc = dsgd_forgive(c, got, peer)) != DSGD_OK || got != DSGD_OK)
        return rc;
    return average_in(g, c, &g->out);
}

/* A peer for worker `me` of n, uniform among the other workers alive
 * (-1 if none is). */
static int draw_peer(dsgd_comm *c, const dsgd_layout *l, dsgd_rng *rng)
{
    int n = l->n_workers, me = l->my_worker;
    for (int tries = 0; tries < 64; tries++) {
        int peer = (int)dsgd_rng_below(rng, (uint64_t)(n - 1));
        peer += peer >= me;
        if (!dsgd_failed(c, l->workers[peer]))
            return l->workers[peer];
    }
    int alive = 0; /* most have failed: draw among the survivors */
    for (int i = 0; i < n; i++)
        alive += i != me && !dsgd_failed(c, l->workers[i]);
    if (alive == 0)
        return -1;
    int k = (int)dsgd_rng_below(rng, (uint64_t)alive);
    for (int i = 0; i < n; i++)
        if (i != me && !dsgd_failed(c, l->workers[i]) && k-- == 0)
            return l->workers[i];
    return -1;
}

/* Coordinator: serves until every other worker alive has said done, then
 * tells them to stop. */
static int coordinate(gossip *g, dsgd_comm *c, int pull)
{
    const dsgd_layout *l = g->l;
    int me = dsgd_rank(c), rc = DSGD_OK;
    unsigned char *done = calloc((size_t)dsgd_size(c), 1);
    if (!done)
        return DSGD_ENOMEM;
    double word;
    dsgd_request *ctrl = NULL;
    for (;;) {
        int waiting = 0;
        for (int i = 0; i < l->n_workers; i++) {
            int r = l->workers[i];
            waiting += r != me && !done[r] && !dsgd_failed(c, r);
        }
        if (!waiting || rc != DSGD_OK)
            break;
        if (!ctrl && (rc = dsgd_irecv(c, DSGD_ANY_SOURCE, TAG_CTRL, &word, sizeof word, &ctrl)))
            break;
        dsgd_msg_info info;
        rc = serve_until(g, c, pull, &ctrl, &info);
        if (rc == DSGD_OK)
            done[info.source] = 1;
        else if (rc == DSGD_EFAILED) /* a worker failed: count again */
            rc = DSGD_OK;
    }
    if (ctrl && rc == DSGD_OK) { /* complete our own pending receive */
        rc = dsgd_send(c, me, TAG_CTRL, &word, sizeof word);
        while (rc == DSGD_OK && ctrl)
            if ((rc = serve_until(g, c, pull, &ctrl, NULL)) == DSGD_EFAILED)
                rc = DSGD_OK;
    }
    static const double stop = REQ_STOP;
    for (int i = 0; rc == DSGD_OK && i < l->n_workers; i++) {
        int r = l->workers[i];
        if (r != me && !dsgd_failed(c, r))
            rc = dsgd_forgive(c, dsgd_send(c, r, TAG_CTRL, &stop, sizeof stop), r);
    }
    free(done);
    return rc;
}

static int finish(gossip *g, dsgd_comm *c, int pull, dsgd_request **send)
{
    int me = dsgd_rank(c);
    int rc = dsgd_forgive(c, serve_until(g, c, pull, send, NULL), g->push_peer); /* our last push */
    /* done -> coordinator, until one alive says stop (or we coordinate) */
    for (int coord = dsgd_layout_first_alive(c, g->l); rc == DSGD_OK;
         coord = dsgd_layout_first_alive(c, g->l)) {
        if (coord == me) {
            rc = coordinate(g, c, pull);
            break;
        }
        static const double done = 1;
        double word;
        dsgd_request *stop = NULL;
        if ((rc = dsgd_irecv(c, coord, TAG_CTRL, &word, sizeof word, &stop)))
            break;
        int sent = dsgd_send(c, coord, TAG_CTRL, &done, sizeof done);
        rc = serve_until(g, c, pull, &stop, NULL);
        if (rc == DSGD_OK && sent == DSGD_OK)
            break;
        rc = dsgd_forgive(c, rc != DSGD_OK ? rc : sent, coord); /* the coordinator failed: next */
    }
    /* nobody sends to us any more: end our listener behind what came */
    static const double terminator = REQ_STOP;
    if (rc == DSGD_OK)
        rc = pull ? dsgd_send(c, me, TAG_REQUEST, &terminator, sizeof terminator)
                  : dsgd_send(c, me, TAG_PARAMS, NULL, 0);
    while (rc == DSGD_OK && !g->stopped) {
        dsgd_msg_info info;
        rc = dsgd_wait(c, &g->recv, &info);
        if (rc == DSGD_OK)
            rc = handle(g, c, pull, &info);
        else if (rc == DSGD_EFAILED)
            rc = DSGD_OK;
    }
    return rc;
}

static int gossip_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    const dsgd_config *cfg = job->cfg;
    dsgd_worker w;
    dsgd_layout l;
    gossip g;
    memset(&g, 0, sizeof g);
    int pull = strcmp(cfg->gossip, "pull") == 0;
    int rc = dsgd_worker_setup(&w, &l, &dsgd_algo_gossip, c, job, out);
    int n = l.n_workers, phantom = dsgd_vec_is_phantom(&w.params);
    g.w = &w;
    g.l = &l;
    if (rc == DSGD_OK && (dsgd_vec_alloc(&g.in, w.params.len, phantom) ||
                          dsgd_vec_alloc(&g.out, w.params.len, phantom)))
        rc = DSGD_ENOMEM;
    if (rc == DSGD_OK && n < 2) {
        snprintf(out->error, sizeof out->error, "gossip: needs at least 2 workers");
        rc = DSGD_EINVAL;
    }
    dsgd_rng rng;
    dsgd_rng_seed2(&rng, cfg->seed, 104729 + (uint64_t)l.my_worker);
    dsgd_request *send = NULL;
    if (rc == DSGD_OK)
        rc = post(&g, c, pull);
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    for (long t = w.start_iter; rc == DSGD_OK && t < w.iters; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(&w, c, t)) || (rc = dsgd_worker_gradient(&w, c, out)) ||
            (rc = dsgd_worker_step(&w, c, &w.grad)) || (rc = drain(&g, c, pull)))
            break;
        int peer = (t + 1) % cfg->gossip_every == 0 ? draw_peer(c, &l, &rng) : -1;
        if (peer >= 0 && (rc = exchange(&g, c, pull, peer, &send)))
            break;
        dsgd_worker_progress(&w, c, t, out);
    }
    if (rc == DSGD_OK)
        rc = finish(&g, c, pull, &send);
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK)
        rc = dsgd_worker_finish(&w, c, out);
    dsgd_vec_free(&g.in);
    dsgd_vec_free(&g.out);
    dsgd_worker_free(&w);
    dsgd_layout_free(&l, c);
    return rc;
}

const dsgd_algo dsgd_algo_gossip = {
    .name = "gossip",
    .summary = "gossiping SGD: local steps; push parameters to, or pull them from, a random peer "
               "and average",
    .flags = "--gossip push|pull --gossip-every N",
    .run = gossip_run,
};
