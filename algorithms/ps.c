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

int dsgd_ps_push(dsgd_comm *c, const dsgd_layout *l, const dsgd_vec *v, int tag)
{
    dsgd_request *reqs[l->n_servers];
    int rc = DSGD_OK;
    for (int s = 0; s < l->n_servers; s++) {
        size_t off, len;
        dsgd_ps_shard(v->len, l->n_servers, s, &off, &len);
        dsgd_vec part = dsgd_vec_view(v, off, len);
        reqs[s] = NULL;
        if (rc == DSGD_OK)
            rc = dsgd_isend(c, l->servers[s], tag, part.data, dsgd_vec_bytes(&part), &reqs[s]);
    }
    int r = dsgd_ps_wait_all(c, reqs, l->n_servers);
    return rc ? rc : r;
}

int dsgd_ps_post_pull(dsgd_comm *c, const dsgd_layout *l, dsgd_vec *v, int tag, dsgd_request **reqs)
{
    int rc = DSGD_OK;
    for (int s = 0; s < l->n_servers; s++) {
        size_t off, len;
        dsgd_ps_shard(v->len, l->n_servers, s, &off, &len);
        dsgd_vec part = dsgd_vec_view(v, off, len);
        reqs[s] = NULL;
        if (rc == DSGD_OK)
            rc = dsgd_irecv(c, l->servers[s], tag, part.data, dsgd_vec_bytes(&part), &reqs[s]);
    }
    return rc;
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

int dsgd_ps_owed(dsgd_comm *c, const dsgd_layout *l, const unsigned char *done)
{
    int owed = 0;
    for (int i = 0; i < l->n_workers; i++)
        owed += !done[dsgd_layout_worker(l, i)] && !dsgd_failed(c, dsgd_layout_worker(l, i));
    return owed;
}

int dsgd_ps_serve_async(dsgd_node *n, dsgd_comm *c, dsgd_vec *in, dsgd_ps_handler handle,
                        void *ctx)
{
    const dsgd_layout *l = &n->l;
    unsigned char *done = calloc((size_t)dsgd_size(c), 1);
    int rc = done ? DSGD_OK : DSGD_ENOMEM;
    /* A failed worker's pending operations fail (dsgd_forgive) and the
     * others go on. */
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
        if ((int)h.kind & DSGD_PS_PUSH) {
            rc = dsgd_recv(c, src, DSGD_PS_TAG_DATA, in->data, dsgd_vec_bytes(in), NULL);
            if (rc != DSGD_OK && (rc = dsgd_forgive(c, rc, src)) == DSGD_OK)
                continue; /* died before the whole shard came */
            if (rc)
                break;
        }
        rc = dsgd_forgive(c, handle(n, c, &h, src, ctx), src);
        if ((int)h.kind & DSGD_PS_DONE)
            done[src] = 1;
    }
    free(done);
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

int dsgd_ps_serve_sync(dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    const dsgd_layout *l = &n->l;
    size_t off, len;
    dsgd_ps_shard(w->params.len, l->n_servers, l->my_server, &off, &len);
    int W = l->n_workers, phantom = dsgd_vec_is_phantom(&w->params);
    dsgd_vec shard = dsgd_vec_view(&w->params, off, len);
    dsgd_vec sum = dsgd_vec_view(&w->grad, off, len);
    dsgd_vec *in = calloc((size_t)W, sizeof *in);
    dsgd_request **reqs = calloc((size_t)W, sizeof *reqs);
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
    for (int i = 0; in && i < W; i++)
        dsgd_vec_free(&in[i]);
    free(in);
    free(reqs);
    return rc;
}
