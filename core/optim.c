/* optim.c — SGD with momentum over phantom-aware vectors. */
#include "core/optim.h"

int dsgd_sgd_init(dsgd_sgd *opt, size_t n_params, int phantom, float lr, float momentum)
{
    opt->lr = lr;
    opt->momentum = momentum;
    return dsgd_vec_alloc(&opt->velocity, n_params, phantom);
}

void dsgd_sgd_free(dsgd_sgd *opt) { dsgd_vec_free(&opt->velocity); }

double dsgd_sgd_step(dsgd_sgd *opt, dsgd_vec *params, const dsgd_vec *grad)
{
    double bytes = dsgd_vec_xpby(&opt->velocity, grad, opt->momentum);
    return bytes + dsgd_vec_axpy(params, -opt->lr, &opt->velocity);
}
