/* mlp.c — a dense ReLU network with softmax cross-entropy: one dense stack
 * (dense.c) on the flattened input, on the CPU device.
 *
 * Parameter layout, layer by layer: W (out x in, row-major) then b (out). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dense.h"
#include "core/mlp.h"

static const dsgd_model_ops mlp_ops;

int dsgd_mlp_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen)
{
    int widths[DSGD_DENSE_MAX];
    int n_hidden = dsgd_dense_parse_hidden(hidden, widths, DSGD_DENSE_MAX - 1, err, errlen);
    if (n_hidden < 0)
        return -1;
    dsgd_dense_stack *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "--model mlp: out of memory");
        return -1;
    }
    if (dsgd_dense_init(s, dsgd_device_cpu(), dsgd_shape_size(input), widths, n_hidden, classes, 0,
                        0, m) != 0) {
        free(s);
        snprintf(err, errlen, "--hidden: too many layers in '%s'", hidden);
        return -1;
    }
    m->ops = &mlp_ops;
    m->impl = s;
    return 0;
}

static void mlp_destroy(dsgd_model *m)
{
    dsgd_dense_stack *s = m->impl;
    if (s) {
        dsgd_dense_free(s);
        free(s);
    }
    m->impl = NULL;
}

static void mlp_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed)
{
    dsgd_dense_init_params(m->impl, params->data, seed, 0);
}

static float mlp_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad)
{
    float loss = dsgd_dense_forward(m->impl, params->data, x, y, batch, NULL);
    if (grad && isfinite(loss))
        dsgd_dense_backward(m->impl, params->data, x, batch, grad->data, NULL);
    return loss;
}

static float mlp_evaluate(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                          int batch, int *correct)
{
    return dsgd_dense_forward(m->impl, params->data, x, y, batch, correct);
}

static const dsgd_model_ops mlp_ops = {
    .init_params = mlp_init_params,
    .loss_grad = mlp_loss_grad,
    .evaluate = mlp_evaluate,
    .destroy = mlp_destroy,
};

void dsgd_model_set_threads(int threads) { openblas_set_num_threads(threads); }

static int mlp_create(const dsgd_model_desc *self, const void *options, dsgd_shape input,
                      int classes, dsgd_model *m, char *err, size_t errlen)
{
    (void)self;
    const dsgd_model_options *o = options;
    return dsgd_mlp_create(o->hidden, input, classes, m, err, errlen);
}

const dsgd_model_desc dsgd_model_mlp = {
    .base = {"mlp", "executable: dense ReLU layers on the flattened input, softmax cross-entropy",
             dsgd_model_hidden_options, sizeof(dsgd_model_options)},
    .create = mlp_create,
};
