/* lsgd.c — Layered SGD (Yu, Flynn, Yoo, D'Imperio 2019).
 *
 * Roles: per node (the platform's machines, or --node-size K ranks) the
 * last rank is the node's *communicator* (CPU side), the others workers.
 * Worker, iteration i:
 *     load minibatch i                        (I/O)
 *     if i > 0: receive the averaged gradient broadcast by my communicator;
 *               apply it (SGD-momentum step)
 *     g <- gradient; reduce (sum) g to my communicator
 * Communicator, iteration i:
 *     reduce from my workers; divide by the total number of workers
 *     allreduce with the other communicators; broadcast to my workers
 * The communicators' allreduce overlaps the workers' loading of the next
 * batch.  After the last iteration the workers receive and apply the last
 * average.  Mathematically synchronous SGD over the workers. */
#include <stdlib.h>

#include "algorithms/node.h"

static int lsgd_roles(const dsgd_config *cfg, int size, const int *node_of_rank,
                      dsgd_role *role_of_rank, char *err, size_t errlen)
{
    int *node = malloc(sizeof *node * (size_t)size);
    if (!node) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    dsgd_layout_nodes(cfg, size, node_of_rank, node);
    int rc = 0;
    for (int r = 0; r < size; r++) {
        int last = r + 1 == size || node[r + 1] != node[r];
        int first = r == 0 || node[r - 1] != node[r];
        role_of_rank[r] = last ? DSGD_ROLE_COMMUNICATOR : DSGD_ROLE_WORKER;
        if (last && first && rc == 0) {
            snprintf(err, errlen,
                     "lsgd: node of rank %d holds one rank (needs a communicator and workers; "
                     "try --node-size K)",
                     r);
            rc = -1;
        }
        if (r > 0 && node[r] < node[r - 1] && rc == 0) {
            snprintf(err, errlen, "lsgd: ranks of a node must be consecutive");
            rc = -1;
        }
    }
    free(node);
    return rc;
}

typedef struct lsgd_state {
    dsgd_group *node;  /* my node's ranks, communicator last */
    dsgd_group *comms; /* the communicators (on communicators) */
} lsgd_state;

/* This rank's node group (communicator last) and the communicators' group. */
static int lsgd_start(dsgd_node *n, dsgd_comm *c)
{
    const dsgd_layout *l = &n->l;
    lsgd_state *s = n->state;
    int me = dsgd_rank(c), count = 0, k = 0;
    int *ranks = malloc(sizeof *ranks * (size_t)l->size);
    if (!ranks)
        return DSGD_ENOMEM;
    for (int r = 0; r < l->size; r++)
        if (dsgd_layout_node(c, l, r) == dsgd_layout_node(c, l, me))
            ranks[count++] = r;
    int rc = dsgd_group_create(c, ranks, count, &s->node);
    for (int r = 0; r < l->size; r++)
        if (dsgd_layout_role(l, r) == DSGD_ROLE_COMMUNICATOR)
            ranks[k++] = r;
    if (rc == DSGD_OK && dsgd_layout_role(l, me) == DSGD_ROLE_COMMUNICATOR)
        rc = dsgd_group_create(c, ranks, k, &s->comms);
    free(ranks);
    return rc;
}

static int lsgd_work(dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    dsgd_group *node = ((lsgd_state *)n->state)->node;
    int root = dsgd_group_size(c, node) - 1, rc = DSGD_OK;
    for (long i = w->start_iter; rc == DSGD_OK && i <= w->iters; i++) {
        dsgd_set_iter(c, i);
        if (i < w->iters && (rc = dsgd_worker_load(w, c, i)))
            break;
        if (i > w->start_iter) {
            dsgd_set_iter(c, i - 1); /* the update belongs to iteration i-1 */
            if ((rc = dsgd_bcast(c, node, root, w->grad.data, dsgd_vec_bytes(&w->grad))) ||
                (rc = dsgd_worker_step(w, c, &w->grad)) ||
                (rc = dsgd_worker_after_step(w, c, i, n->out)))
                break;
            dsgd_worker_progress(w, c, i - 1, n->out);
            if (w->stop) /* (the batch of iteration i was loaded for nothing) */
                break;
            dsgd_set_iter(c, i);
        }
        if (i < w->iters && ((rc = dsgd_worker_gradient(w, c, n->out)) ||
                             (rc = dsgd_reduce(c, node, root, w->grad.data, w->grad.len))))
            break;
    }
    return rc;
}

static int lsgd_serve(dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    const lsgd_state *s = n->state;
    int root = dsgd_group_size(c, s->node) - 1, rc = DSGD_OK;
    for (long i = w->start_iter; rc == DSGD_OK && i < w->iters; i++) {
        if (i > w->start_iter && ((rc = dsgd_worker_boundary(w, c, i, n->out)) || w->stop))
            break; /* the node's workers stop at this boundary too */
        dsgd_set_iter(c, i);
        dsgd_vec_zero(&w->grad); /* the communicator adds nothing to the sum */
        if ((rc = dsgd_reduce(c, s->node, root, w->grad.data, w->grad.len)) ||
            (rc = dsgd_worker_scale(w, c, &w->grad, 1.0f / (float)n->l.n_workers)) ||
            (rc = dsgd_allreduce(c, s->comms, w->grad.data, w->grad.len)) ||
            (rc = dsgd_bcast(c, s->node, root, w->grad.data, dsgd_vec_bytes(&w->grad))))
            break;
    }
    return rc;
}

static void lsgd_stop(dsgd_node *n, dsgd_comm *c)
{
    lsgd_state *s = n->state;
    if (s->comms)
        dsgd_group_free(c, s->comms);
    if (s->node)
        dsgd_group_free(c, s->node);
}

const dsgd_algo dsgd_algo_lsgd = {
    .base = {"lsgd",
             "layered SGD: per node a CPU communicator reduces its workers' gradients and "
             "allreduces with the others while they load the next batch (nodes: --node-size)",
             NULL, 0},
    .roles = lsgd_roles,
    .collectives_only = 1,
    .replicated = 1,
    .node_size = 8, /* 7 workers and their communicator */
    .state_size = sizeof(lsgd_state),
    .start = lsgd_start,
    .work = lsgd_work,
    .serve = lsgd_serve,
    .stop = lsgd_stop,
};
