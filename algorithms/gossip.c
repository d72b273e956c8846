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
 * End: push: once our last push has completed, each worker sends every
 * other worker an empty message (messages from one source arrive in
 * order, so nothing follows it) and keeps receiving, and averaging in,
 * until it has the empty message of every other worker — always with a
 * receive posted, so no peer's last push is left unmatched; pull: each
 * worker tells worker 0 it is done and serves requests until worker 0,
 * once all are done, says stop. */
#include <stdlib.h>
#include <string.h>

#include "algorithms/worker.h"
#include "core/rng.h"

extern const dsgd_algo dsgd_algo_gossip;

enum { TAG_PARAMS = 300, TAG_REQUEST, TAG_REPLY };
enum { REQ_PARAMS = 1, REQ_DONE = 2, REQ_STOP = 3 };

typedef struct gossip {
    dsgd_worker *w;
    const dsgd_layout *l;
    dsgd_vec in, out;   /* receive and send buffers */
    dsgd_request *recv; /* push: the posted receive; pull: the posted request listener */
    double request;
    long received;
    int done_count, stopped;
} gossip;

static int average_in(gossip *g, dsgd_comm *c)
{
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&g->w->params, 1.0f, &g->in);
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

/* Handles a completed posted receive and posts the next one (repost 0: not). */
static int handle(gossip *g, dsgd_comm *c, int pull, const dsgd_msg_info *info, int repost)
{
    int rc = DSGD_OK;
    if (!pull) {
        g->received++;
        if (info->bytes)
            rc = average_in(g, c);
        else if (++g->done_count >= g->l->n_workers - 1)
            repost = 0; /* every other worker is done: nothing more comes */
    } else if (g->request == REQ_PARAMS) {
        rc =
            dsgd_send(c, info->source, TAG_REPLY, g->w->params.data, dsgd_vec_bytes(&g->w->params));
    } else if (g->request == REQ_DONE) {
        g->done_count++;
    } else {
        g->stopped = 1;
    }
    return rc == DSGD_OK && repost ? post(g, c, pull) : rc;
}

/* Waits for *req while serving the posted receive. */
static int serve_until(gossip *g, dsgd_comm *c, int pull, dsgd_request **req)
{
    int rc = DSGD_OK;
    while (rc == DSGD_OK && *req) {
        dsgd_request *reqs[2] = {*req, g->recv};
        int index;
        dsgd_msg_info info;
        rc = dsgd_waitany(c, reqs, 2, &index, &info);
        *req = reqs[0];
        g->recv = reqs[1];
        if (rc == DSGD_OK && index == 1)
            rc = handle(g, c, pull, &info, 1);
    }
    return rc;
}

/* Handles what has arrived without blocking. */
static int drain(gossip *g, dsgd_comm *c, int pull)
{
    int done = 1, rc = DSGD_OK;
    /* g->recv is NULL once every other worker said it is done (push): a
     * slower worker still training has nothing more to receive. */
    while (rc == DSGD_OK && done && g->recv) {
        dsgd_msg_info info;
        rc = dsgd_test(c, &g->recv, &done, &info);
        if (rc == DSGD_OK && done)
            rc = handle(g, c, pull, &info, 1);
    }
    return rc;
}

static int exchange(gossip *g, dsgd_comm *c, int pull, int peer, dsgd_request **send)
{
    int rc = serve_until(g, c, pull, send); /* our previous push */
    if (rc != DSGD_OK)
        return rc;
    if (!pull) {
        dsgd_vec_copy(&g->out, &g->w->params);
        return dsgd_isend(c, peer, TAG_PARAMS, g->out.data, dsgd_vec_bytes(&g->out), send);
    }
    dsgd_request *reply = NULL;
    static const double ask = REQ_PARAMS;
    if ((rc = dsgd_irecv(c, peer, TAG_REPLY, g->out.data, dsgd_vec_bytes(&g->out), &reply)) ||
        (rc = dsgd_send(c, peer, TAG_REQUEST, &ask, sizeof ask)) ||
        (rc = serve_until(g, c, pull, &reply)))
        return rc;
    double t0 = dsgd_now(c);
    double bytes = dsgd_vec_axpy(&g->w->params, 1.0f, &g->out);
    bytes += dsgd_vec_scale(&g->w->params, 0.5f);
    dsgd_record(c, DSGD_EV_UPDATE, "gossip_average", t0, 0.5);
    return dsgd_memory(c, "gossip_average", bytes, t0);
}

static int finish_push(gossip *g, dsgd_comm *c, dsgd_request **send)
{
    const dsgd_layout *l = g->l;
    int n = l->n_workers, rc = serve_until(g, c, 0, send);
    for (int i = 0; rc == DSGD_OK && i < n; i++) {
        dsgd_request *mark = NULL;
        if (i == l->my_worker)
            continue;
        rc = dsgd_isend(c, l->workers[i], TAG_PARAMS, NULL, 0, &mark);
        if (rc == DSGD_OK)
            rc = serve_until(g, c, 0, &mark);
    }
    while (rc == DSGD_OK && g->done_count < n - 1) {
        dsgd_msg_info info;
        rc = dsgd_wait(c, &g->recv, &info);
        if (rc == DSGD_OK)
            rc = handle(g, c, 0, &info, 1);
    }
    return rc;
}

static int finish_pull(gossip *g, dsgd_comm *c)
{
    const dsgd_layout *l = g->l;
    int rc = DSGD_OK, n = l->n_workers;
    if (l->my_worker != 0) {
        static const double done = REQ_DONE;
        rc = dsgd_send(c, l->workers[0], TAG_REQUEST, &done, sizeof done);
    }
    /* worker 0: serve until the others are done, then stop them */
    while (rc == DSGD_OK && l->my_worker == 0 && g->done_count < n - 1) {
        dsgd_msg_info info;
        rc = dsgd_wait(c, &g->recv, &info);
        if (rc == DSGD_OK)
            rc = handle(g, c, 1, &info, 1);
    }
    static const double stop = REQ_STOP;
    for (int i = 1; rc == DSGD_OK && l->my_worker == 0 && i < n; i++)
        rc = dsgd_send(c, l->workers[i], TAG_REQUEST, &stop, sizeof stop);
    if (l->my_worker == 0 && rc == DSGD_OK) /* complete our own listener */
        rc = dsgd_send(c, dsgd_rank(c), TAG_REQUEST, &stop, sizeof stop);
    while (rc == DSGD_OK && !g->stopped) {
        dsgd_msg_info info;
        rc = dsgd_wait(c, &g->recv, &info);
        if (rc == DSGD_OK)
            rc = handle(g, c, 1, &info, 0);
        if (rc == DSGD_OK && !g->stopped)
            rc = post(g, c, 1);
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
        if ((t + 1) % cfg->gossip_every == 0) {
            int peer = (int)dsgd_rng_below(&rng, (uint64_t)(n - 1));
            peer += peer >= l.my_worker;
            if ((rc = exchange(&g, c, pull, l.workers[peer], &send)))
                break;
        }
        dsgd_worker_progress(&w, c, t, out);
    }
    if (rc == DSGD_OK)
        rc = pull ? finish_pull(&g, c) : finish_push(&g, c, &send);
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
