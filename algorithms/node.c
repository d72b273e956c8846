/* node.c — the common node program (see node.h). */
#include "algorithms/node.h"

#include <stdio.h>
#include <stdlib.h>

static int worker_loop(const dsgd_algo *algo, dsgd_node *n, dsgd_comm *c)
{
    dsgd_worker *w = &n->w;
    int rc = DSGD_OK;
    if (algo->work)
        rc = algo->work(n, c);
    for (long t = w->start_iter; !algo->work && rc == DSGD_OK && t < w->iters && !w->stop; t++) {
        dsgd_set_iter(c, t);
        if ((rc = dsgd_worker_load(w, c, t)) || (rc = dsgd_worker_gradient(w, c, n->out)) ||
            (algo->step && (rc = algo->step(n, c, t))) ||
            (rc = dsgd_worker_after_step(w, c, t + 1, n->out)))
            break;
        dsgd_worker_progress(w, c, t, n->out);
    }
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK && algo->drain)
        rc = algo->drain(n, c);
    return rc;
}

/* A worker cannot go on without a failed server or communicator: say
 * which, in one line. */
static void explain_failure(const dsgd_algo *algo, dsgd_node *n, dsgd_comm *c, int rc)
{
    for (int r = 0; rc == DSGD_ENETWORK && !n->out->error[0] && r < n->l.size; r++)
        if (dsgd_layout_role(&n->l, r) != DSGD_ROLE_WORKER && dsgd_failed(c, r))
            snprintf(n->out->error, sizeof n->out->error,
                     "%s: %s rank %d failed; a worker cannot go on without it", algo->base.name,
                     dsgd_layout_role(&n->l, r) == DSGD_ROLE_SERVER
                         ? "parameter server"
                         : dsgd_role_name(dsgd_layout_role(&n->l, r)),
                     r);
}

/* A node and its variant, on the heap (dsgd_hold). */
typedef struct held_node {
    dsgd_node n;
    const dsgd_algo *algo;
} held_node;

/* Frees what the node holds (the variant's stop hook first). */
static void node_free(held_node *h, dsgd_comm *c)
{
    dsgd_node *n = &h->n;
    if (n->run_free)
        n->run_free(n->run_state);
    if (h->algo->stop && (n->state || !h->algo->state_size))
        h->algo->stop(n, c);
    free(n->state);
    dsgd_group_free(c, n->w.survivors);
    dsgd_worker_free(&n->w);
    dsgd_layout_free(&n->l, c);
    free(h);
}

/* The node of a rank that ended without returning (dsgd_hold). */
static void node_release(dsgd_comm *c, void *held) { node_free(held, c); }

int dsgd_node_main(dsgd_comm *c, const dsgd_job *job, dsgd_result *out)
{
    const dsgd_algo *algo = job->algo;
    /* On the heap, not the stack: should the rank end without returning,
     * its stack is gone, and the backend releases the node (dsgd_hold). */
    held_node *h = calloc(1, sizeof *h);
    if (!h)
        return DSGD_ENOMEM;
    h->algo = algo;
    dsgd_node *n = &h->n;
    n->opt = job->cfg->choice[DSGD_SEL_ALGO].options;
    n->out = out;
    dsgd_hold(c, node_release, h);
    int rc = dsgd_worker_setup(&n->w, &n->l, algo, c, job, out);
    if (rc == DSGD_OK && algo->state_size && !(n->state = calloc(1, algo->state_size)))
        rc = DSGD_ENOMEM;
    if (rc == DSGD_OK && algo->start)
        rc = algo->start(n, c);
    if (rc == DSGD_OK)
        rc = dsgd_barrier(c, NULL);
    double t0 = dsgd_now(c);
    n->w.t_start = t0;
    n->w.lockstep = !algo->independent;
    if (rc == DSGD_OK && n->l.my_worker >= 0)
        rc = worker_loop(algo, n, c);
    else if (rc == DSGD_OK)
        rc = algo->serve ? algo->serve(n, c) : DSGD_EINVAL;
    explain_failure(algo, n, c, rc);
    out->time_s = dsgd_now(c) - t0;
    dsgd_set_iter(c, -1);
    if (rc == DSGD_OK && n->l.my_worker >= 0)
        rc = dsgd_worker_finish(&n->w, c, out);
    dsgd_hold(c, NULL, NULL);
    node_free(h, c);
    return rc;
}
