/* test_mlp_gradcheck — the MLP's backward pass against central finite
 * differences of its forward pass, for every parameter of a small network
 * (two hidden layers, so dense, ReLU and softmax-xent gradients all flow
 * through the chain).  Also checks the layer and flop bookkeeping. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/model.h"
#include "core/rng.h"

enum { IN = 6, CLASSES = 4, BATCH = 5 };

static int check_counts(const dsgd_model *m)
{
    /* 6-7-5-4: (6*7+7) + (7*5+5) + (5*4+4) parameters. */
    size_t expect = (6 * 7 + 7) + (7 * 5 + 5) + (5 * 4 + 4);
    if (m->n_params != expect) {
        fprintf(stderr, "n_params %zu, expected %zu\n", m->n_params, expect);
        return 1;
    }
    /* Forward flops per sample of the dense layers: 2*in*out + out each. */
    double dense_fwd = (2.0 * 6 * 7 + 7) + (2.0 * 7 * 5 + 5) + (2.0 * 5 * 4 + 4);
    double fwd = 0;
    for (int l = 0; l < m->n_layers; l++)
        if (m->layers[l].kind == DSGD_LAYER_DENSE)
            fwd += m->layers[l].fwd_flops;
    if (fwd != dense_fwd) {
        fprintf(stderr, "dense forward flops %g, expected %g\n", fwd, dense_fwd);
        return 1;
    }
    return 0;
}

int main(void)
{
    dsgd_model m;
    char err[256];
    if (dsgd_model_create("mlp", "7,5", (dsgd_shape){IN, 1, 1}, CLASSES, &m, err, sizeof err) !=
        0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int failures = check_counts(&m);
    dsgd_vec params, grad;
    dsgd_vec_alloc(&params, m.n_params, 0);
    dsgd_vec_alloc(&grad, m.n_params, 0);
    dsgd_model_init_params(&m, &params, 7);
    /* Non-zero biases so their gradients are exercised off the origin. */
    dsgd_rng r;
    dsgd_rng_seed(&r, 3);
    for (size_t i = 0; i < params.len; i++)
        params.data[i] += 0.1f * (float)dsgd_rng_normal(&r);
    float x[BATCH * IN];
    int y[BATCH];
    for (int i = 0; i < BATCH * IN; i++)
        x[i] = (float)dsgd_rng_normal(&r);
    for (int b = 0; b < BATCH; b++)
        y[b] = (int)dsgd_rng_below(&r, CLASSES);

    float loss = dsgd_model_loss_grad(&m, &params, x, y, BATCH, &grad);
    if (!isfinite(loss)) {
        fprintf(stderr, "loss %g\n", loss);
        return 1;
    }
    const float eps = 1e-2f;
    double worst = 0;
    for (size_t i = 0; i < params.len; i++) {
        float saved = params.data[i];
        params.data[i] = saved + eps;
        double up = dsgd_model_loss_grad(&m, &params, x, y, BATCH, NULL);
        params.data[i] = saved - eps;
        double down = dsgd_model_loss_grad(&m, &params, x, y, BATCH, NULL);
        params.data[i] = saved;
        double fd = (up - down) / (2.0 * eps);
        double an = grad.data[i];
        /* float32 forward passes: absolute floor 2e-3, relative 2 %. */
        double err_i = fabs(fd - an) / (2e-3 + 2e-2 * fmax(fabs(fd), fabs(an)));
        if (err_i > worst)
            worst = err_i;
        if (err_i > 1.0) {
            fprintf(stderr, "param %zu: analytic %.6g, finite difference %.6g\n", i, an, fd);
            failures++;
        }
    }
    printf("mlp gradcheck: %zu parameters, loss %.5f, worst error/tolerance %.3f, %d failures\n",
           params.len, loss, worst, failures);
    dsgd_vec_free(&params);
    dsgd_vec_free(&grad);
    dsgd_model_destroy(&m);
    return failures != 0;
}
