/* node.h — the node program every variant shares.
 *
 * Set up (layout, worker, start hook) -> start together -> the worker's
 * loop or the other role's run -> time -> evaluate -> free.  A variant's
 * file holds only its hooks (algo.h): the part that reads like the
 * paper's pseudo-code.  The worker's loop, iteration t:
 *     load minibatch t; gradient into n->w.grad;  step(n, c, t)
 *     evaluate / checkpoint when due;  progress
 * and after the last iteration, drain (e.g. wait for what is in flight). */
#ifndef DSGD_NODE_H
#define DSGD_NODE_H

#include "algorithms/layout.h"
#include "algorithms/worker.h"

struct dsgd_node {
    dsgd_worker w;   /* this rank's model, data, parameters, optimiser */
    dsgd_layout l;   /* roles, nodes, the workers' group */
    const void *opt; /* the variant's options struct (its component's) */
    void *state;     /* the variant's own state: algo->state_size bytes, zeroed */
    dsgd_result *out;
    /* What a role's run holds while it runs (a server's buffers), and its
     * free: released with the node should the rank end inside the run
     * (dsgd_hold).  The run sets them, and clears them when it frees. */
    void *run_state;
    void (*run_free)(void *run_state);
};

/* The node program of job->algo (a dsgd_node_program). */
int dsgd_node_main(dsgd_comm *c, const dsgd_job *job, dsgd_result *out);

#endif
