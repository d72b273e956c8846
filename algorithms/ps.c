/* ps.c — parameter-server plumbing (see ps.h). */
#include "algorithms/ps.h"

#include <stdio.h>
#include <stdlib.h>

int dsgd_roles_servers_last(const dsgd_config *cfg, int size, const int *node_of_rank,
                            dsgd_role *role_of_rank, char *err, size_t errlen)
{
    (void)node_of_rank;
    const dsgd_ps_options *o = dsgd_config_options(cfg, DSGD_SEL_ALGO);
    if (o->servers >= size) {
        snprintf(err, errlen, "--servers %d: needs at least %d ranks (one worker), got %d",
                 o->servers, o->servers + 1, size);
        return -1;
    }
    for (int r = 0; r < size; r++)
        role_of_rank[r] = r >= size - o->servers ? DSGD_ROLE_SERVER : DSGD_ROLE_WORKER;
    return 0;
}

void dsgd_ps_shard(size_t n, int servers, int s, size_t *off, size_t *len)
{
    size_t base = n / (size_t)servers, rest = n % (size_t)servers;
    *off = (size_t)s * base + ((size_t)s < rest ? (size_t)s : rest);
    *len = base + ((size_t)s < rest);
}

dsgd_vec dsgd_vec_view(const dsgd_vec *v, size_t off, size_t len)
{
    dsgd_vec view = {v->data ? v->data + off : NULL, len};
    return view;
}

/* One point-to-point operation per server on its shard of v: sends when
 * send is set, else receives; stops posting at the first error. */
static int post_shards(dsgd_comm *c, const dsgd_layout *l, const dsgd_vec *v, int tag, int send,
                       dsgd_request **reqs)
{
    int rc = DSGD_OK;
    for (int s = 0; s < l->n_servers; s++) {
        size_t off, len;
        dsgd_ps_shard(v->len, l->n_servers, s, &off, &len);
        dsgd_vec part = dsgd_vec_view(v, off, len);
        reqs[s] = NULL;
        if (rc != DSGD_OK)
            continue;
        rc = send ? dsgd_isend(c, l->servers[s], tag, part.data, dsgd_vec_bytes(&part), &reqs[s])
                  : dsgd_irecv(c, l->servers[s], tag, part.data, dsgd_vec_bytes(&part), &reqs[s]);
    }
    return rc;
}

int dsgd_ps_push(dsgd_comm *c, const dsgd_layout *l, const dsgd_vec *v, int tag)
{
    dsgd_request *reqs[l->n_servers];
    int rc = post_shards(c, l, v, tag, 1, reqs);
    int r = dsgd_ps_wait_all(c, reqs, l->n_servers);
    return rc ? rc : r;
}

int dsgd_ps_post_pull(dsgd_comm *c, const dsgd_layout *l, dsgd_vec *v, int tag, dsgd_request **reqs)
{
    return post_shards(c, l, v, tag, 0, reqs);
}

int dsgd_ps_wait_all(dsgd_comm *c, dsgd_request **reqs, int n)
{
    int rc = DSGD_OK;
    for (int i = 0; i < n; i++)
        if (reqs[i]) {
            int r = dsgd_wait(c, &reqs[i], NULL);
            rc = rc ? rc : r;
        }
    return rc;
}

int dsgd_ps_exchange(dsgd_comm *c, const dsgd_layout *l, int kind, long t, const dsgd_vec *push,
                     dsgd_vec *into, double *versions, dsgd_ps_header *replies)
{
    int S = l->n_servers, rc = DSGD_OK;
    dsgd_request *reqs[4 * S]; /* reply shards, reply headers, headers, pushed shards */
    dsgd_ps_header h[S];
    for (int s = 0; s < 4 * S; s++)
        reqs[s] = NULL;
    for (int s = 0; replies && into && rc == DSGD_OK && s < S; s++)
        rc = dsgd_irecv(c, l->servers[s], DSGD_PS_TAG_REPLY_HDR, &replies[s], sizeof *replies,
                        &reqs[S + s]);
    if (into && rc == DSGD_OK)
        rc = dsgd_ps_post_pull(c, l, into, DSGD_PS_TAG_REPLY, reqs);
    for (int s = 0; rc == DSGD_OK && s < S; s++) { /* to every server at once */
        h[s] = (dsgd_ps_header){kind, versions ? versions[s] : 0, (double)t, 0, 0, 0};
        rc = dsgd_isend(c, l->servers[s], DSGD_PS_TAG_HDR, &h[s], sizeof h[s], &reqs[2 * S + s]);
        if (rc == DSGD_OK && (kind & DSGD_PS_PUSH)) {
            size_t off, len;
            dsgd_ps_shard(push->len, S, s, &off, &len);
            dsgd_vec part = dsgd_vec_view(push, off, len);
            rc = dsgd_isend(c, l->servers[s], DSGD_PS_TAG_DATA, part.data, dsgd_vec_bytes(&part),
                            &reqs[3 * S + s]);
        }
    }
    int r = dsgd_ps_wait_all(c, reqs, 4 * S);
    for (int s = 0; replies && into && s < S; s++)
        versions[s] = replies[s].version;
    return rc ? rc : r;
}

/* A pool of shard-shaped buffers (phantom if the shard is), handed out
 * and back by index: the server's push buffers and its reply buffers. */
typedef struct ps_pool {
    int n, n_free;
    dsgd_vec *bufs; /* [n] */
    int *free;      /* [n]: the free buffers' indices, n_free of them */
} ps_pool;

static int ps_pool_init(ps_pool *p, int n, const dsgd_vec *shard)
{
    *p = (ps_pool){.n = n};
    p->bufs = calloc((size_t)n, sizeof *p->bufs);
    p->free = calloc((size_t)n, sizeof *p->free);
    if (!p->bufs || !p->free)
        return DSGD_ENOMEM;
    for (int k = 0; k < n; k++) {
        if (dsgd_vec_alloc(&p->bufs[k], shard->len, dsgd_vec_is_phantom(shard)) != 0)
            return DSGD_ENOMEM;
        p->free[p->n_free++] = k;
    }
    return DSGD_OK;
}

static int ps_pool_take(ps_pool *p) { return p->free[--p->n_free]; }
static void ps_pool_give(ps_pool *p, int k) { p->free[p->n_free++] = k; }

static void ps_pool_free(ps_pool *p)
{
    for (int k = 0; p->bufs && k < p->n; k++)
        dsgd_vec_free(&p->bufs[k]);
    free(p->bufs);
    free(p->free);
}

/* At most `limit` buffers (0 or more than W: one per worker). */
static int ps_pool_size(int limit, int W) { return limit > 0 && limit < W ? limit : W; }

/* The asynchronous server's receives: one posted per worker (its header,
 * or after a push's header its shard), so that every worker's push moves
 * at once, as a real parameter server takes pushes from many workers side
 * by side; at most --server-inflow shard receives at a time (the pool's
 * buffers), the other pushes queue in header order. */
typedef struct ps_inbox {
    int W;
    dsgd_request **reqs;  /* [W]: worker i's posted receive, NULL: none (not owned) */
    dsgd_ps_header *hdr;  /* [W] */
    int *buf_of;          /* [W]: the buffer of worker i's shard, -1: none (a header) */
    ps_pool pool;
    int *queue, q_head, q_len; /* pushes waiting for a buffer (workers, FIFO) */
} ps_inbox;

static void ps_inbox_free(ps_inbox *b)
{
    ps_pool_free(&b->pool);
    free(b->hdr);
    free(b->buf_of);
    free(b->queue);
}

static int ps_inbox_init(ps_inbox *b, int W, int inflow, const dsgd_vec *shard, dsgd_request **reqs)
{
    *b = (ps_inbox){.W = W, .reqs = reqs};
    b->hdr = calloc((size_t)W, sizeof *b->hdr);
    b->buf_of = calloc((size_t)W, sizeof *b->buf_of);
    b->queue = calloc((size_t)W, sizeof *b->queue);
    if (!b->hdr || !b->buf_of || !b->queue)
        return DSGD_ENOMEM;
    for (int i = 0; i < W; i++)
        b->buf_of[i] = -1;
    return ps_pool_init(&b->pool, ps_pool_size(inflow, W), shard);
}

static int ps_post_header(dsgd_comm *c, const dsgd_layout *l, ps_inbox *b, int i)
{
    return dsgd_irecv(c, dsgd_layout_worker(l, i), DSGD_PS_TAG_HDR, &b->hdr[i], sizeof b->hdr[i],
                      &b->reqs[i]);
}

/* Worker i's header said push: post the receive of its shard if a buffer
 * is free, else queue it. */
static int ps_post_data(dsgd_comm *c, const dsgd_layout *l, ps_inbox *b, int i)
{
    if (b->pool.n_free == 0) {
        b->queue[(b->q_head + b->q_len++) % b->W] = i;
        return DSGD_OK;
    }
    int k = ps_pool_take(&b->pool);
    dsgd_vec *buf = &b->pool.bufs[k];
    b->buf_of[i] = k;
    dsgd_set_iter(c, (long)b->hdr[i].iter);
    return dsgd_irecv(c, dsgd_layout_worker(l, i), DSGD_PS_TAG_DATA, buf->data, dsgd_vec_bytes(buf),
                      &b->reqs[i]);
}

/* Worker i's buffer is free again: the first queued push takes it. */
static int ps_release(dsgd_comm *c, const dsgd_layout *l, ps_inbox *b, int i)
{
    if (b->buf_of[i] < 0)
        return DSGD_OK;
    ps_pool_give(&b->pool, b->buf_of[i]);
    b->buf_of[i] = -1;
    if (b->q_len == 0)
        return DSGD_OK;
    int next = b->queue[b->q_head];
    b->q_head = (b->q_head + 1) % b->W;
    b->q_len--;
    return ps_post_data(c, l, b, next);
}

/* The asynchronous server's replies: the header and a snapshot of the
 * vector the handler chose (the shard moves on under later pushes while a
 * reply is in flight), each sent with dsgd_isend and completed in the
 * server's dsgd_waitany loop, so replies to many workers move side by side
 * as the pushes do; at most --server-outflow snapshots at a time (the
 * pool's buffers).  A worker's next reply waits for its previous one. */
typedef struct ps_outbox {
    int W;
    dsgd_request **reqs; /* [2W]: worker i's reply header send at i, its vector's at W + i
                            (not owned) */
    dsgd_reqset *set;    /* the server's, in which reqs starts at slot `lo` */
    int lo;
    dsgd_ps_header *hdr; /* [W]: the reply headers in flight */
    int *buf_of;         /* [W]: the buffer of worker i's reply in flight, -1: none */
    ps_pool pool;
} ps_outbox;

static void ps_outbox_free(ps_outbox *o)
{
    ps_pool_free(&o->pool);
    free(o->hdr);
    free(o->buf_of);
}

static int ps_outbox_init(ps_outbox *o, int W, int outflow, const dsgd_vec *shard,
                          dsgd_request **reqs)
{
    *o = (ps_outbox){.W = W, .reqs = reqs};
    o->hdr = calloc((size_t)W, sizeof *o->hdr);
    o->buf_of = calloc((size_t)W, sizeof *o->buf_of);
    if (!o->hdr || !o->buf_of)
        return DSGD_ENOMEM;
    for (int i = 0; i < W; i++)
        o->buf_of[i] = -1;
    return ps_pool_init(&o->pool, ps_pool_size(outflow, W), shard);
}

/* Send j of the outbox (a header or a vector) completed with rc: a failed
 * worker's is forgiven; once both of a reply's sends are done, its buffer
 * is free. */
static int ps_outbox_done(dsgd_comm *c, const dsgd_layout *l, ps_outbox *o, int j, int rc)
{
    int i = j % o->W;
    if (!o->reqs[i] && !o->reqs[o->W + i] && o->buf_of[i] >= 0) {
        ps_pool_give(&o->pool, o->buf_of[i]);
        o->buf_of[i] = -1;
    }
    return dsgd_forgive(c, rc, dsgd_layout_worker(l, i));
}

/* Sends worker i the reply r: once its previous reply has completed and a
 * buffer is free (meanwhile completing replies only: the receives stay
 * posted), snapshots r->vec into that buffer, charged as memory traffic,
 * and posts the sends. */
static int ps_reply(dsgd_comm *c, const dsgd_layout *l, ps_outbox *o, int i, const dsgd_ps_reply *r)
{
    int rc = DSGD_OK, W = o->W, dst = dsgd_layout_worker(l, i);
    while (rc == DSGD_OK && (o->reqs[i] || o->reqs[W + i] || (r->vec && o->pool.n_free == 0))) {
        int j = -1;
        rc = dsgd_waitset(c, o->set, o->lo, o->lo + 2 * W, &j, NULL);
        if (j >= 0)
            rc = ps_outbox_done(c, l, o, j - o->lo, rc);
    }
    if (rc == DSGD_OK && r->has_header) {
        o->hdr[i] = r->header;
        rc = dsgd_isend(c, dst, DSGD_PS_TAG_REPLY_HDR, &o->hdr[i], sizeof o->hdr[i], &o->reqs[i]);
    }
    if ((rc = dsgd_forgive(c, rc, dst)) != DSGD_OK || !r->vec)
        return rc;
    int k = ps_pool_take(&o->pool);
    dsgd_vec *buf = &o->pool.bufs[k];
    o->buf_of[i] = k;
    double t0 = dsgd_now(c);
    rc = dsgd_memory(c, "reply_snapshot", dsgd_vec_copy(buf, r->vec), t0);
    if (rc == DSGD_OK)
        rc = dsgd_isend(c, dst, DSGD_PS_TAG_REPLY, buf->data, dsgd_vec_bytes(buf), &o->reqs[W + i]);
    if (!o->reqs[W + i] && !o->reqs[i]) { /* (not posted: dst has failed) */
        ps_pool_give(&o->pool, k);
        o->buf_of[i] = -1;
    }
    return dsgd_forgive(c, rc, dst);
}

/* Worker i's message (header h, and its pushed shard if any) completed:
 * hand it to the handler, send the reply (snapshot first: the reply may be
 * the push's buffer, as easgd's d is), free the push's buffer, post i's
 * next header receive. */
static int ps_serve_one(dsgd_node *n, dsgd_comm *c, ps_inbox *b, ps_outbox *o, int i,
                        dsgd_ps_handler handle, void *ctx)
{
    const dsgd_layout *l = &n->l;
    const dsgd_ps_header *h = &b->hdr[i];
    int src = dsgd_layout_worker(l, i), pushed = b->buf_of[i];
    dsgd_ps_reply reply = {0};
    dsgd_set_iter(c, (long)h->iter);
    int rc = handle(n, c, h, src, pushed < 0 ? NULL : &b->pool.bufs[pushed], &reply, ctx);
    if ((rc = dsgd_forgive(c, rc, src)) == DSGD_OK && !dsgd_failed(c, src))
        rc = ps_reply(c, l, o, i, &reply);
    if (rc == DSGD_OK)
        rc = ps_release(c, l, b, i);
    if (rc == DSGD_OK && !((int)h->kind & DSGD_PS_DONE) && !dsgd_failed(c, src))
        rc = ps_post_header(c, l, b, i);
    return rc;
}

/* What a server's run holds, on the heap and registered with the node
 * (run_state): a rank killed inside the run loses its stack, not these. */
typedef struct ps_async_run {
    dsgd_request **reqs; /* [3W] */
    ps_inbox b;
    ps_outbox o;
} ps_async_run;

static void ps_async_run_free(void *p)
{
    ps_async_run *run = p;
    ps_inbox_free(&run->b);
    ps_outbox_free(&run->o);
    free(run->reqs);
    free(run);
}

/* Registers run (freed with free_run) with the node, or unregisters and
 * frees it (run NULL). */
static void hold_run(dsgd_node *n, void *run, void (*free_run)(void *))
{
    if (!run && n->run_free)
        n->run_free(n->run_state);
    n->run_state = run;
    n->run_free = run ? free_run : NULL;
}

int dsgd_ps_serve_async(dsgd_node *n, dsgd_comm *c, const dsgd_vec *shard, dsgd_ps_handler handle,
                        void *ctx)
{
    const dsgd_layout *l = &n->l;
    const dsgd_ps_options *opt = n->opt;
    int W = l->n_workers;
    ps_async_run *run = calloc(1, sizeof *run);
    if (!run)
        return DSGD_ENOMEM;
    hold_run(n, run, ps_async_run_free);
    /* One wait over every request: [0, W) the receives, [W, 3W) the
     * replies; a request set, so that a wait does not look at all 3W. */
    dsgd_request **reqs = run->reqs = calloc(3 * (size_t)W, sizeof *reqs);
    ps_inbox *b = &run->b;
    ps_outbox *o = &run->o;
    dsgd_reqset *set = NULL;
    int rc = reqs ? DSGD_OK : DSGD_ENOMEM;
    if (rc == DSGD_OK)
        rc = dsgd_reqset_open(c, reqs, 3 * W, &set);
    if (rc == DSGD_OK && (rc = ps_inbox_init(b, W, opt->inflow, shard, reqs)) == DSGD_OK)
        rc = ps_outbox_init(o, W, opt->outflow, shard, reqs + W);
    o->set = set;
    o->lo = W;
    for (int i = 0; rc == DSGD_OK && i < W; i++)
        rc = ps_post_header(c, l, b, i);
    /* Until every worker has said done or failed and every reply has gone:
     * a failed worker's receives and sends fail (dsgd_forgive) and the
     * others go on. */
    while (rc == DSGD_OK) {
        int k = -1;
        rc = dsgd_waitset(c, set, 0, 3 * W, &k, NULL);
        if (k < 0) { /* none posted (a queued push waits for a posted one): done */
            int any = 0;
            for (int j = 0; j < 3 * W && !any; j++)
                any = reqs[j] != NULL;
            rc = any ? rc : DSGD_OK;
            break;
        }
        if (k >= W) { /* a reply's send */
            rc = ps_outbox_done(c, l, o, k - W, rc);
            continue;
        }
        if (rc != DSGD_OK) { /* died before its header or whole shard came */
            if ((rc = dsgd_forgive(c, rc, dsgd_layout_worker(l, k))) == DSGD_OK)
                rc = ps_release(c, l, b, k);
            continue;
        }
        if (b->buf_of[k] < 0 && ((int)b->hdr[k].kind & DSGD_PS_PUSH))
            rc = ps_post_data(c, l, b, k);
        else
            rc = ps_serve_one(n, c, b, o, k, handle, ctx);
    }
    dsgd_reqset_close(c, set);
    hold_run(n, NULL, NULL);
    dsgd_set_iter(c, -1);
    return rc;
}

dsgd_sgd dsgd_ps_shard_opt(const dsgd_worker *w, size_t off, size_t len, long iter)
{
    dsgd_sgd opt = w->opt;
    opt.velocity = dsgd_vec_view(&w->opt.velocity, off, len);
    opt.lr = (float)dsgd_schedule_lr(&w->schedule, iter < 0 ? 0 : iter);
    return opt;
}

typedef struct ps_sync_run {
    int W;
    dsgd_vec *in;        /* [W] the pushes */
    dsgd_request **reqs; /* [W] */
} ps_sync_run;

static void ps_sync_run_free(void *p)
{
    ps_sync_run *run = p;
    for (int i = 0; run->in && i < run->W; i++)
        dsgd_vec_free(&run->in[i]);
    free(run->in);
    free(run->reqs);
    free(run);
}

int dsgd_ps_serve_sync(dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    const dsgd_layout *l = &n->l;
    size_t off, len;
    dsgd_ps_shard(w->params.len, l->n_servers, l->my_server, &off, &len);
    int W = l->n_workers, phantom = dsgd_vec_is_phantom(&w->params);
    dsgd_vec shard = dsgd_vec_view(&w->params, off, len);
    dsgd_vec sum = dsgd_vec_view(&w->grad, off, len);
    ps_sync_run *run = calloc(1, sizeof *run);
    if (!run)
        return DSGD_ENOMEM;
    hold_run(n, run, ps_sync_run_free);
    run->W = W;
    dsgd_vec *in = run->in = calloc((size_t)W, sizeof *in);
    dsgd_request **reqs = run->reqs = calloc((size_t)W, sizeof *reqs);
    int rc = in && reqs ? DSGD_OK : DSGD_ENOMEM;
    for (int i = 0; rc == DSGD_OK && i < W; i++)
        if (dsgd_vec_alloc(&in[i], len, phantom) != 0)
            rc = DSGD_ENOMEM;
    for (long t = w->start_iter; rc == DSGD_OK && t < w->iters; t++) {
        if (t > w->start_iter && ((rc = dsgd_worker_boundary(w, c, t, n->out)) || w->stop))
            break; /* the workers stop at this boundary too */
        dsgd_set_iter(c, t);
        for (int i = 0; rc == DSGD_OK && i < W; i++)
            rc = dsgd_irecv(c, dsgd_layout_worker(l, i), DSGD_PS_TAG_DATA, in[i].data, dsgd_vec_bytes(&in[i]),
                            &reqs[i]);
        int r = dsgd_ps_wait_all(c, reqs, W);
        rc = rc ? rc : r;
        if (rc != DSGD_OK)
            break;
        double t0 = dsgd_now(c), bytes = dsgd_vec_copy(&sum, &in[0]);
        for (int i = 1; i < W; i++)
            bytes += dsgd_vec_axpy(&sum, 1.0f, &in[i]);
        bytes += dsgd_vec_scale(&sum, 1.0f / (float)W);
        dsgd_sgd opt = dsgd_ps_shard_opt(w, off, len, t);
        bytes += dsgd_sgd_step(&opt, &shard, &sum);
        rc = dsgd_memory(c, "server_update", bytes, t0);
        dsgd_record(c, DSGD_EV_UPDATE, "sgd", t0, opt.lr);
        for (int i = 0; rc == DSGD_OK && i < W; i++)
            rc = dsgd_isend(c, dsgd_layout_worker(l, i), DSGD_PS_TAG_REPLY, shard.data, dsgd_vec_bytes(&shard),
                            &reqs[i]);
        r = dsgd_ps_wait_all(c, reqs, W);
        rc = rc ? rc : r;
    }
    dsgd_set_iter(c, -1);
    hold_run(n, NULL, NULL);
    return rc;
}
