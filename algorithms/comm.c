/* comm.c — the wrappers algorithms call: argument checks, dispatch to the
 * backend's ops table, and trace events recorded in one place so that both
 * backends write the same events for the same algorithm. */
#include "algorithms/comm_backend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dsgd_request {
    void *handle; /* the backend's */
    dsgd_req_kind kind;
    int peer;
    double bytes;
    double t_post;
    long iter;
    double value; /* recorded with the event: the tag (p2p) or group size */
    struct dsgd_request *prev, *next; /* the comm's live requests */
};

/* A request set (comm.h): the caller's array and the backend's side of it
 * (NULL: waitset is waitany over the range). */
struct dsgd_reqset {
    dsgd_request **reqs;
    int n;
    void *impl;
    struct dsgd_reqset *next; /* the comm's open sets */
};

/* A backend may leave any slot NULL (comm.h, "Verbs a backend lacks"), as
 * libfabric providers plug fi_no_* stubs: a verb that returns a status
 * starts with REQUIRE, which returns DSGD_ENOTIMPL before anything happens;
 * the others call their slot through SLOT_OR, which stands in the default
 * when it is NULL.  No slot is called without one of the two. */
#define REQUIRE(c, slot)                                                                           \
    do {                                                                                           \
        if (!(c)->ops->slot)                                                                       \
            return DSGD_ENOTIMPL;                                                                  \
    } while (0)
#define SLOT_OR(c, slot, missing, args) ((c)->ops->slot ? (c)->ops->slot args : (missing))

const char *dsgd_status_str(int status)
{
    switch (status) {
    case DSGD_OK: return "ok";
    case DSGD_EINVAL: return "invalid argument";
    case DSGD_ENOMEM: return "out of memory";
    case DSGD_ENOTIMPL: return "not implemented by this backend";
    case DSGD_ENETWORK: return "network or peer failure";
    case DSGD_ETRUNC: return "message truncated";
    case DSGD_EBACKEND: return "backend error";
    case DSGD_ENUMERIC: return "non-finite loss";
    case DSGD_EFAILED: return "a peer failed";
    default: return "unknown error";
    }
}

int dsgd_rank(const dsgd_comm *c) { return c->rank; }
int dsgd_size(const dsgd_comm *c) { return c->size; }
double dsgd_now(dsgd_comm *c) { return SLOT_OR(c, now, NAN, (c)); }
const char *dsgd_backend_name(const dsgd_comm *c)
{
    return c->ops->backend_name ? c->ops->backend_name : "unnamed";
}
void dsgd_set_iter(dsgd_comm *c, long iter) { c->iter = iter; }
long dsgd_iter(const dsgd_comm *c) { return c->iter; }

int dsgd_node_of(dsgd_comm *c, int rank)
{
    return rank >= 0 && rank < c->size ? SLOT_OR(c, node_of, rank, (c, rank)) : DSGD_EINVAL;
}

int dsgd_node_count(dsgd_comm *c)
{
    /* Nodes are numbered in order of their lowest rank: the last rank's
     * node is not always the highest, so take the maximum. */
    int count = 0;
    for (int r = 0; r < c->size; r++) {
        int node = dsgd_node_of(c, r);
        if (node + 1 > count)
            count = node + 1;
    }
    return count;
}

static void record(dsgd_comm *c, dsgd_event_kind kind, const char *name, double t0, double t1,
                   double bytes, double flops, int peer, double value)
{
    if (!c->trace)
        return;
    dsgd_event ev = {.rank = c->rank,
                     .kind = kind,
                     .t0 = t0,
                     .t1 = t1,
                     .bytes = bytes,
                     .flops = flops,
                     .peer = peer,
                     .iter = c->iter,
                     .value = value};
    snprintf(ev.name, sizeof ev.name, "%s", name);
    dsgd_trace_add(c->trace, &ev);
}

void dsgd_record(dsgd_comm *c, dsgd_event_kind kind, const char *name, double t0, double value)
{
    record(c, kind, name, t0, dsgd_now(c), 0, 0, -1, value);
}

static int valid_peer(const dsgd_comm *c, int peer, int allow_any)
{
    return (peer >= 0 && peer < c->size) || (allow_any && peer == DSGD_ANY_SOURCE);
}

static int valid_tag(int tag) { return tag >= 0 && tag <= DSGD_TAG_MAX; }

int dsgd_send(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes)
{
    REQUIRE(c, send);
    if (!valid_peer(c, dst, 0) || !valid_tag(tag))
        return DSGD_EINVAL;
    double t0 = dsgd_now(c);
    int rc = c->ops->send(c, dst, tag, buf, bytes);
    record(c, DSGD_EV_SEND, "send", t0, dsgd_now(c), (double)bytes, 0, dst, tag);
    return rc;
}

/* A failure notice ended a wait (DSGD_EFAILED): the request stays pending;
 * the trace shows the blocked time and a mark naming the failed rank. */
static void noticed(dsgd_comm *c, double t_block, const dsgd_msg_info *info)
{
    double now = dsgd_now(c);
    if (now > t_block)
        record(c, DSGD_EV_WAIT, "notice", t_block, now, 0, 0, info->source, 0);
    record(c, DSGD_EV_MARK, "peer_failed", now, now, 0, 0, info->source, 0);
}

int dsgd_recv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_msg_info *info)
{
    REQUIRE(c, recv);
    if (!valid_peer(c, src, 1) || !valid_tag(tag))
        return DSGD_EINVAL;
    dsgd_msg_info local;
    if (!info)
        info = &local;
    double t0 = dsgd_now(c);
    int rc = c->ops->recv(c, src, tag, buf, bytes, info);
    if (rc == DSGD_EFAILED) { /* nothing received: call again */
        noticed(c, t0, info);
        return rc;
    }
    record(c, DSGD_EV_RECV, "recv", t0, dsgd_now(c), rc == DSGD_OK ? (double)info->bytes : 0, 0,
           rc == DSGD_OK ? info->source : src, tag);
    return rc;
}

/* A request lives on the comm's list from its post to its completion, so
 * that a rank killed with requests on its stack does not lose them. */
static int new_request(dsgd_comm *c, dsgd_req_kind kind, int peer, size_t bytes, dsgd_request **req)
{
    *req = malloc(sizeof **req);
    if (!*req)
        return DSGD_ENOMEM;
    **req = (dsgd_request){.kind = kind,
                           .peer = peer,
                           .bytes = (double)bytes,
                           .t_post = dsgd_now(c),
                           .iter = c->iter,
                           .next = c->live};
    if (c->live)
        c->live->prev = *req;
    c->live = *req;
    return DSGD_OK;
}

static void drop_request(dsgd_comm *c, dsgd_request *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        c->live = r->next;
    if (r->next)
        r->next->prev = r->prev;
    free(r);
}

/* Shared tail of isend/irecv/iallreduce: keep the request only if the
 * backend accepted the operation; if *req is a slot of an open request
 * set, the backend hears which. */
static int posted(dsgd_comm *c, int rc, dsgd_request **req)
{
    if (rc != DSGD_OK) {
        drop_request(c, *req);
        *req = NULL;
        return rc;
    }
    uintptr_t at = (uintptr_t)req;
    for (dsgd_reqset *s = c->sets; s; s = s->next)
        if (s->impl && at >= (uintptr_t)s->reqs && at < (uintptr_t)(s->reqs + s->n)) {
            c->ops->set_join(c, s->impl, (*req)->handle, (int)(req - s->reqs));
            break;
        }
    return rc;
}

int dsgd_isend(dsgd_comm *c, int dst, int tag, const void *buf, size_t bytes, dsgd_request **req)
{
    REQUIRE(c, isend);
    if (!valid_peer(c, dst, 0) || !valid_tag(tag))
        return DSGD_EINVAL;
    int rc = new_request(c, DSGD_REQ_SEND, dst, bytes, req);
    if (rc != DSGD_OK)
        return rc;
    (*req)->value = tag;
    return posted(c, c->ops->isend(c, dst, tag, buf, bytes, &(*req)->handle), req);
}

int dsgd_irecv(dsgd_comm *c, int src, int tag, void *buf, size_t bytes, dsgd_request **req)
{
    REQUIRE(c, irecv);
    if (!valid_peer(c, src, 1) || !valid_tag(tag))
        return DSGD_EINVAL;
    int rc = new_request(c, DSGD_REQ_RECV, src, bytes, req);
    if (rc != DSGD_OK)
        return rc;
    (*req)->value = tag;
    return posted(c, c->ops->irecv(c, src, tag, buf, bytes, &(*req)->handle), req);
}

/* A request completed at time `now` after blocking since t_block: record the
 * operation (post to completion) and the time spent blocked in a wait. */
static void complete(dsgd_comm *c, dsgd_request *r, double t_block, int rc,
                     const dsgd_msg_info *info)
{
    double now = dsgd_now(c);
    long saved = c->iter;
    c->iter = r->iter;
    static const dsgd_event_kind kinds[] = {DSGD_EV_SEND, DSGD_EV_RECV, DSGD_EV_COLLECTIVE};
    static const char *const names[] = {"isend", "irecv", "iallreduce"};
    int peer = r->peer;
    double bytes = r->bytes;
    if (r->kind == DSGD_REQ_RECV && rc == DSGD_OK && info) {
        peer = info->source;
        bytes = (double)info->bytes;
    }
    record(c, kinds[r->kind], names[r->kind], r->t_post, now, bytes, 0, peer, r->value);
    c->iter = saved;
    if (now > t_block)
        record(c, DSGD_EV_WAIT, names[r->kind], t_block, now, 0, 0, peer, 0);
    drop_request(c, r);
}

int dsgd_wait(dsgd_comm *c, dsgd_request **req, dsgd_msg_info *info)
{
    REQUIRE(c, wait);
    if (!req || !*req)
        return DSGD_EINVAL;
    if (c->ending) { /* released after the run (dsgd_hold): nothing completes any more */
        if ((*req)->kind == DSGD_REQ_RECV) {
            dsgd_cancel(c, req);
            return DSGD_ENETWORK;
        }
        if (c->ops->forget && (*req)->handle)
            c->ops->forget(c, (*req)->handle);
        drop_request(c, *req);
        *req = NULL;
        return DSGD_ENETWORK;
    }
    dsgd_msg_info local;
    if (!info)
        info = &local;
    double t0 = dsgd_now(c);
    int rc = c->ops->wait(c, (*req)->handle, info);
    if (rc == DSGD_EFAILED) {
        noticed(c, t0, info);
        return rc;
    }
    complete(c, *req, t0, rc, info);
    *req = NULL;
    return rc;
}

void dsgd_hold(dsgd_comm *c, void (*release)(dsgd_comm *c, void *held), void *held)
{
    c->release = release;
    c->held = held;
}

int dsgd_cancel(dsgd_comm *c, dsgd_request **req)
{
    REQUIRE(c, cancel);
    if (!req || !*req || (*req)->kind != DSGD_REQ_RECV)
        return DSGD_EINVAL;
    int rc = c->ops->cancel(c, (*req)->handle);
    drop_request(c, *req);
    *req = NULL;
    return rc;
}

int dsgd_after_run(const dsgd_comm *c) { return c->ending; }

void dsgd_comm_abandon(dsgd_comm *c)
{
    c->ending = 1;
    while (c->sets) /* before release: it may free their arrays */
        dsgd_reqset_close(c, c->sets);
    if (c->release)
        c->release(c, c->held);
    dsgd_hold(c, NULL, NULL);
    while (c->live) {
        if (c->ops->forget && c->live->handle) /* (none: killed before the backend made it) */
            c->ops->forget(c, c->live->handle);
        drop_request(c, c->live);
    }
}

void dsgd_comm_fini(dsgd_comm *c)
{
    while (c->sets)
        dsgd_reqset_close(c, c->sets);
    dsgd_shared_free(&c->shared);
    free(c->scratch);
    c->scratch = NULL;
    c->scratch_bytes = 0;
}

/* c's scratch buffer, at least `bytes` long (NULL: out of memory). */
static void *scratch(dsgd_comm *c, size_t bytes)
{
    if (c->scratch_bytes < bytes) {
        void *grown = realloc(c->scratch, bytes);
        if (!grown)
            return NULL;
        c->scratch = grown;
        c->scratch_bytes = bytes;
    }
    return c->scratch;
}

int dsgd_test(dsgd_comm *c, dsgd_request **req, int *done, dsgd_msg_info *info)
{
    REQUIRE(c, test);
    if (!req || !*req || !done)
        return DSGD_EINVAL;
    dsgd_msg_info local;
    if (!info)
        info = &local;
    double t0 = dsgd_now(c);
    int rc = c->ops->test(c, (*req)->handle, done, info);
    if (rc == DSGD_EFAILED) {
        *done = 0;
        noticed(c, t0, info);
        return rc;
    }
    if (*done || rc != DSGD_OK) {
        complete(c, *req, t0, rc, info);
        *req = NULL;
        *done = 1;
    }
    return rc;
}

int dsgd_waitany(dsgd_comm *c, dsgd_request **reqs, int n, int *index, dsgd_msg_info *info)
{
    REQUIRE(c, waitany);
    if (n <= 0 || !reqs || !index)
        return DSGD_EINVAL;
    /* Both arrays in the comm's scratch: a rank killed in the wait would
     * leak a malloc of its own. */
    void **handles = scratch(c, (sizeof(void *) + sizeof(int)) * (size_t)n);
    if (!handles)
        return DSGD_ENOMEM;
    int *position = (int *)(handles + n);
    int live = 0;
    for (int i = 0; i < n; i++)
        if (reqs[i]) {
            handles[live] = reqs[i]->handle;
            position[live++] = i;
        }
    int rc = DSGD_EINVAL;
    if (live > 0) {
        dsgd_msg_info local;
        if (!info)
            info = &local;
        double t0 = dsgd_now(c);
        int which = -1;
        rc = c->ops->waitany(c, handles, live, &which, info);
        if (which >= 0 && which < live && rc == DSGD_EFAILED) {
            *index = position[which];
            noticed(c, t0, info);
        } else if (which >= 0 && which < live) {
            *index = position[which];
            complete(c, reqs[*index], t0, rc, info);
            reqs[*index] = NULL;
        }
    }
    return rc;
}

int dsgd_reqset_open(dsgd_comm *c, dsgd_request **reqs, int n, dsgd_reqset **set)
{
    *set = NULL;
    if (n <= 0 || !reqs)
        return DSGD_EINVAL;
    dsgd_reqset *s = calloc(1, sizeof *s);
    if (!s)
        return DSGD_ENOMEM;
    *s = (dsgd_reqset){.reqs = reqs, .n = n, .next = c->sets};
    const dsgd_comm_ops *o = c->ops;
    if (o->set_open && o->set_join && o->set_wait && o->set_close) {
        int rc = o->set_open(c, n, &s->impl);
        if (rc != DSGD_OK) {
            free(s);
            return rc;
        }
        for (int i = 0; i < n && s->impl; i++)
            if (reqs[i])
                o->set_join(c, s->impl, reqs[i]->handle, i);
    }
    c->sets = s;
    *set = s;
    return DSGD_OK;
}

int dsgd_waitset(dsgd_comm *c, dsgd_reqset *set, int lo, int hi, int *index, dsgd_msg_info *info)
{
    if (!set || !index || lo < 0 || hi > set->n || lo >= hi)
        return DSGD_EINVAL;
    if (!set->impl) {
        int k = -1, rc = dsgd_waitany(c, set->reqs + lo, hi - lo, &k, info);
        if (k >= 0)
            *index = lo + k;
        return rc;
    }
    dsgd_msg_info local;
    if (!info)
        info = &local;
    double t0 = dsgd_now(c);
    int which = -1, rc = c->ops->set_wait(c, set->impl, lo, hi, &which, info);
    if (which < lo || which >= hi || !set->reqs[which])
        return rc == DSGD_OK ? DSGD_EINVAL : rc;
    *index = which;
    if (rc == DSGD_EFAILED) {
        noticed(c, t0, info);
    } else {
        complete(c, set->reqs[which], t0, rc, info);
        set->reqs[which] = NULL;
    }
    return rc;
}

void dsgd_reqset_close(dsgd_comm *c, dsgd_reqset *set)
{
    if (!set)
        return;
    for (dsgd_reqset **link = &c->sets; *link; link = &(*link)->next)
        if (*link == set) {
            *link = set->next;
            break;
        }
    if (set->impl)
        c->ops->set_close(c, set->impl);
    free(set);
}

int dsgd_probe(dsgd_comm *c, int src, int tag, int *flag, dsgd_msg_info *info)
{
    REQUIRE(c, probe);
    if (!valid_peer(c, src, 1) || !valid_tag(tag) || !flag)
        return DSGD_EINVAL;
    dsgd_msg_info local;
    return c->ops->probe(c, src, tag, flag, info ? info : &local);
}

int dsgd_failed(dsgd_comm *c, int rank)
{
    return valid_peer(c, rank, 0) ? SLOT_OR(c, failed, 0, (c, rank)) : 0;
}

int dsgd_forgive(dsgd_comm *c, int rc, int peer)
{
    return rc == DSGD_ENETWORK && dsgd_failed(c, peer) ? DSGD_OK : rc;
}

/* ---- shared data ----------------------------------------------------------- */

typedef struct dsgd_shared {
    char *key;
    void *data;
    void (*free_fn)(void *);
    struct dsgd_shared *next;
} dsgd_shared;

static dsgd_shared **shared_list(dsgd_comm *c)
{
    return c->ops->shared ? c->ops->shared(c) : &c->shared;
}

const void *dsgd_shared_get(dsgd_comm *c, const char *key)
{
    for (dsgd_shared *s = *shared_list(c); s; s = s->next)
        if (strcmp(s->key, key) == 0)
            return s->data;
    return NULL;
}

int dsgd_shared_put(dsgd_comm *c, const char *key, void *data, void (*free_fn)(void *))
{
    if (!key || dsgd_shared_get(c, key))
        return DSGD_EINVAL;
    dsgd_shared **list = shared_list(c), *s = malloc(sizeof *s);
    size_t len = strlen(key) + 1;
    char *copy = malloc(len);
    if (!s || !copy) {
        free(s);
        free(copy);
        return DSGD_ENOMEM;
    }
    memcpy(copy, key, len);
    *s = (dsgd_shared){copy, data, free_fn, *list};
    *list = s;
    return DSGD_OK;
}

void dsgd_shared_free(dsgd_shared **list)
{
    while (*list) {
        dsgd_shared *s = *list;
        *list = s->next;
        if (s->free_fn)
            s->free_fn(s->data);
        free(s->key);
        free(s);
    }
}

/* ---- groups ---------------------------------------------------------------- */

int dsgd_group_create_view(dsgd_comm *c, const int *ranks, int n, int my_index, dsgd_group **group)
{
    *group = NULL;
    REQUIRE(c, group_create);
    if (n <= 0 || !ranks || my_index < 0 || my_index >= n || ranks[my_index] != c->rank)
        return DSGD_EINVAL;
    dsgd_group *g = calloc(1, sizeof *g);
    if (!g)
        return DSGD_ENOMEM;
    *g = (dsgd_group){.n = n, .ranks = (int *)ranks, .my_index = my_index, .view = 1};
    int rc = c->ops->group_create(c, g);
    if (rc != DSGD_OK) {
        free(g);
        return rc;
    }
    *group = g;
    return DSGD_OK;
}

int dsgd_group_create(dsgd_comm *c, const int *ranks, int n, dsgd_group **group)
{
    *group = NULL;
    REQUIRE(c, group_create);
    if (n <= 0 || !ranks)
        return DSGD_EINVAL;
    dsgd_group *g = calloc(1, sizeof *g);
    if (!g || !(g->ranks = malloc(sizeof *g->ranks * (size_t)n))) {
        free(g);
        return DSGD_ENOMEM;
    }
    g->n = n;
    g->my_index = -1;
    for (int i = 0; i < n; i++) {
        if (!valid_peer(c, ranks[i], 0)) {
            dsgd_group_free(c, g);
            return DSGD_EINVAL;
        }
        g->ranks[i] = ranks[i];
        if (ranks[i] == c->rank)
            g->my_index = i;
    }
    int rc = g->my_index < 0 ? DSGD_EINVAL : c->ops->group_create(c, g);
    if (rc != DSGD_OK) {
        free(g->ranks);
        free(g);
        return rc;
    }
    *group = g;
    return DSGD_OK;
}

void dsgd_group_free(dsgd_comm *c, dsgd_group *g)
{
    if (!g)
        return;
    if (g->impl)
        SLOT_OR(c, group_free, (void)0, (c, g));
    if (!g->view)
        free(g->ranks);
    free(g);
}

int dsgd_group_survivors(dsgd_comm *c, dsgd_group *g, dsgd_group **live)
{
    *live = NULL;
    /* Nobody failed (or no failure detector): nothing to scan.  Every rank
     * scanning the world made the end of a run quadratic (4.3e9 checks for
     * 65,536 simulated ranks). */
    if (!c->ops->failed || (c->ops->failures && c->ops->failures(c) == 0))
        return DSGD_OK;
    int n = dsgd_group_size(c, g), alive = 0;
    int *ranks = malloc(sizeof *ranks * (size_t)n);
    if (!ranks)
        return DSGD_ENOMEM;
    for (int i = 0; i < n; i++) {
        int r = g ? g->ranks[i] : i;
        if (!dsgd_failed(c, r))
            ranks[alive++] = r;
    }
    int rc = alive < n ? dsgd_group_create(c, ranks, alive, live) : DSGD_OK;
    free(ranks);
    return rc;
}

int dsgd_group_size(const dsgd_comm *c, const dsgd_group *g) { return g ? g->n : c->size; }
int dsgd_group_index(const dsgd_comm *c, const dsgd_group *g) { return g ? g->my_index : c->rank; }

static int valid_root(const dsgd_comm *c, const dsgd_group *g, int root)
{
    return root >= 0 && root < dsgd_group_size(c, g);
}

int dsgd_allreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count)
{
    REQUIRE(c, allreduce);
    double t0 = dsgd_now(c);
    int rc = c->ops->allreduce(c, g, buf, count);
    record(c, DSGD_EV_COLLECTIVE, "allreduce", t0, dsgd_now(c), (double)(count * sizeof(float)), 0,
           -1, dsgd_group_size(c, g));
    return rc;
}

int dsgd_iallreduce(dsgd_comm *c, dsgd_group *g, float *buf, size_t count, dsgd_request **req)
{
    REQUIRE(c, iallreduce);
    int rc = new_request(c, DSGD_REQ_ALLREDUCE, -1, count * sizeof(float), req);
    if (rc != DSGD_OK)
        return rc;
    (*req)->value = dsgd_group_size(c, g);
    return posted(c, c->ops->iallreduce(c, g, buf, count, &(*req)->handle), req);
}

int dsgd_reduce(dsgd_comm *c, dsgd_group *g, int root, float *buf, size_t count)
{
    REQUIRE(c, reduce);
    if (!valid_root(c, g, root))
        return DSGD_EINVAL;
    double t0 = dsgd_now(c);
    int rc = c->ops->reduce(c, g, root, buf, count);
    record(c, DSGD_EV_COLLECTIVE, "reduce", t0, dsgd_now(c), (double)(count * sizeof(float)), 0,
           root, dsgd_group_size(c, g));
    return rc;
}

int dsgd_bcast(dsgd_comm *c, dsgd_group *g, int root, void *buf, size_t bytes)
{
    REQUIRE(c, bcast);
    if (!valid_root(c, g, root))
        return DSGD_EINVAL;
    double t0 = dsgd_now(c);
    int rc = c->ops->bcast(c, g, root, buf, bytes);
    record(c, DSGD_EV_COLLECTIVE, "bcast", t0, dsgd_now(c), (double)bytes, 0, root,
           dsgd_group_size(c, g));
    return rc;
}

int dsgd_allgather(dsgd_comm *c, dsgd_group *g, const void *sendbuf, size_t bytes, void *recvbuf)
{
    REQUIRE(c, allgather);
    double t0 = dsgd_now(c);
    int rc = c->ops->allgather(c, g, sendbuf, bytes, recvbuf);
    record(c, DSGD_EV_COLLECTIVE, "allgather", t0, dsgd_now(c), (double)bytes, 0, -1,
           dsgd_group_size(c, g));
    return rc;
}

int dsgd_barrier(dsgd_comm *c, dsgd_group *g)
{
    REQUIRE(c, barrier);
    double t0 = dsgd_now(c);
    int rc = c->ops->barrier(c, g);
    record(c, DSGD_EV_COLLECTIVE, "barrier", t0, dsgd_now(c), 0, 0, -1, dsgd_group_size(c, g));
    return rc;
}

int dsgd_compute(dsgd_comm *c, const char *name, const dsgd_work *work, double t_start)
{
    int rc = SLOT_OR(c, compute, DSGD_OK, (c, name, work, t_start));
    record(c, DSGD_EV_COMPUTE, name, t_start, dsgd_now(c), 0, dsgd_work_flops(work), -1, 0);
    return rc;
}

int dsgd_io(dsgd_comm *c, const char *name, double bytes, double t_start)
{
    int rc = SLOT_OR(c, io, DSGD_OK, (c, name, bytes, t_start));
    record(c, DSGD_EV_IO, name, t_start, dsgd_now(c), bytes, 0, -1, 0);
    return rc;
}

int dsgd_memory(dsgd_comm *c, const char *name, double bytes, double t_start)
{
    int rc = SLOT_OR(c, memory, DSGD_OK, (c, name, bytes, t_start));
    record(c, DSGD_EV_MEMORY, name, t_start, dsgd_now(c), bytes, 0, -1, 0);
    return rc;
}

/* The word holds the last boundary decided "go on" (0 at the start), with
 * STOPPED set once the next one was decided "stop".  The first rank at
 * boundary b finds an earlier one there (b - 1, or 0 after --resume) and
 * swaps in its decision. */
#define STOPPED (1L << 62)

int dsgd_stop_vote(dsgd_comm *c, long boundary, int expired, int *stop)
{
    REQUIRE(c, control_swap);
    if (boundary < 1 || boundary >= STOPPED)
        return DSGD_EINVAL;
    long word = 0;
    int rc = c->ops->control_swap(c, 0, 0, &word); /* a read */
    while (rc == DSGD_OK && !(word & STOPPED) && word < boundary) {
        long mine = expired ? word | STOPPED : boundary, old = 0;
        rc = c->ops->control_swap(c, word, mine, &old);
        word = old == word ? mine : old;
    }
    /* Boundaries up to the last "go on" go on; the one after it stops. */
    *stop = (word & STOPPED) && boundary > (word & ~STOPPED);
    return rc;
}

int dsgd_tally(dsgd_comm *c, long add, long *total)
{
    REQUIRE(c, tally);
    return c->ops->tally(c, add, total);
}
