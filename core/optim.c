/* optim.c — SGD with momentum, Nesterov and weight decay over phantom-aware
 * vectors, in one pass over memory. */
#include "core/optim.h"

int dsgd_sgd_init(dsgd_sgd *opt, size_t n_params, int phantom, float lr, float momentum)
{
    opt->lr = lr;
    opt->momentum = momentum;
    opt->weight_decay = 0.0f;
    opt->nesterov = 0;
    return dsgd_vec_alloc(&opt->velocity, n_params, phantom);
}

void dsgd_sgd_free(dsgd_sgd *opt) { dsgd_vec_free(&opt->velocity); }

void dsgd_sgd_update(float *x, float *v, const float *g, size_t n, float lr, float momentum,
                     float weight_decay, int nesterov)
{
    const float mu = momentum, wd = weight_decay;
    if (nesterov)
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + wd * x[i];
            float vi = mu * v[i] + gi;
            v[i] = vi;
            x[i] -= lr * (gi + mu * vi);
        }
    else
        for (size_t i = 0; i < n; i++) {
            float vi = mu * v[i] + g[i] + wd * x[i];
            v[i] = vi;
            x[i] -= lr * vi;
        }
}

double dsgd_sgd_step(dsgd_sgd *opt, dsgd_vec *params, const dsgd_vec *grad)
{
    /* Reads x, g, v; writes v, x. */
    double bytes = 5.0 * (double)params->len * sizeof(float);
    float *x = params->data, *v = opt->velocity.data;
    const float *g = grad->data;
    if (!x || !v || !g)
        return bytes;
    dsgd_sgd_update(x, v, g, params->len, opt->lr, opt->momentum, opt->weight_decay, opt->nesterov);
    return bytes;
}
