/* toy_barrier.c — the smallest variant, to show (and test) what adding one
 * takes: this file and one line in a list of variants.  Every rank is a
 * worker that loads and computes its gradient, applies nothing, and waits
 * for the others at a barrier: the parameters stay as initialised. */
#include "algorithms/node.h"

static int toy_barrier_step(dsgd_node *n, dsgd_comm *c, long t)
{
    (void)n, (void)t;
    return dsgd_barrier(c, NULL);
}

const dsgd_algo dsgd_algo_toy_barrier = {
    .base = {"toy-barrier", "test only: every step is a barrier, the model never changes"},
    .collectives_only = 1,
    .step = toy_barrier_step,
};
