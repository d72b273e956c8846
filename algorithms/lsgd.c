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

#include "algorithms/worker.h"

extern const dsgd_algo dsgd_algo_lsgd;

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

/* This rank's node group (communicator last) and the communicators' group. */
static int make_groups(dsgd_comm *c, const dsgd_layout *l, dsgd_group **node_group,
                       dsgd_group **comm_group)
{
    int me = dsgd_rank(c), n = 0, k = 0;
    int *ranks = malloc(sizeof *ranks * (size_t)l->size);
    if (!ranks)
        return DSGD_ENOMEM;
    for (int r = 0; r < l->size; r++)
        if (l->node[r] == l->node[me])
            ranks[n++] = r;
    int rc = dsgd_group_create(c, ranks, n, node_group);
    for (int r = 0; r < l->size; r++)
        if (l->role[r] == DSGD_ROLE_COMMUNICATOR)
            ranks[k++] = r;
    if (rc == DSGD_OK && l->role[me] == DSGD_ROLE_COMMUNICATOR)
        rc = dsgd_group_create(c, ranks, k, comm_group);
    free(ranks);
    return rc;
}

static int worker_loop(dsgd_worker *w, dsgd_comm *c, dsgd_group *node, dsgd_result *out)
{
    int root = dsgd_group_size(c, node) - 1, rc = DSGD_OK;
    for (long i = w->start_iter; rc == DSGD_OK && i <= w->iters; i++) {
        dsgd_set_iter(c, i);
        if (i < w->iters && (rc = dsgd_worker_load(w, c, i)))
            break;
        if (i > w->start_iter) {
            dsgd_set_iter(c, i - 1); /* the update belongs to iteration i-1 */
            if ((rc = dsgd_bcast(c, node, root, w->grad.data, dsgd_vec_bytes(&w->grad))) ||
                (rc = dsgd_worker_step(w, c, &w->grad)) ||
                (rc = dsgd_worker_after_step(w, c, i, out)))
                break;
            dsgd_worker_progress(w, c, i - 1, out);
            dsgd_set_iter(c, i);
        }
        if (i < w->iters && ((rc = dsgd_worker_gradient(w, c, out)) ||
                             (rc = dsgd_reduce(c, node, root, w->grad.data, w->grad.len))))
            break;
    }
    return rc;
}

static int communicator_loop(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l, dsgd_group *node,
                             dsgd_group *comms)
{
    int root = dsgd_group_size(c, node) - 1, rc = DSGD_OK;
    for (long i = w->start_iter; rc == DSGD_OK && i < w->iters; i++) {
        dsgd_set_iter(c, i);
        dsgd_vec_zero(&w->grad); /* the communicator adds nothing to the sum */
        if ((rc = dsgd_reduce(c, node, root, w->grad.data, w->grad.len)) ||
            (rc = dsgd_worker_scale(w, c, &w->grad, 1.0f / (float)l->n_workers)) ||
            (rc = dsgd_allreduce(c, comms, w->grad.data, w->grad.len)) ||
            (rc = dsgd_bcast(c, node, root, w->grad.data, dsgd_vec_bytes(&w->grad))))
            break;
    }
    return rc;
}

static int lsgd_run(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    dsgd_worker w;
    dsgd_layout l;
    dsgd_group *node = NULL, *comms = NULL;
    int rc = dsgd_worker_setup(&w, &l, &dsgd_algo_lsgd, c, job, out);
    if (rc == DSGD_OK)
        rc = make_groups(c, &l, &node, &comms);
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    if (rc == DSGD_OK)
        rc = l.my_worker >= 0 ? worker_loop(&w, c, node, out)
                              : communicator_loop(&w, c, &l, node, comms);
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK && l.my_worker >= 0)
        rc = dsgd_worker_finish(&w, c, out);
    if (comms)
        dsgd_group_free(c, comms);
    if (node)
        dsgd_group_free(c, node);
    dsgd_worker_free(&w);
    dsgd_layout_free(&l, c);
    return rc;
}

const dsgd_algo dsgd_algo_lsgd = {
    .name = "lsgd",
    .summary = "layered SGD: per node a CPU communicator reduces its workers' gradients and "
               "allreduces with the others while they load the next batch",
    .flags = "--node-size K",
    .run = lsgd_run,
    .roles = lsgd_roles,
};
