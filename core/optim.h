/* optim.h — optimisers applied to the flat parameter vector. */
#ifndef DSGD_OPTIM_H
#define DSGD_OPTIM_H

#include "core/vec.h"

/* SGD with momentum, optionally Nesterov, and L2 weight decay:
 *     g <- g + weight_decay * x
 *     v <- momentum * v + g
 *     x <- x - lr * (nesterov ? g + momentum * v : v)
 * lr may change between steps (see schedule.h). */
typedef struct dsgd_sgd {
    float lr;
    float momentum;
    float weight_decay;
    int nesterov;
    dsgd_vec velocity;
} dsgd_sgd;

/* Returns 0, or -1 when out of memory.  phantom: velocity has no data.
 * weight_decay and nesterov start at 0; set them after. */
int dsgd_sgd_init(dsgd_sgd *opt, size_t n_params, int phantom, float lr, float momentum);
void dsgd_sgd_free(dsgd_sgd *opt);
/* Applies one step; returns the memory traffic in bytes (for dsgd_memory). */
double dsgd_sgd_step(dsgd_sgd *opt, dsgd_vec *params, const dsgd_vec *grad);
/* The step on raw host arrays of n floats (the CPU device's sgd_step; the
 * CUDA device's kernel computes the same, exec/cuda/device_cuda.cu). */
void dsgd_sgd_update(float *x, float *v, const float *g, size_t n, float lr, float momentum,
                     float weight_decay, int nesterov);

#endif
