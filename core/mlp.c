/* mlp.c — a dense ReLU network with softmax cross-entropy: one dense stack
 * (dense.c) on the flattened input, on the CPU device unless moved
 * (dsgd_model_set_device).
 *
 * Parameter layout, layer by layer: W (out x in, row-major) then b (out). */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dense.h"
#include "core/mlp.h"
#include "core/stage.h"

typedef struct mlp {
    dsgd_dense_stack stack;
    dsgd_stage stage; /* params, batch and gradient on the device */
} mlp;

static const dsgd_model_ops mlp_ops;

int dsgd_mlp_create(const char *hidden, dsgd_shape input, int classes, dsgd_model *m, char *err,
                    size_t errlen)
{
    int widths[DSGD_DENSE_MAX];
    int n_hidden = dsgd_dense_parse_hidden(hidden, widths, DSGD_DENSE_MAX - 1, err, errlen);
    if (n_hidden < 0)
        return -1;
    mlp *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "--model mlp: out of memory");
        return -1;
    }
    if (dsgd_dense_init(&p->stack, dsgd_device_cpu(), dsgd_shape_size(input), widths, n_hidden,
                        classes, 0, 0, m) != 0) {
        free(p);
        snprintf(err, errlen, "--hidden: too many layers in '%s'", hidden);
        return -1;
    }
    dsgd_stage_init(&p->stage, p->stack.dev, m->n_params, dsgd_shape_size(input));
    m->ops = &mlp_ops;
    m->impl = p;
    return 0;
}

static void mlp_destroy(dsgd_model *m)
{
    mlp *p = m->impl;
    if (p) {
        dsgd_dense_free(&p->stack);
        dsgd_stage_free(&p->stage);
        free(p);
    }
    m->impl = NULL;
}

static int mlp_set_device(dsgd_model *m, const dsgd_device *dev)
{
    mlp *p = m->impl;
    dsgd_dense_free(&p->stack);
    dsgd_stage_free(&p->stage);
    p->stack.dev = dev;
    dsgd_stage_init(&p->stage, dev, m->n_params, p->stack.width[0]);
    return 0;
}

static void mlp_init_params(const dsgd_model *m, dsgd_vec *params, uint64_t seed)
{
    const mlp *p = m->impl;
    dsgd_dense_init_params(&p->stack, params->data, seed, 0);
}

/* The forward pass over the staged inputs; *dp and *dx say where they are. */
static float forward(mlp *p, const dsgd_vec *params, const float *x, const int *y, int batch,
                     int *correct, const float **dp, const float **dx)
{
    const int *dy;
    if (dsgd_stage_in(&p->stage, params->data, x, y, batch, dp, dx, &dy) != 0)
        return NAN;
    return dsgd_dense_forward(&p->stack, *dp, *dx, dy, batch, correct);
}

static float mlp_loss_grad(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                           int batch, dsgd_vec *grad)
{
    mlp *p = m->impl;
    const float *dp, *dx;
    float loss = forward(p, params, x, y, batch, NULL, &dp, &dx);
    if (grad && isfinite(loss)) {
        dsgd_dense_backward(&p->stack, dp, dx, batch, dsgd_stage_grad(&p->stage, grad->data), NULL);
        if (dsgd_stage_out(&p->stage, grad->data) != 0)
            return NAN;
    }
    return loss;
}

static float mlp_evaluate(dsgd_model *m, const dsgd_vec *params, const float *x, const int *y,
                          int batch, int *correct)
{
    const float *dp, *dx;
    return forward(m->impl, params, x, y, batch, correct, &dp, &dx);
}

static const dsgd_model_ops mlp_ops = {
    .init_params = mlp_init_params,
    .loss_grad = mlp_loss_grad,
    .evaluate = mlp_evaluate,
    .destroy = mlp_destroy,
    .set_device = mlp_set_device,
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
